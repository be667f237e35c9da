// Which inbound (DID) rule takes a call from a trunk: one for this trunk
// before one for any trunk, an exact DID before an empty one (any number).
import type { InboundRule } from '../../core/directory/inbound-rule.ts';

const digits = (n: string): string => n.replace(/^\+/, '');

export function findInboundRule(rules: InboundRule[], trunkId: number, did: string): InboundRule | undefined {
  const score = (r: InboundRule): number => {
    if (r.trunkId !== null && r.trunkId !== trunkId) return -1;
    if (r.did !== '' && digits(r.did) !== digits(did)) return -1;
    return (r.trunkId === trunkId ? 2 : 0) + (r.did !== '' ? 1 : 0);
  };
  let best: InboundRule | undefined;
  let bestScore = -1;
  for (const r of rules) {
    const s = score(r);
    if (s > bestScore) {
      best = r;
      bestScore = s;
    }
  }
  return best;
}
