// Seed 000 ext.update / ext.new / ext.del (admin keys): the original's
// parameter names translated to the directory's extension fields.
import { Type } from 'typebox';
import { ExtensionCreate, ExtensionPatch } from '../../core/directory/extension.ts';
import type { CommandTable } from './commands.ts';
import { params, Num, ZeroOne } from './schemas.ts';
import { checked, translate, bit, type FieldMap } from './entity-input.ts';

const RECORD_CALLS = ['off', 'external', 'all'] as const;

export const EXTENSION_FIELDS: FieldMap = {
  firstname: ['firstName'],
  lastname: ['lastName'],
  email: ['email'],
  mobile: ['mobile'],
  authid: ['authId'],
  authpass: ['authPassword'],
  callerid: ['outboundCallerId'],
  enabled: ['enabled', bit],
  deliveraudio: ['deliverAudio', bit],
  recordcalls: ['recording', (v) => RECORD_CALLS[Number(v)]],
  sipid: ['sipId'],
  reinvite: ['supportReinvite', bit],
  replaces: ['supportReplaces', bit],
  vmemail: ['vmEmail', Number],
  vmenabled: ['vmEnabled', bit],
  vmpin: ['vmPin'],
  vmplaycallerid: ['vmPlayCallerId', bit],
  vmplaydatetime: ['vmPlayDateTime', Number],
  // internal=1: only internal calls allowed.
  internal: ['allowExternal', (v) => !bit(v)],
  noanswertimeout: ['noAnswerTimeout', Number],
};

const Str = Type.String({ maxLength: 200 });
const Int = (max: number) => Type.Integer({ minimum: 0, maximum: max });
const extensionParams = {
  firstname: Type.Optional(Str),
  lastname: Type.Optional(Str),
  email: Type.Optional(Str),
  mobile: Type.Optional(Str),
  authid: Type.Optional(Str),
  authpass: Type.Optional(Str),
  callerid: Type.Optional(Str),
  enabled: Type.Optional(ZeroOne),
  deliveraudio: Type.Optional(ZeroOne),
  recordcalls: Type.Optional(Int(2)),
  sipid: Type.Optional(Str),
  reinvite: Type.Optional(ZeroOne),
  replaces: Type.Optional(ZeroOne),
  vmemail: Type.Optional(Int(3)),
  vmenabled: Type.Optional(ZeroOne),
  vmpin: Type.Optional(Str),
  vmplaycallerid: Type.Optional(ZeroOne),
  vmplaydatetime: Type.Optional(Int(2)),
  internal: Type.Optional(ZeroOne),
  noanswertimeout: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
};

export const extensionCommands: CommandTable = {
  'ext.update': {
    role: 'admin',
    params: params({ num: Num, ...extensionParams }),
    run: async (c, p) => {
      const patch = checked(ExtensionPatch, translate(p, EXTENSION_FIELDS), EXTENSION_FIELDS);
      await c.directory.extensions.patch(String(p.num), patch);
      return true;
    },
  },
  'ext.new': {
    role: 'admin',
    params: params({ num: Num, ...extensionParams }),
    run: async (c, p) => {
      const input = checked(ExtensionCreate, { number: String(p.num), ...translate(p, EXTENSION_FIELDS) }, EXTENSION_FIELDS);
      await c.directory.extensions.create(input);
      return true;
    },
  },
  'ext.del': {
    role: 'admin',
    params: params({ num: Num }),
    run: async (c, p) => {
      await c.directory.extensions.remove(String(p.num));
      return true;
    },
  },
};
