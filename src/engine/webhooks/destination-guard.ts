// SSRF protection: a webhook may not reach loopback, private, link-local or
// other special-purpose addresses (RFC 6890 registries) unless the operator
// allows it. Checked when a subscription is made (literal addresses and
// "localhost") and again at connect time on the addresses DNS returned, so a
// name that later resolves inward (DNS rebinding) is refused as well.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { PbxError } from '../../core/errors.ts';

const V4_BLOCKED: [number, number][] = [
  [0x00000000, 8], // "this network"
  [0x0a000000, 8], // RFC 1918
  [0x64400000, 10], // RFC 6598 shared address space
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local (cloud metadata lives here)
  [0xac100000, 12], // RFC 1918
  [0xc0000000, 24], // IETF protocol assignments
  [0xc0a80000, 16], // RFC 1918
  [0xc6120000, 15], // benchmarking
  [0xe0000000, 4], // multicast
  [0xf0000000, 4], // reserved, broadcast
];

function v4Number(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function isPrivateAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) {
    const n = v4Number(ip);
    return V4_BLOCKED.some(([base, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits)));
  }
  if (family === 6) {
    const a = ip.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    if (mapped?.[1]) return isPrivateAddress(mapped[1]);
    // loopback, unspecified, unique local fc00::/7, link-local fe80::/10, multicast
    return a === '::1' || a === '::' || /^f[cd]/.test(a) || /^fe[89ab]/.test(a) || a.startsWith('ff');
  }
  return true;
}

/** Refuses a URL a subscription may not point at (scheme, inward literal address). */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PbxError('SB_VALIDATION', `"${raw}" is not a URL`, [{ path: '/url', message: 'not a URL' }]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PbxError('SB_VALIDATION', 'a webhook URL must be http:// or https://', [{ path: '/url', message: 'scheme must be http or https' }]);
  if (url.username !== '' || url.password !== '') throw new PbxError('SB_VALIDATION', 'a webhook URL may not carry credentials', [{ path: '/url', message: 'no user:password@ in the URL' }]);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isPrivateAddress(host)))) {
    throw new PbxError('SB_UNPROCESSABLE', `${host} is a loopback or private address; webhooks may not reach it unless SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE is set`, [{ path: '/url', message: 'private destination refused' }]);
  }
  return url;
}

/** A DNS lookup for http.request that fails on inward addresses. */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const ok = addresses.filter((a) => allowPrivate || !isPrivateAddress(a.address));
      if (ok.length === 0) return callback(Object.assign(new Error(`${hostname} resolves only to private addresses`), { code: 'EPRIVATE' }), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, ok);
      const first = ok[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}
