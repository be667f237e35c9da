// The registrar (RFC 3261 §10.3): authenticates REGISTER with digest, then
// adds, refreshes or removes the contacts of the extension it is for.
import { createResponse, generateTag, type SipRequest, type SipResponse, type NameAddr, stringifyUri } from '../message/index.ts';
import { DigestServer, type ServerDigestAlgorithm } from '../auth/digest-server.ts';
import type { Flow } from '../transport/flow.ts';
import type { LocationService, Binding } from './location-service.ts';
import type { AuthFailureGuard } from '../security/auth-failure-guard.ts';

export interface RegistrarOptions {
  realm: string;
  nonceSecret: string;
  minExpires?: number;
  maxExpires?: number;
  defaultExpires?: number;
  /** Contacts per extension; the oldest is dropped beyond it. */
  maxBindings?: number;
  /**
   * User agents that must be challenged with MD5 alone: baresip 1.0.0 fails on
   * any SHA-256 challenge and SIPp 3.6 answers only the top one with MD5
   * (measured). Everyone else gets SHA-256 first, then MD5 (RFC 8760 §2.3).
   */
  md5OnlyUserAgents?: RegExp;
  now?: () => number;
}

export interface Responder {
  respond(response: SipResponse): void;
}

const ALL_ALGORITHMS: ServerDigestAlgorithm[] = ['SHA-256', 'MD5'];

export class Registrar {
  readonly digest: DigestServer;
  private readonly minExpires: number;
  private readonly maxExpires: number;
  private readonly defaultExpires: number;
  private readonly maxBindings: number;
  private readonly md5Only: RegExp;
  private readonly now: () => number;

  constructor(
    private readonly locations: LocationService,
    private readonly guard: AuthFailureGuard,
    options: RegistrarOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.digest = new DigestServer({ realm: options.realm, secret: options.nonceSecret, nonceTtlMs: 5 * 60_000, algorithms: ALL_ALGORITHMS, now: this.now });
    this.minExpires = options.minExpires ?? 60;
    this.maxExpires = options.maxExpires ?? 3600;
    this.defaultExpires = options.defaultExpires ?? 3600;
    this.maxBindings = options.maxBindings ?? 10;
    this.md5Only = options.md5OnlyUserAgents ?? /baresip|sipp/i;
  }

  /** The digest algorithms to challenge this user agent with (see md5OnlyUserAgents). */
  challengeAlgorithms(userAgent: string): ServerDigestAlgorithm[] {
    return this.md5Only.test(userAgent) ? ['MD5'] : ALL_ALGORITHMS;
  }

