// RFC 3263 §4: locating the SIP server of a host name — NAPTR for the SRV
// name of the transport, SRV for the servers in the order to try them, A for
// their addresses. The transport is never chosen here: a trunk names it
// (§4.1, "the transport protocol SHOULD be used"), so NAPTR only says which
// SRV name a provider publishes for it.
import { isIP } from 'node:net';
import { Resolver, lookup } from 'node:dns/promises';
import type { NaptrRecord, SrvRecord } from 'node:dns';

export type LocatedTransport = 'udp' | 'tcp' | 'tls';

export interface LocatedServer {
  address: string;
  port: number;
  /** The SRV target (or the host itself): the name a TLS certificate must carry. */
  name: string;
}

/** The lookups used; node:dns/promises' Resolver has them. */
export interface DnsLookups {
  resolveNaptr(name: string): Promise<NaptrRecord[]>;
  resolveSrv(name: string): Promise<SrvRecord[]>;
  resolve4(name: string): Promise<string[]>;
}

export interface ServerLocatorOptions {
  /** `ip` or `ip:port` of the DNS servers to ask; the system's when unset. */
  servers?: string[];
  /** How long answers are kept (Node's resolver does not give the TTL). */
  cacheMs?: number;
  lookups?: DnsLookups;
}

/** §4.1 / RFC 3263 §4.2 service fields and SRV prefixes per transport. */
const NAPTR_SERVICE: Record<LocatedTransport, string> = { udp: 'SIP+D2U', tcp: 'SIP+D2T', tls: 'SIPS+D2T' };
const SRV_PREFIX: Record<LocatedTransport, string> = { udp: '_sip._udp.', tcp: '_sip._tcp.', tls: '_sips._tcp.' };
const DEFAULT_PORT: Record<LocatedTransport, number> = { udp: 5060, tcp: 5060, tls: 5061 };

interface SrvAnswer {
  /** SRV records with their targets' addresses; empty: none published. */
  records: { priority: number; weight: number; port: number; name: string; addresses: string[] }[];
  at: number;
}

export class ServerLocator {
  private readonly lookups: DnsLookups;
  private readonly cacheMs: number;
  private readonly cache = new Map<string, SrvAnswer>();

  constructor(options: ServerLocatorOptions = {}) {
    this.cacheMs = options.cacheMs ?? 30_000;
    if (options.lookups) this.lookups = options.lookups;
    else {
      const resolver = new Resolver({ timeout: 2000, tries: 2 });
      const own = options.servers !== undefined && options.servers.length > 0;
      if (own) resolver.setServers(options.servers ?? []);
      // With the system's resolver, addresses come from getaddrinfo as
      // everywhere else (so /etc/hosts names such as localhost still work).
      const system = async (name: string): Promise<string[]> => (await lookup(name, { all: true, family: 4 })).map((a) => a.address);
      this.lookups = {
        resolveNaptr: (name) => resolver.resolveNaptr(name),
        resolveSrv: (name) => resolver.resolveSrv(name),
        resolve4: own ? (name) => resolver.resolve4(name) : system,
      };
    }
  }

  /**
   * The servers to try for `host`, best first. With `port` (a port in the
   * URI, §4.2) or an address, no SRV: the host's A records on that port.
   * Without any record the list is empty.
   */
  async locate(host: string, transport: LocatedTransport, port?: number): Promise<LocatedServer[]> {
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    if (isIP(bare) !== 0) return [{ address: bare, port: port ?? DEFAULT_PORT[transport], name: bare }];
    if (port !== undefined) return (await this.addresses(bare)).map((address) => ({ address, port, name: bare }));
    const answer = await this.srv(bare, transport);
    if (answer.records.length > 0) return ordered(answer.records).flatMap((r) => r.addresses.map((address) => ({ address, port: r.port, name: r.name })));
    // §4.2: no SRV record — the A records of the host, on the transport's default port.
    return (await this.addresses(bare)).map((address) => ({ address, port: DEFAULT_PORT[transport], name: bare }));
  }

  private async srv(host: string, transport: LocatedTransport): Promise<SrvAnswer> {
    const key = `${transport} ${host.toLowerCase()}`;
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at < this.cacheMs) return cached;
    const names = await this.srvNames(host, transport);
    const records: SrvAnswer['records'] = [];
    for (const name of names) {
      const srv = await quiet(this.lookups.resolveSrv(name));
      for (const r of srv) {
        // RFC 2782: a target of "." means the service is decidedly not available.
        if (r.name === '' || r.name === '.') continue;
        records.push({ priority: r.priority, weight: r.weight, port: r.port, name: r.name, addresses: await this.addresses(r.name) });
      }
      if (records.length > 0) break;
    }
    const answer = { records, at: Date.now() };
    this.cache.set(key, answer);
    return answer;
  }

  /** §4.1: the NAPTR records' SRV names for the transport, by order then preference; else the transport's usual SRV name. */
  private async srvNames(host: string, transport: LocatedTransport): Promise<string[]> {
    const naptr = (await quiet(this.lookups.resolveNaptr(host)))
      .filter((r) => r.flags.toLowerCase() === 's' && r.service.toUpperCase() === NAPTR_SERVICE[transport] && r.replacement !== '')
      .sort((a, b) => a.order - b.order || a.preference - b.preference);
    return naptr.length > 0 ? naptr.map((r) => r.replacement) : [`${SRV_PREFIX[transport]}${host}`];
  }

  private async addresses(name: string): Promise<string[]> {
    if (isIP(name) !== 0) return [name];
    return quiet(this.lookups.resolve4(name));
  }
}

/**
 * RFC 2782: lowest priority first; within a priority, a weighted random
 * order (each pick with probability weight / remaining weight; weight 0
 * entries have a small chance, so they come last unless alone).
 */
export function ordered<T extends { priority: number; weight: number }>(records: T[], random: () => number = Math.random): T[] {
  const byPriority = new Map<number, T[]>();
  for (const r of records) byPriority.set(r.priority, [...(byPriority.get(r.priority) ?? []), r]);
  const out: T[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const left = [...(byPriority.get(priority) ?? [])].sort((a, b) => a.weight - b.weight);
    while (left.length > 0) {
      const total = left.reduce((sum, r) => sum + r.weight, 0);
      let pick = 0;
      if (total > 0) {
        let point = random() * total;
        pick = left.findIndex((r) => (point -= r.weight) < 0);
        if (pick === -1) pick = left.length - 1;
      }
      out.push(...left.splice(pick, 1));
    }
  }
  return out;
}

/** No such name, no such record, or no answer: nothing, not an error — the next step of §4 is tried. */
async function quiet<T>(p: Promise<T[]>): Promise<T[]> {
  try {
    return await p;
  } catch {
    return [];
  }
}
