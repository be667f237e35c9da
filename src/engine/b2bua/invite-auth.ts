// Who is calling: a phone's INVITE is challenged with 407 and its
// Proxy-Authorization checked against the extension's SIP password
// (RFC 3261 §22.3; SHA-256 digest per RFC 8760). Failures count toward the
// source address's lock-out (AuthFailureGuard); a missing or stale
// credential is only the first round of the handshake, not a failure.
import { createResponse, type SipRequest } from '../../sip/message/index.ts';
import type { ServerTransaction } from '../../sip/transaction/index.ts';
import type { Registrar } from '../../sip/registrar/registrar.ts';
import type { AuthFailureGuard } from '../../sip/security/auth-failure-guard.ts';
import type { LocationService } from '../../sip/registrar/location-service.ts';

export interface InviteAuthDeps {
  registrar: Registrar;
  locations: LocationService;
  guard: AuthFailureGuard;
}

/** The caller's extension, or undefined once a 407 has been sent. */
export async function authenticateInvite(d: InviteAuthDeps, request: SipRequest, tx: ServerTransaction): Promise<string | undefined> {
  const ua = request.getHeader('user-agent') ?? '';
  let extension: string | undefined;
  const result = await d.registrar.digest.verify({
    method: 'INVITE',
    authorizationHeaderValue: request.getHeaders('proxy-authorization'),
    proxy: true,
    challengeAlgorithms: d.registrar.challengeAlgorithms(ua),
    lookupPassword: async (user) => {
      const c = await d.locations.credentials(user);
      if (!c || !c.enabled) return undefined;
      extension = c.extension;
      return c.password;
    },
  });
  if (!result.ok) {
    if (result.reason !== 'missing' && result.reason !== 'stale') d.guard.failure(tx.flow.remoteAddress);
    const res = createResponse(request, 407, 'Proxy Authentication Required', 'auth');
    for (const c of result.challenges) res.addHeader(c.header, c.value);
    tx.respond(res);
    return undefined;
  }
  d.guard.success(tx.flow.remoteAddress);
  return extension;
}