  async handle(request: SipRequest, flow: Flow, tx: Responder): Promise<void> {
    const reply = (status: number, reason?: string, headers: [string, string][] = []) => {
      const res = createResponse(request, status, reason, status >= 200 ? generateTag() : undefined);
      for (const [n, v] of headers) res.addHeader(n, v);
      tx.respond(res);
      return res;
    };
    const userAgent = request.getHeader('user-agent') ?? '';
    const challengeAlgorithms = this.challengeAlgorithms(userAgent);

    // §10.3 step 4 and §22: authenticate. Unknown users and wrong passwords get
    // the same challenge (the digest server takes the same path for both).
    let extensionOfUser: string | undefined;
    const result = await this.digest.verify({
      method: 'REGISTER',
      authorizationHeaderValue: request.getHeaders('authorization'),
      challengeAlgorithms,
      lookupPassword: async (user) => {
        const c = await this.locations.credentials(user);
        if (!c || !c.enabled) return undefined;
        extensionOfUser = c.extension;
        return c.password;
      },
    });
    if (!result.ok) {
      if (result.reason !== 'missing' && result.reason !== 'stale') this.guard.failure(flow.remoteAddress);
      reply(401, 'Unauthorized', result.challenges.map((c) => [c.header, c.value]));
      return;
    }
    this.guard.success(flow.remoteAddress);

    // §10.3 step 5: the authenticated user may change only its own bindings.
    const to = request.to;
    const aorUser = to?.uri.scheme === 'sip' || to?.uri.scheme === 'sips' ? (to.uri as { user?: string }).user : undefined;
    if (aorUser === undefined || extensionOfUser === undefined) {
      reply(404, 'Not Found');
      return;
    }
    if (aorUser !== extensionOfUser && aorUser !== result.username) {
      reply(403, 'Forbidden');
      return;
    }
    const extension = extensionOfUser;

    const callId = request.callId ?? '';
    const cseq = request.cseq?.seq ?? 0;
    const headerExpires = request.expires;
    const now = this.now();

    // §10.3 step 6: "*" removes every binding, only with Expires: 0 and alone.
    if (request.isContactWildcard) {
      if (headerExpires !== 0 || request.contacts.length > 0) {
        reply(400, 'Bad Request (Contact * needs Expires: 0)');
        return;
      }
      for (const b of this.locations.bindings(extension)) await this.locations.remove(extension, b.contact, 'removed');
      this.ok(reply, extension, request);
      return;
    }

    const updates: { contact: NameAddr; expires: number }[] = [];
    for (const contact of request.contacts) {
      const param = contact.params.get('expires');
      let expires = param !== undefined && param !== null && /^\d+$/.test(param) ? Number(param) : (headerExpires ?? this.defaultExpires);
      // §10.3 step 7: too brief an interval is refused with 423 and Min-Expires.
      if (expires > 0 && expires < this.minExpires) {
        reply(423, 'Interval Too Brief', [['Min-Expires', String(this.minExpires)]]);
        return;
      }
      expires = Math.min(expires, this.maxExpires);
      updates.push({ contact, expires });
    }

    // RFC 3327 §5.3: "the registrar MUST store the Path header field values along
    // with the binding". Stored whether or not the UA listed `path` in Supported:
    // the proxy that added it (our Kamailio front) needs it either way; the 200 OK
    // echoes it only to a UA that said it supports Path (see ok()).
    const path = request.paths.map((p) => p.toString());
    const existing = this.locations.bindings(extension);
    for (const { contact, expires } of updates) {
      const uri = stringifyUri(contact.uri);
      const current = existing.find((b) => b.contact === uri);
      // §10.3 step 7: same Call-ID with a CSeq not higher → out of order, abort.
      if (current && current.callId === callId && cseq <= current.cseq) {
        reply(500, 'Server Internal Error (out of order REGISTER)', [['Retry-After', '1']]);
        return;
      }
      if (expires === 0) {
        if (current) await this.locations.remove(extension, uri, 'removed');
        continue;
      }
      const binding: Binding = {
        extension,
        contact: uri,
        contactHeader: contact.toString(),
        expiresAt: now + expires * 1000,
        callId,
        cseq,
        userAgent: userAgent.slice(0, 200),
        flow: { ...flow },
        instanceId: (contact.params.get('+sip.instance') ?? '').replace(/^"<?|>?"$/g, ''),
        reachable: true,
        registeredAt: current?.registeredAt ?? now,
        path,
      };
      await this.locations.save(binding);
    }
    // Keep at most maxBindings, dropping those that will expire first.
    const after = this.locations.bindings(extension).sort((a, b) => b.expiresAt - a.expiresAt);
    for (const b of after.slice(this.maxBindings)) await this.locations.remove(extension, b.contact, 'removed');
    this.ok(reply, extension, request);
  }

  /** §10.3 step 8: the 200 OK lists every current binding with its remaining time. */
  private ok(reply: (status: number, reason?: string, headers?: [string, string][]) => SipResponse, extension: string, request: SipRequest): void {
    const now = this.now();
    const contacts = this.locations
      .bindings(extension)
      .map((b) => `<${b.contact}>;expires=${String(Math.max(0, Math.round((b.expiresAt - now) / 1000)))}`);
    const headers: [string, string][] = contacts.map((c) => ['Contact', c]);
    headers.push(['Date', new Date(now).toUTCString()]);
    // RFC 3327 §5.3: the Path values are copied into the 200 OK when the REGISTER
    // said `Supported: path`, so the UA learns the route its requests come by.
    const supported = request.getHeaders('supported').flatMap((v) => v.split(',')).map((t) => t.trim().toLowerCase());
    if (supported.includes('path')) for (const p of request.paths) headers.push(['Path', p.toString()]);
    reply(200, 'OK', headers);
  }

  /** Removes bindings whose time is up; the caller runs it periodically. */
  async expire(): Promise<number> {
    const now = this.now();
    let n = 0;
    for (const b of this.locations.all()) {
      if (b.expiresAt <= now) {
        await this.locations.remove(b.extension, b.contact, 'expired');
        n++;
      }
    }
    return n;
  }
}
