// One trunk's outbound registration: we are the UA that registers a binding
// at the provider's registrar (RFC 3261 §10.2), keep it fresh, and remove it.
//
// §10.2: "A UA MUST NOT send a new registration (that is, containing new Contact
// header field values, as opposed to a retransmission) until it has received a
// final response from the registrar for the previous one" — every exchange
// here is awaited before the next one starts.
import { isIP } from 'node:net';
import { SipRequest, generateBranch, generateCallId, generateTag, type SipResponse } from '../../sip/message/index.ts';
import { DigestClient } from '../../sip/auth/digest-client.ts';
import { parseDigestChallenges } from '../../sip/auth/digest-challenge.ts';
import type { SipStack } from '../../sip/sip-stack.ts';
import type { Flow } from '../../sip/transport/flow.ts';
import type { TrunkRegistrationState, TrunkStatus } from '../../core/trunk-status.ts';

export interface RegistrationConfig {
  trunkId: number;
  name: string;
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
  /** Locate the registrar by RFC 3263 NAPTR/SRV instead of host:port. */
  dnsSrv?: boolean;
  username: string;
  authId: string;
  password: string;
  /** Expires we ask for (the trunk's registerExpires). */
  expires: number;
}

export interface RegistrationTiming {
  /** First retry after a failure; doubled after each further failure. */
  retryMinMs: number;
  retryMaxMs: number;
  /** Longest wait for the answer to an unregister: stopping must not hang on a dead provider. */
  unregisterTimeoutMs: number;
}

export const DEFAULT_TIMING: RegistrationTiming = { retryMinMs: 30_000, retryMaxMs: 30 * 60_000, unregisterTimeoutMs: 2_000 };

export interface RegistrationDeps {
  stack: SipStack;
  /** Host we put in Via and Contact (the advertised address). */
  host: string;
  timing: RegistrationTiming;
  onStatus(status: TrunkStatus): void;
}

/** The outcome of one exchange: a final response, or what stood for one (§8.1.3.1). */
interface Outcome {
  status: number;
  reason: string;
  response?: SipResponse;
}

export class TrunkRegistration {
  // §10.2: "all registrations from a UAC SHOULD use the same Call-ID header
  // field value for registrations sent to a particular registrar", and the CSeq
  // "MUST be incremented by one" for each new REGISTER with that Call-ID.
  private readonly callId = generateCallId();
  private readonly fromTag = generateTag();
  private cseq = 0;
  private readonly digest: DigestClient;
  /** The last challenge, answered again (nc+1) on every request: §22.3 credential caching. */
  private challenge: { header: 'Authorization' | 'Proxy-Authorization'; values: string[] } | undefined;
  private expires: number;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private inflight: Promise<void> | undefined;
  private stopped = false;
  private stopDone = false;
  private bound = false;
  private current: TrunkStatus;

  constructor(
    readonly config: RegistrationConfig,
    private readonly deps: RegistrationDeps,
  ) {
    this.expires = config.expires;
    this.digest = new DigestClient({ username: config.authId || config.username, password: config.password });
    this.current = { trunkId: config.trunkId, name: config.name, state: 'registering', code: null, reason: '', expiresAt: null, nextAttemptAt: null };
  }

  get status(): TrunkStatus {
    return { ...this.current };
  }

  start(): void {
    this.deps.onStatus(this.status);
    this.schedule(0);
  }

  /** Renames without a new registration (only the name changed). */
  rename(name: string): void {
    this.current = { ...this.current, name };
  }

