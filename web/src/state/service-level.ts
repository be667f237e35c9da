// A queue's service level for the wallboard, from the ACD's counts of today.
import type { QueueStatus } from '../api/types.ts';

/**
 * Today's service level as the share of callers who reached an agent:
 * answered / (answered + abandoned + sent on after the timeout). The ACD does
 * not count answers within a target time yet, so this is the honest figure.
 */
export function serviceLevel(s: QueueStatus): number | undefined {
  const offered = s.answeredToday + s.abandonedToday + s.timedOutToday;
  return offered === 0 ? undefined : Math.round((s.answeredToday / offered) * 100);
}
