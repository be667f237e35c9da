// The location service over the store: bindings live in memory for routing
// and are written through to the devices table, so a restart keeps them
// (issue: "a restart of Switchboard keeps the registration"). Every change is
// an event in the log.
import type { Store } from '../../store/index.ts';
import type { Binding, Credentials, LocationService } from '../../sip/registrar/location-service.ts';
import type { TransportProtocol } from '../../sip/transport/flow.ts';
import type { Selectable } from 'kysely';
import type { DevicesTable } from '../../store/schema.ts';

// A refresh of an unchanged binding only moves its expiry. Writing it at once
// was the largest cost of a REGISTER; such refreshes are written behind,
// together, within REFRESH_FLUSH_MS (and on stop). A crash loses at most that
// much of an expiry time, never a binding: new, changed and removed bindings
// are written before the 200 OK.
const REFRESH_FLUSH_MS = 1000;

export class LocationStore implements LocationService {
  private readonly byExtension = new Map<string, Map<string, Binding>>();
  private readonly dirty = new Map<string, Binding>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    /** This node's id (SWITCHBOARD_NODE_ID): the devices rows it owns. */
    readonly node = 'local',
  ) {}

  /**
   * Loads this node's bindings that have not expired (after a restart). In a
   * cluster every node keeps only its own rows (`node`); the others' are
   * learned by src/engine/cluster/remote-locations.ts.
   */
  async load(now = Date.now()): Promise<number> {
    const rows = await this.store.db.selectFrom('devices').selectAll().where('expiresAt', '>', new Date(now).toISOString()).where('node', '=', this.node).execute();
    for (const r of rows) this.put(bindingOfRow(r));
    await this.store.db.deleteFrom('devices').where('expiresAt', '<=', new Date(now).toISOString()).where('node', '=', this.node).execute();
    return rows.length;
  }

  private put(b: Binding): void {
    let m = this.byExtension.get(b.extension);
    if (!m) this.byExtension.set(b.extension, (m = new Map()));
    m.set(b.contact, b);
  }

  async credentials(authId: string): Promise<Credentials | undefined> {
    const row = await this.store.db.selectFrom('extensions').select(['number', 'authPassword', 'enabled']).where('authId', '=', authId).executeTakeFirst();
    return row ? { extension: row.number, password: row.authPassword, enabled: row.enabled === 1 } : undefined;
  }

  async extensionExists(extension: string): Promise<boolean> {
    return (await this.store.db.selectFrom('extensions').select('number').where('number', '=', extension).executeTakeFirst()) !== undefined;
  }

  bindings(extension: string): Binding[] {
    return [...(this.byExtension.get(extension)?.values() ?? [])];
  }

  all(): Binding[] {
    return [...this.byExtension.values()].flatMap((m) => [...m.values()]);
  }

  async save(b: Binding): Promise<void> {
    const previous = this.byExtension.get(b.extension)?.get(b.contact);
    const isNew = previous === undefined;
    this.put(b);
    if (previous !== undefined && sameDevice(previous, b)) {
      this.dirty.set(`${b.extension}\n${b.contact}`, b);
      this.flushTimer ??= setTimeout(() => void this.flush(), REFRESH_FLUSH_MS);
      return;
    }
    await this.write(b);
    if (isNew) {
      await this.store.events.append('device.registered', {
        extension: b.extension,
        contact: b.contact,
        userAgent: b.userAgent,
        transport: b.flow.protocol,
        source: `${b.flow.remoteAddress}:${String(b.flow.remotePort)}`,
        expiresAt: new Date(b.expiresAt).toISOString(),
      });
    }
  }

  /** Writes the refreshes waiting behind. */
  flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = [...this.dirty.values()];
    this.dirty.clear();
    // A failed flush must not wedge the ones after it; the error goes to the caller of that flush.
    this.flushing = this.flushing.catch(() => undefined).then(async () => {
      if (batch.length === 0) return;
      await this.store.db.transaction().execute(async (tx) => {
        for (const b of batch) {
          await tx
            .updateTable('devices')
            .set({ expiresAt: new Date(b.expiresAt).toISOString(), callId: b.callId, cseq: b.cseq, lastSeenAt: new Date().toISOString() })
            .where('extension', '=', b.extension)
            .where('contact', '=', b.contact)
            .execute();
        }
      });
    });
    return this.flushing;
  }

  private async write(b: Binding): Promise<void> {
    const row = {
      extension: b.extension,
      contact: b.contact,
      aor: b.contactHeader,
      userAgent: b.userAgent,
      sourceAddress: b.flow.remoteAddress,
      sourcePort: b.flow.remotePort,
      transport: b.flow.protocol,
      callId: b.callId,
      cseq: b.cseq,
      instanceId: b.instanceId,
      expiresAt: new Date(b.expiresAt).toISOString(),
      registeredAt: new Date(b.registeredAt).toISOString(),
      lastSeenAt: new Date().toISOString(),
      reachable: b.reachable ? 1 : 0,
      node: this.node,
      path: JSON.stringify(b.path ?? []),
    };
    await this.store.db
      .insertInto('devices')
      .values(row)
      .onConflict((oc) => oc.columns(['extension', 'contact']).doUpdateSet(row))
      .execute();
  }

  async remove(extension: string, contact: string, reason: 'removed' | 'expired' | 'unreachable'): Promise<void> {
    const m = this.byExtension.get(extension);
    if (!m?.delete(contact)) return;
    this.dirty.delete(`${extension}\n${contact}`);
    if (m.size === 0) this.byExtension.delete(extension);
    await this.store.db.deleteFrom('devices').where('extension', '=', extension).where('contact', '=', contact).execute();
    await this.store.events.append('device.unregistered', { extension, contact, reason });
  }

  async markReachable(extension: string, contact: string, reachable: boolean): Promise<void> {
    const b = this.byExtension.get(extension)?.get(contact);
    if (!b || b.reachable === reachable) return;
    b.reachable = reachable;
    await this.store.db.updateTable('devices').set({ reachable: reachable ? 1 : 0 }).where('extension', '=', extension).where('contact', '=', contact).execute();
  }
}

/** Same phone at the same place: only the expiry and the REGISTER's ids moved. */
function sameDevice(a: Binding, b: Binding): boolean {
  return (
    a.contactHeader === b.contactHeader &&
    a.userAgent === b.userAgent &&
    a.reachable === b.reachable &&
    a.flow.protocol === b.flow.protocol &&
    a.flow.remoteAddress === b.flow.remoteAddress &&
    a.flow.remotePort === b.flow.remotePort &&
    (a.path ?? []).join('\n') === (b.path ?? []).join('\n')
  );
}

/** A devices row as a binding (after a restart, or another node's phone). */
export function bindingOfRow(r: Selectable<DevicesTable>): Binding {
  return {
    extension: r.extension,
    contact: r.contact,
    contactHeader: r.aor || `<${r.contact}>`,
    expiresAt: Date.parse(r.expiresAt),
    callId: r.callId,
    cseq: r.cseq,
    userAgent: r.userAgent,
    // The connection of a TCP flow did not survive the restart; the
    // transport opens a new one to the same address when needed.
    flow: { protocol: r.transport as TransportProtocol, localAddress: '', localPort: 0, remoteAddress: r.sourceAddress, remotePort: r.sourcePort },
    instanceId: r.instanceId,
    reachable: r.reachable === 1,
    registeredAt: Date.parse(r.registeredAt),
    path: parsePath(r.path),
  };
}

function parsePath(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
