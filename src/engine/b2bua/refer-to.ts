// What a REFER asks for (RFC 3515 §2.1): the Refer-To target, and for an
// attended transfer the dialog it replaces, carried as a Replaces header in
// the Refer-To URI (RFC 3891 §3, RFC 5589 §7.2).
import { parseNameAddr } from '../../sip/message/index.ts';

export interface ReplacesDialog {
  callId: string;
  toTag: string;
  fromTag: string;
}

export type ReferTarget = { ok: true; user: string; replaces?: ReplacesDialog } | { ok: false; reason: string };

/** RFC 3891 §6.1: Replaces = callid *(SEMI replaces-param), with to-tag and from-tag required. */
export function parseReplaces(value: string): ReplacesDialog | undefined {
  const [callId, ...params] = value.split(';').map((s) => s.trim());
  if (!callId) return undefined;
  let toTag: string | undefined;
  let fromTag: string | undefined;
  for (const p of params) {
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).toLowerCase();
    const v = eq < 0 ? '' : p.slice(eq + 1);
    if (name === 'to-tag') toTag = v;
    else if (name === 'from-tag') fromTag = v;
  }
  return toTag && fromTag ? { callId, toTag, fromTag } : undefined;
}

export function parseReferTo(header: string | undefined): ReferTarget {
  if (!header) return { ok: false, reason: 'no Refer-To' };
  const target = parseNameAddr(header);
  if (!target || target.uri.kind !== 'sip' || !target.uri.user) return { ok: false, reason: 'Refer-To is not a SIP URI with a user part' };
  let replacesValue: string | undefined;
  for (const [name, value] of target.uri.headers) if (name.toLowerCase() === 'replaces') replacesValue = value;
  if (replacesValue === undefined) return { ok: true, user: target.uri.user };
  const replaces = parseReplaces(replacesValue);
  return replaces ? { ok: true, user: target.uri.user, replaces } : { ok: false, reason: 'Replaces lacks to-tag or from-tag' };
}
