// Seed 000 queue.update / queue.new / queue.del (admin keys).
import { Type } from 'typebox';
import type { Record_ } from '../../core/pbx-control.ts';
import { DESTINATION_TYPES, type Destination } from '../../core/directory/common.ts';
import { QueueSchemas, POLLING_STRATEGIES } from '../../core/directory/queue.ts';
import type { CommandTable, Params } from './commands.ts';
import { params, Num, ZeroOne } from './schemas.ts';
import { checked, translate, bit, type FieldMap } from './entity-input.ts';

// pollingstrategy is 3CX's PollingStrategyType by number, in the order of POLLING_STRATEGIES.
const FIELDS: FieldMap = {
  name: ['name'],
  announcementinterval: ['announcementInterval', Number],
  announcequeueposition: ['announcePosition', bit],
  enableintro: ['introEnabled', bit],
  introfile: ['introFile'],
  mastertimeout: ['masterTimeout', Number],
  pollingstrategy: ['pollingStrategy', (v) => POLLING_STRATEGIES[Number(v)]],
  ringtimeout: ['ringTimeout', Number],
  noanswerdest: ['noAnswer'],
};

const queueParams = {
  announcementinterval: Type.Optional(Type.Integer({ minimum: 0 })),
  announcequeueposition: Type.Optional(ZeroOne),
  enableintro: Type.Optional(ZeroOne),
  introfile: Type.Optional(Type.String({ maxLength: 200 })),
  mastertimeout: Type.Optional(Type.Integer({ minimum: 0 })),
  name: Type.Optional(Type.String({ maxLength: 100 })),
  pollingstrategy: Type.Optional(Type.Integer({ minimum: 0, maximum: POLLING_STRATEGIES.length - 1 })),
  ringtimeout: Type.Optional(Type.Integer({ minimum: 0 })),
  noanswerdest: Type.Optional(Type.Enum(DESTINATION_TYPES)),
  noanswerextension: Type.Optional(Type.String({ maxLength: 33 })),
  noanswerexternal: Type.Optional(Type.String({ maxLength: 33 })),
};

function queueInput(p: Params, old: Record_ | undefined): Record_ {
  const { noanswerdest: _d, ...rest } = p;
  const out = translate(rest, FIELDS);
  if (p.noanswerdest !== undefined || p.noanswerextension !== undefined || p.noanswerexternal !== undefined) {
    const prev = (old?.noAnswer as Destination | undefined) ?? { type: 'none', number: '' };
    const type = (p.noanswerdest ?? prev.type) as Destination['type'];
    const number = type === 'none' || type === 'hangup' ? '' : type === 'external' ? String(p.noanswerexternal ?? (prev.type === 'external' ? prev.number : '')) : String(p.noanswerextension ?? (prev.type !== 'external' ? prev.number : ''));
    out.noAnswer = { type, number };
  }
  return out;
}

export const queueCommands: CommandTable = {
  'queue.update': {
    role: 'admin',
    params: params({ num: Num, ...queueParams }),
    run: async (c, p) => {
      const old = await c.directory.queues.get(String(p.num));
      await c.directory.queues.patch(String(p.num), checked(QueueSchemas.patch, queueInput(p, old), FIELDS));
      return true;
    },
  },
  'queue.new': {
    role: 'admin',
    params: params({ num: Num, ...queueParams }),
    run: async (c, p) => {
      const { num, ...rest } = p;
      await c.directory.queues.create(checked(QueueSchemas.create, { number: String(num), ...queueInput(rest, undefined) }, FIELDS));
      return true;
    },
  },
  'queue.del': {
    role: 'admin',
    params: params({ num: Num }),
    run: async (c, p) => {
      await c.directory.queues.remove(String(p.num));
      return true;
    },
  },
};
