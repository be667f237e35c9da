// ACD queues with the polling strategies 3CX offers.
import { Type, type Static } from 'typebox';
import { DialNumber, Text, Destination, Seconds, Stamp, entitySchemas } from './common.ts';

export const POLLING_STRATEGIES = [
  'hunt',
  'ringAll',
  'huntRandomStart',
  'nextAgent',
  'longestWaiting',
  'leastTalkTime',
  'fewestAnswered',
  'huntBy3s',
  'first3Available',
] as const;

export const QueueAgent = Type.Object({ extension: DialNumber, loggedIn: Type.Boolean() }, { additionalProperties: false });

export const QueueSchemas = entitySchemas({
  key: { number: DialNumber },
  fields: {
    name: Text(100),
    pollingStrategy: Type.Enum(POLLING_STRATEGIES),
    ringTimeout: Seconds(600, 'Seconds an agent rings before the next is tried'),
    masterTimeout: Seconds(86400, 'Seconds a caller waits before going to the no-answer destination'),
    wrapUpTime: Seconds(3600, 'Seconds an agent rests after a call'),
    serviceLevelSeconds: Seconds(3600, 'Service-level target: a caller answered within this many seconds of joining the queue was served in time'),
    maxCallers: Type.Integer({ minimum: 0, maximum: 10000, description: '0 = unlimited' }),
    announcementInterval: Seconds(3600, 'Seconds between announcements; 0 = none'),
    announcePosition: Type.Boolean(),
    introEnabled: Type.Boolean(),
    introFile: Text(200),
    musicOnHold: Text(200),
    noAnswer: Destination,
    agents: Type.Array(QueueAgent, { maxItems: 1000 }),
    managers: Type.Array(DialNumber, { maxItems: 1000, uniqueItems: true }),
  },
  readOnly: { createdAt: Stamp, updatedAt: Stamp },
});
export type Queue = Static<typeof QueueSchemas.read>;
