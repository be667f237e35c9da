// The absolute base URL of the HTTP API as other machines reach it, for links
// we hand out (a recording's record_link in WireCRM's NOTIFY_RECORD): the
// configured SWITCHBOARD_PUBLIC_URL, else http(s)://<advertised host>:<port>.
import type { Config } from '../config.ts';
import { advertisedHost } from './advertised-host.ts';

export function publicBaseUrl(config: Pick<Config, 'publicUrl' | 'publicHost' | 'host' | 'tlsCert'>, httpPort: number): string {
  if (config.publicUrl) return config.publicUrl;
  const host = advertisedHost(config.publicHost, config.host);
  // An IPv6 literal goes in brackets in a URL (RFC 3986 §3.2.2).
  const authority = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${config.tlsCert ? 'https' : 'http'}://${authority}:${String(httpPort)}`;
}
