// The address other machines reach us at, for Via/Contact/SDP and the
// first-run banner: the configured public host, else the bound address, else
// the first LAN IPv4.
import { networkInterfaces } from 'node:os';

export function advertisedHost(configured: string | undefined, bound: string): string {
  if (configured) return configured;
  if (bound !== '0.0.0.0' && bound !== '::') return bound;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
