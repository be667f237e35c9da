// Seed 000 status setters (control keys): forwarding profile, global and
// per-queue log-in, extension options.
import { Type } from 'typebox';
import { PbxError } from '../../core/errors.ts';
import { FORWARDING_PROFILES, ExtensionPatch } from '../../core/directory/extension.ts';
import type { CommandTable } from './commands.ts';
import { params, Num, OnOff } from './schemas.ts';
import { checked, translate, onOff, type FieldMap } from './entity-input.ts';

const OPTIONS: FieldMap = { enabled: ['enabled', onOff], external: ['allowExternal', onOff], recording: ['recording'] };

export const statusCommands: CommandTable = {
  'ext.fwd.set': {
    role: 'control',
    params: params({ num: Num, status: Type.String({ minLength: 1, maxLength: 50 }), message: Type.Optional(Type.String({ maxLength: 200 })) }),
    run: async (c, p) => {
      // 3CX takes the profile's English name; we accept it in any letter case.
      const profile = FORWARDING_PROFILES.find((f) => f.toLowerCase() === String(p.status).toLowerCase());
      await c.directory.extensions.get(String(p.num));
      if (!profile) throw new PbxError('SB_VALIDATION', `status must be one of ${FORWARDING_PROFILES.join(', ')}`, [{ path: 'status', message: `unknown status "${String(p.status)}"` }]);
      await c.directory.extensions.patch(String(p.num), { forwardingProfile: profile, forwardingMessage: p.message === undefined ? '' : String(p.message) });
      return true;
    },
  },
  'ext.queueglobal.set': {
    role: 'control',
    params: params({ num: Num, log: OnOff }),
    // Switchboard's forwarding profiles never own the queue status, so the seed's false case does not arise.
    run: async (c, p) => {
      await c.queues.setGlobalLogin(String(p.num), p.log === 'on');
      return true;
    },
  },
  'ext.queue.set': {
    role: 'control',
    params: params({ num: Num, queue: Num, log: OnOff }),
    run: async (c, p) => {
      await c.queues.setLogin(String(p.queue), String(p.num), p.log === 'on');
      return true;
    },
  },
  'ext.options.set': {
    role: 'control',
    params: params({ num: Num, enabled: Type.Optional(OnOff), external: Type.Optional(OnOff), recording: Type.Optional(Type.Enum(['off', 'external', 'all'] as const)) }),
    run: async (c, p) => {
      const patch = checked(ExtensionPatch, translate(p, OPTIONS), OPTIONS);
      if (Object.keys(patch).length === 0) throw new PbxError('SB_VALIDATION', 'give at least one of enabled, external, recording');
      await c.directory.extensions.patch(String(p.num), patch);
      return true;
    },
  },
};