  /** Stops refreshing and removes the binding if we have one (§10.2.2: Expires 0). Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    const wait = (p: Promise<unknown>) => Promise.race([p, new Promise((r) => setTimeout(r, this.deps.timing.unregisterTimeoutMs).unref())]);
    if (this.inflight) await wait(this.inflight);
    if (!this.bound) {
      this.stopDone = true;
      this.update('notRegistering', this.current.code, this.current.reason, null, null);
      return;
    }
    this.bound = false;
    const out = (await wait(this.exchange(0))) as Outcome | undefined;
    this.stopDone = true;
    this.update('unregistered', out?.status ?? null, out?.reason ?? 'no answer to the unregister', null, null);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inflight = this.register().finally(() => (this.inflight = undefined));
    }, delayMs);
    this.timer.unref();
  }

  private async register(): Promise<void> {
    if (!this.deps.stack.transport(this.config.transport)) {
      // TLS without a certificate configured: retrying would not help.
      this.update('failed', null, 'SIP over TLS is not configured (SWITCHBOARD_SIP_TLS_CERT/KEY)', null, null);
      return;
    }
    const out = await this.exchange(this.expires);
    if (this.stopped) {
      // A stop() arrived while this was under way: it removes the binding if one
      // was made, or, when it gave up waiting for this answer, we do.
      const ok = out.status >= 200 && out.status < 300;
      if (ok && this.stopDone) void this.exchange(0);
      else this.bound = ok;
      return;
    }
    if (out.status >= 200 && out.status < 300 && out.response) {
      this.failures = 0;
      this.bound = true;
      const granted = this.granted(out.response);
      // Refresh at half the granted time: early enough to survive a lost
      // request and its retransmissions (Timer F is 32 s), late enough not to chatter.
      const refreshMs = Math.max(1000, (granted * 1000) / 2);
      const now = Date.now();
      this.update('registered', out.status, out.reason, new Date(now + granted * 1000).toISOString(), new Date(now + refreshMs).toISOString());
      this.schedule(refreshMs);
      return;
    }
    this.bound = false;
    const backoff = Math.min(this.deps.timing.retryMinMs * 2 ** this.failures, this.deps.timing.retryMaxMs);
    this.failures++;
    // §20.33: Retry-After on a 503 (or 404, 413, 480, 486, 500, 600, 603) says when to come back.
    const retryAfter = out.response?.getHeader('retry-after');
    const afterMs = retryAfter !== undefined && /^\d+/.test(retryAfter.trim()) ? Number.parseInt(retryAfter.trim(), 10) * 1000 : undefined;
    const delay = afterMs !== undefined ? Math.min(Math.max(afterMs, 1000), this.deps.timing.retryMaxMs) : backoff;
    this.update('failed', out.status, out.reason, null, new Date(Date.now() + delay).toISOString());
    this.schedule(delay);
  }

  /**
   * §10.2.4: the registrar's 200 lists the bindings with the expiry it granted
   * (a Contact `expires` parameter, else the Expires header). Ours is the Contact
   * with our host and port; without one we trust what we asked for.
   */
  private granted(res: SipResponse): number {
    const port = this.localPort();
    for (const c of res.contacts) {
      if (c.uri.kind !== 'sip' || c.uri.host.toLowerCase() !== this.deps.host.toLowerCase() || (c.uri.port ?? 5060) !== port) continue;
      const e = Number(c.getParam('expires'));
      if (Number.isInteger(e) && e > 0) return e;
    }
    const header = res.expires;
    return header !== undefined && header > 0 ? header : this.expires;
  }

  /**
   * One REGISTER and what follows from its answer: a 401/407 is answered with
   * credentials (§22.2) — once per fresh challenge, so a wrong password ends in
   * the second 401 (or the 403) instead of a loop; a 423 is answered with the
   * registrar's Min-Expires (§10.2.8).
   */
  /** Which of the located servers is used (RFC 3263 §4.3 failover moves it on). */
  private server = 0;

  private async exchange(expires: number): Promise<Outcome> {
    let answeredFresh = false;
    let raised = false;
    let tried = 1;
    for (;;) {
      let flow: Flow;
      let servers: number;
      try {
        ({ flow, servers } = await this.flow());
      } catch (err) {
        return { status: 503, reason: `cannot resolve ${this.config.host}: ${err instanceof Error ? err.message : String(err)}` };
      }
      const res = await this.send(this.build(expires, flow), flow);
      // RFC 3263 §4.3: no answer, no connection or a 503 — the next server, once each.
      if ((!(res instanceof Object) || res.status === 503) && tried < servers) {
        tried++;
        this.server++;
        this.challenge = undefined;
        answeredFresh = false;
        continue;
      }
      if (!(res instanceof Object)) return res === 'timeout' ? { status: 408, reason: 'Request Timeout' } : { status: 503, reason: 'Service Unavailable (transport error)' };
      const outcome: Outcome = { status: res.status, reason: res.reason, response: res };
      if (res.status === 401 || res.status === 407) {
        const header = res.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
        const values = res.getHeaders(header);
        const stale = values.some((v) => {
          const p = parseDigestChallenges(v);
          return p.ok && p.value.some((c) => c.stale);
        });
        // RFC 7616 §3.3: stale=true means "right password, old nonce": answering again is expected.
        if ((answeredFresh && !stale) || values.length === 0) return outcome;
        this.challenge = { header: res.status === 401 ? 'Authorization' : 'Proxy-Authorization', values };
        answeredFresh = true;
        continue;
      }
      if (res.status === 423 && expires > 0 && !raised) {
        const min = Number(res.getHeader('min-expires'));
        if (!Number.isInteger(min) || min <= expires) return outcome;
        raised = true;
        expires = min;
        this.expires = min;
        continue;
      }
      return outcome;
    }
  }

