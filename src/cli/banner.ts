// The first-run message: where to point a phone and a browser.
import type { RunningServer } from '../server.ts';
import { advertisedHost } from '../engine/advertised-host.ts';

export function banner(s: RunningServer): string {
  const host = advertisedHost(s.config.publicHost, s.config.host);
  const scheme = s.config.tlsCert ? 'https' : 'http';
  const base = `${scheme}://${host}:${String(s.ports.http)}`;
  const sip = s.ports.sip?.udp ?? s.ports.sip?.tcp;
  const lines = [
    '',
    '  Switchboard is running.',
    '',
    `  Phones:  register to ${host}${sip !== undefined ? `:${String(sip)}` : ' (SIP listener not enabled)'} (UDP/TCP), user = extension number`,
    ...(s.ports.sip?.tls !== undefined ? [`           or over TLS to ${host}:${String(s.ports.sip.tls)} (transport=tls)`] : []),
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
