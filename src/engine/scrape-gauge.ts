// A Prometheus gauge read at scrape time: the metrics modules register the
// counters the engine keeps anyway instead of updating gauges as they change.
import { Gauge, type Registry } from 'prom-client';

export function scrapeGauge(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
