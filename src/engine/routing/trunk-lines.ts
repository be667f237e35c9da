// Trunks (3CX "lines") as routing sees them: which trunk an INVITE came
// from, and where a call out through a trunk goes. A trunk is recognised by
// its source: an address in `inboundIps`, or its own host and port (the port
// too, so that a provider on this machine — or a test's — is not mistaken
// for the phones on the same address).
import { isIP } from 'node:net';
import type { Store } from '../../store/index.ts';
import type { Trunk } from '../../core/directory/trunk.ts';
import type { Flow } from '../../sip/transport/flow.ts';
import type { LegContext } from '../b2bua/leg-context.ts';
import type { UacTarget } from '../b2bua/uac-leg.ts';

/** IPv4 CIDR or a plain address; IPv6 entries match exactly. */
export function addressMatches(entry: string, address: string): boolean {
  const [base, bits] = entry.split('/');
  if (bits === undefined || isIP(address) !== 4 || isIP(base ?? '') !== 4) return entry === address;
  const n = Number(bits);
  if (!Number.isInteger(n) || n < 0 || n > 32) return false;
  const toInt = (a: string): number => a.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  return ((toInt(base!) & mask) >>> 0) === ((toInt(address) & mask) >>> 0);
}

export class TrunkLines {
  constructor(
    private readonly store: Store,
    private readonly ctx: LegContext,
  ) {}

  private async all(): Promise<Trunk[]> {
    return (await this.store.trunks.list({ limit: 10000 }, { withSecrets: true })).items as unknown as Trunk[];
  }

  /** The enabled trunk this flow comes from, if any. */
  async bySource(flow: Flow): Promise<Trunk | undefined> {
    const trunks = await this.all();
    return trunks.find((t) => t.enabled && (t.inboundIps.some((e) => addressMatches(e, flow.remoteAddress)) || (t.host === flow.remoteAddress && t.port === flow.remotePort)));
  }

  /**
   * Where an INVITE for `number` through trunk `id` goes: the provider's
   * servers in the order to try them (RFC 3263 §4.3: the next one after a
   * timeout, a transport error or a 503). Undefined when the trunk is off or
   * its host does not resolve.
   */
  async target(id: number, number: string): Promise<{ targets: UacTarget[]; to: string; mainNumber: string; trunk: Trunk } | undefined> {
    const trunk = (await this.all()).find((t) => t.id === id);
    const transport = this.ctx.stack.transport(trunk?.transport ?? 'udp');
    if (!trunk?.enabled || trunk.host === '' || !transport) return undefined;
    const port = trunk.port || (trunk.transport === 'tls' ? 5061 : 5060);
    const servers = await this.ctx.stack.locator.locate(trunk.host, trunk.transport, trunk.dnsSrv ? undefined : port);
    if (servers.length === 0) return undefined;
    // The provider may challenge our INVITE (RFC 3261 §22.2): digest user is authId, else username.
    const credentials = trunk.password !== '' && (trunk.authId || trunk.username) ? { credentials: { username: trunk.authId || trunk.username, password: trunk.password } } : {};
    // The Request-URI names the provider (its domain when located by SRV, §4: the URI is not rewritten).
    const uri = trunk.dnsSrv ? `sip:${number}@${trunk.host}` : `sip:${number}@${trunk.host}:${String(port)}`;
    const targets = servers.map((s) => ({
      uri: `${uri}${trunk.transport === 'udp' ? '' : `;transport=${trunk.transport}`}`,
      // TLS: the certificate must name the host (the SRV target), not the address it resolved to.
      flow: transport.flowTo(s.address, s.port, isIP(s.name) === 0 ? s.name : undefined),
      ...credentials,
    }));
    return {
      targets,
      to: `<sip:${number}@${trunk.host}>`,
      mainNumber: trunk.mainNumber,
      trunk,
    };
  }
}
