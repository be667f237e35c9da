// Outbound rules (seed 000 outboundrule.*): the first rule by priority whose
// prefix, number length and caller (extension ranges or groups) match sends
// the call out through its routes, up to five trunks tried in order, each
// with its own digit manipulation and caller ID.
import type { OutboundRule } from '../../core/directory/outbound-rule.ts';

export interface OutboundAttempt {
  trunkId: number;
  /** The number as the trunk is to receive it. */
  number: string;
  /** Caller ID the route sets; empty = the extension's or trunk's. */
  callerId: string;
}

function callerMatches(rule: OutboundRule, caller: string | undefined, callerGroups: string[]): boolean {
  if (rule.extRanges.length === 0 && rule.extGroups.length === 0) return true;
  if (caller === undefined) return false;
  const inRange = rule.extRanges.some((r) => {
    const [lo, hi = lo] = r.split('-');
    return caller.length === lo!.length && caller >= lo! && caller <= hi!;
  });
  return inRange || rule.extGroups.some((g) => callerGroups.includes(g));
}

/** The rule for `number` dialled by extension `caller` (undefined: the PBX itself, e.g. a forwarding), if any. */
export function matchOutboundRule(rules: OutboundRule[], number: string, caller: string | undefined, callerGroups: string[]): OutboundRule | undefined {
  const sorted = [...rules].sort((a, b) => a.priority - b.priority);
  return sorted.find((r) => {
    if (r.routes.length === 0 || !number.startsWith(r.prefix)) return false;
    if (r.numberLength !== '' && !r.numberLength.split(',').map(Number).includes(number.length)) return false;
    return callerMatches(r, caller, callerGroups);
  });
}

/** The routes of a rule applied to the number: strip digits, then prepend. */
export function attempts(rule: OutboundRule, number: string): OutboundAttempt[] {
  return rule.routes.map((r) => ({ trunkId: r.trunkId, number: r.prepend + number.slice(r.strip), callerId: r.callerId }));
}
