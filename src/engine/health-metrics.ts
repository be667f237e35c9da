// Prometheus metrics of what the PBX depends on besides SIP: the database
// (reachable, writes waiting for it) and the disks (alarms, failed writes).
import { Gauge, type Registry } from 'prom-client';
import { scrapeGauge } from './scrape-gauge.ts';
import type { Store } from '../store/index.ts';
import type { Alarms } from './alarms.ts';

export function registerHealthMetrics(registry: Registry, store: Store, alarms: Alarms): void {
  const gauge = (name: string, help: string, read: () => number) => scrapeGauge(registry, name, help, read);
  gauge('switchboard_store_available', '1 while the database answers, 0 while it is unreachable', () => (store.health.available ? 1 : 0));
  gauge('switchboard_store_unavailable_seconds', 'How long the database has been unreachable, 0 while it answers', () => store.health.downForMs() / 1000);
  gauge('switchboard_events_waiting', 'Events held in memory until the database is reachable again', () => store.events.waiting);
  new Gauge({
    name: 'switchboard_alarm',
    help: '1 for each alarm raised now (system.alarm events), by reason and component',
    labelNames: ['reason', 'component'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of alarms.active()) this.set({ reason: a.reason, component: a.component }, 1);
    },
  });
  new Gauge({
    name: 'switchboard_disk_write_failures',
    help: 'Disk writes that failed (full, I/O error) since start, by reason and component',
    labelNames: ['reason', 'component'],
    registers: [registry],
    collect() {
      for (const f of alarms.failureCounts()) this.set({ reason: f.reason, component: f.component }, f.count);
    },
  });
}
