// The phones other nodes registered, read from the shared devices table: all
// of them at start, an extension's again whenever another node's
// device.registered / device.unregistered event arrives, and everything every
// RESYNC_MS (refreshes are not events). Rows past their expiry are ignored;
// the owning node deletes them.
import type { Store } from '../../store/index.ts';
import type { Binding } from '../../sip/registrar/location-service.ts';
import type { PbxEvent } from '../../core/events.ts';
import { bindingOfRow } from '../registrations/location-store.ts';
import type { RemoteBindingSource } from '../registrations/reachable-locations.ts';

const RESYNC_MS = 30_000;

export class RemoteLocations implements RemoteBindingSource {
  private byExtension = new Map<string, Binding[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly node: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    await this.resync();
    this.timer = setInterval(() => this.resync().catch(this.onError), RESYNC_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Another node's event: re-read the extension it was about. */
  onEvent(event: PbxEvent): void {
    if (event.type !== 'device.registered' && event.type !== 'device.unregistered') return;
    const { extension } = event.payload as { extension: string };
    this.reload(extension).catch(this.onError);
  }

  bindings(extension: string): Binding[] {
    const now = Date.now();
    return (this.byExtension.get(extension) ?? []).filter((b) => b.expiresAt > now);
  }

  all(): Binding[] {
    const now = Date.now();
    return [...this.byExtension.values()].flat().filter((b) => b.expiresAt > now);
  }

  private async resync(): Promise<void> {
    const rows = await this.store.db.selectFrom('devices').selectAll().where('node', '!=', this.node).where('expiresAt', '>', new Date().toISOString()).execute();
    const next = new Map<string, Binding[]>();
    for (const r of rows) next.set(r.extension, [...(next.get(r.extension) ?? []), bindingOfRow(r)]);
    this.byExtension = next;
  }

  private async reload(extension: string): Promise<void> {
    const rows = await this.store.db.selectFrom('devices').selectAll().where('node', '!=', this.node).where('extension', '=', extension).where('expiresAt', '>', new Date().toISOString()).execute();
    if (rows.length === 0) this.byExtension.delete(extension);
    else this.byExtension.set(extension, rows.map(bindingOfRow));
  }
}
