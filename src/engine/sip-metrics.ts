// Prometheus metrics of the SIP side, read at scrape time from the counters
// the transports, transaction layer, registrar and guard keep anyway.
import { Gauge, type Registry } from 'prom-client';
import { scrapeGauge } from './scrape-gauge.ts';
import type { SipService } from './sip-service.ts';

export function registerSipMetrics(registry: Registry, sip: SipService): void {
  const gauge = (name: string, help: string, read: () => number) => scrapeGauge(registry, name, help, read);
  const s = sip.stack;
  new Gauge({
    name: 'switchboard_sip_messages_received',
    help: 'SIP messages received, by transport',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      this.set({ transport: 'udp' }, s.udp.received);
      this.set({ transport: 'tcp' }, s.tcp.received);
    },
  });
  new Gauge({
    name: 'switchboard_sip_dropped',
    help: 'Packets or connections dropped before parsing (banned source, oversize, broken framing), by transport',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      this.set({ transport: 'udp' }, s.udp.dropped);
      this.set({ transport: 'tcp' }, s.tcp.dropped);
    },
  });
  gauge('switchboard_sip_malformed', 'SIP messages that failed to parse', () => s.malformed);
  gauge('switchboard_sip_tcp_connections', 'Open SIP TCP connections', () => s.tcp.connectionCount);
  gauge('switchboard_sip_transactions', 'Live SIP transactions', () => s.transactions.size);
  gauge('switchboard_sip_registrations', 'Registered device bindings', () => sip.locations.all().length);
  gauge('switchboard_sip_banned_sources', 'Source addresses banned after failed authentications', () => sip.guard.bannedCount);
}