  private build(expires: number, flow: Flow): SipRequest {
    const c = this.config;
    const user = c.username || c.authId;
    const param = flow.protocol === 'udp' ? '' : `;transport=${flow.protocol}`;
    // Located by SRV, the Request-URI is the provider's domain alone (RFC 3263 §4).
    const registrar = `sip:${c.host}${c.port === 5060 || c.dnsSrv === true ? '' : `:${String(c.port)}`}${param}`;
    const aor = `<sip:${user}@${c.host}>`;
    const port = this.localPort();
    const headers: [string, string][] = [
      ['Via', `SIP/2.0/${flow.protocol.toUpperCase()} ${this.deps.host}:${String(port)};branch=${generateBranch()};rport`],
      ['Max-Forwards', '70'],
      ['From', `${aor};tag=${this.fromTag}`],
      ['To', aor],
      ['Call-ID', this.callId],
      ['CSeq', `${String(++this.cseq)} REGISTER`],
      ['Contact', `<sip:${user}@${this.deps.host}:${String(port)}${param}>`],
      ['Expires', String(expires)],
      ['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY'],
      ['User-Agent', 'Switchboard'],
    ];
    if (this.challenge) {
      const value = this.digest.authorize({ method: 'REGISTER', uri: registrar, challengeHeaderValue: this.challenge.values });
      if (value !== undefined) headers.push([this.challenge.header, value]);
    }
    return new SipRequest({ method: 'REGISTER', uri: registrar, headers });
  }

  private localPort(): number {
    return this.deps.stack.transport(this.config.transport)?.port ?? this.deps.stack.udp.port;
  }

  /**
   * The registrar's address: the host's A record and the configured port,
   * or with dnsSrv its servers by RFC 3263 (NAPTR, SRV). The one that last
   * answered is kept (`server`); the next is taken when it fails.
   */
  private async flow(): Promise<{ flow: Flow; servers: number }> {
    const t = this.deps.stack.transport(this.config.transport);
    if (!t) throw new Error('SIP over TLS is not configured');
    const servers = await this.deps.stack.locator.locate(this.config.host, this.config.transport, this.config.dnsSrv === true ? undefined : this.config.port);
    if (servers.length === 0) throw new Error('no address found');
    const s = servers[this.server % servers.length]!;
    return { flow: t.flowTo(s.address, s.port, isIP(s.name) === 0 ? s.name : undefined), servers: servers.length };
  }

  private send(request: SipRequest, flow: Flow): Promise<SipResponse | 'timeout' | 'transport'> {
    return new Promise((resolve) => {
      try {
        this.deps.stack.transactions.createClientTransaction(request, flow, {
          onResponse: (res) => {
            if (res.status >= 200) resolve(res);
          },
          onTimeout: () => resolve('timeout'),
          onTransportError: () => resolve('transport'),
        });
      } catch {
        // The stack is closing.
        resolve('transport');
      }
    });
  }

  private update(state: TrunkRegistrationState, code: number | null, reason: string, expiresAt: string | null, nextAttemptAt: string | null): void {
    const before = this.current;
    this.current = { ...before, state, code, reason, expiresAt, nextAttemptAt };
    // Refreshes that change nothing but the times are not news.
    if (before.state !== state || before.code !== code) this.deps.onStatus(this.status);
  }
}
