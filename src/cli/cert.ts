// `switchboard cert create`: a self-signed certificate for a LAN install, so
// the HTTP port can serve HTTPS/WSS (clients of the 3CX APIs speak only those).
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { generate } from 'selfsigned';

export async function createCertificate(opts: { cert: string; key: string; hosts: string[]; days: number }): Promise<string> {
  const notAfter = new Date(Date.now() + opts.days * 86_400_000);
  const altNames = opts.hosts.map((h) => (/^[0-9.]+$|:/.test(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h }));
  const pems = await generate([{ name: 'commonName', value: opts.hosts[0] ?? 'switchboard' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  } as Parameters<typeof generate>[1]);
  mkdirSync(dirname(opts.cert), { recursive: true });
  mkdirSync(dirname(opts.key), { recursive: true });
  writeFileSync(opts.cert, pems.cert);
  writeFileSync(opts.key, pems.private, { mode: 0o600 });
  return pems.fingerprint;
}
