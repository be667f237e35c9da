// Where the engine looks for a phone to call: this node's bindings, plus, in
// a cluster, the phones other nodes registered (they are reached through the
// Path they registered with, via the SIP front). The registrar and qualify
// keep working on this node's own bindings only (LocationStore).
import type { Binding, Credentials, LocationService } from '../../sip/registrar/location-service.ts';
import type { LocationStore } from './location-store.ts';

/** Bindings held by other nodes (src/engine/cluster/remote-locations.ts). */
export interface RemoteBindingSource {
  bindings(extension: string): Binding[];
  all(): Binding[];
}

export class ReachableLocations implements LocationService {
  private remote: RemoteBindingSource | undefined;

  constructor(private readonly local: LocationStore) {}

  useRemote(remote: RemoteBindingSource): void {
    this.remote = remote;
  }

  credentials(authId: string): Promise<Credentials | undefined> {
    return this.local.credentials(authId);
  }

  extensionExists(extension: string): Promise<boolean> {
    return this.local.extensionExists(extension);
  }

  bindings(extension: string): Binding[] {
    const own = this.local.bindings(extension);
    if (!this.remote) return own;
    const contacts = new Set(own.map((b) => b.contact));
    return [...own, ...this.remote.bindings(extension).filter((b) => !contacts.has(b.contact))];
  }

  all(): Binding[] {
    const own = this.local.all();
    if (!this.remote) return own;
    const keys = new Set(own.map((b) => `${b.extension}\n${b.contact}`));
    return [...own, ...this.remote.all().filter((b) => !keys.has(`${b.extension}\n${b.contact}`))];
  }

  save(binding: Binding): Promise<void> {
    return this.local.save(binding);
  }

  remove(extension: string, contact: string, reason: 'removed' | 'expired' | 'unreachable'): Promise<void> {
    return this.local.remove(extension, contact, reason);
  }

  markReachable(extension: string, contact: string, reachable: boolean): Promise<void> {
    return this.local.markReachable(extension, contact, reachable);
  }
}
