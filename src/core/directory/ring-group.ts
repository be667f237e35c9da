// Ring groups: several extensions rung in order (hunt) or at once.
import { Type, type Static } from 'typebox';
import { DialNumber, Text, Destination, Seconds, Stamp, entitySchemas } from './common.ts';

export const RING_STRATEGIES = ['hunt', 'ringAll', 'paging'] as const;

export const RingGroupSchemas = entitySchemas({
  key: { number: DialNumber },
  fields: {
    name: Text(100),
    strategy: Type.Enum(RING_STRATEGIES, { description: 'hunt: prioritized, one at a time in member order; ringAll; paging: auto-answer intercom' }),
    ringTime: Seconds(600, 'Seconds each member (hunt) or all members (ringAll) ring'),
    noAnswer: Destination,
    members: Type.Array(DialNumber, { maxItems: 1000, uniqueItems: true }),
  },
  readOnly: { createdAt: Stamp, updatedAt: Stamp },
});
export type RingGroup = Static<typeof RingGroupSchemas.read>;
