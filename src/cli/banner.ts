// The first-run message: where to point a phone and a browser.
import { networkInterfaces } from 'node:os';
import type { RunningServer } from '../server.ts';

/** The address other machines reach us at: the configured public host, else the first LAN IPv4. */
export function reachableHost(configured: string | undefined, bound: string): string {
  if (configured) return configured;
  if (bound !== '0.0.0.0' && bound !== '::') return bound;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export function banner(s: RunningServer): string {
  const host = reachableHost(s.config.publicHost, s.config.host);
  const scheme = s.config.tlsCert ? 'https' : 'http';
  const base = `${scheme}://${host}:${String(s.ports.http)}`;
  const sip = s.ports.sip?.udp ?? s.ports.sip?.tcp;
  const lines = [
    '',
    '  Switchboard is running.',
    '',
    `  Phones:  register to ${host}${sip !== undefined ? `:${String(sip)}` : ' (SIP listener not enabled)'} (UDP/TCP), user = extension number`,
    `  API:     ${base}/api/v1   (Authorization: Bearer <key>)`,
    `  Docs:    ${base}/api/docs`,
    `  Health:  ${base}/healthz`,
  ];
  if (s.demo) {
    lines.push('', '  First run: a demo directory was created. SIP credentials (shown once):');
    for (const e of s.demo.extensions) lines.push(`    ${e.number}  ${e.name.padEnd(14)} user ${e.authId}  password ${e.password}`);
    lines.push('', `  Admin API key (shown once, store it now): ${s.demo.adminKey}`);
    lines.push(`  Try: curl -H "Authorization: Bearer ${s.demo.adminKey}" ${base}/api/v1/extensions`);
  }
  lines.push('');
  return lines.join('\n');
}
