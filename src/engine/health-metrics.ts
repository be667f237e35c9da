// Prometheus metrics of what the PBX depends on besides SIP: the database
// (reachable, writes waiting for it).
import { Gauge, type Registry } from 'prom-client';
import type { Store } from '../store/index.ts';

export function registerHealthMetrics(registry: Registry, store: Store): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('switchboard_store_available', '1 while the database answers, 0 while it is unreachable', () => (store.health.available ? 1 : 0));
  gauge('switchboard_store_unavailable_seconds', 'How long the database has been unreachable, 0 while it answers', () => store.health.downForMs() / 1000);
  gauge('switchboard_events_waiting', 'Events held in memory until the database is reachable again', () => store.events.waiting);
}
