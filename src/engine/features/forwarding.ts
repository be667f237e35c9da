// Forwarding profiles (3CX statuses: Available, Away, Out of office, …): an
// extension's current profile picks which of its forwarding rules apply, and
// each rule names the condition that triggers it.
import type { Destination } from '../../core/directory/common.ts';
import type { ForwardingRule } from '../../core/directory/extension.ts';

export type ForwardingCondition = ForwardingRule['condition'];

/** Where a call to the extension goes on `condition`, if its current profile says so. */
export function forwardingFor(ext: { forwardingProfile: string; forwarding: ForwardingRule[] }, condition: ForwardingCondition): Destination | undefined {
  const rule = ext.forwarding.find((r) => r.profile === ext.forwardingProfile && r.condition === condition && r.destination.type !== 'none');
  return rule?.destination;
}
