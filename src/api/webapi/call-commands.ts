// Seed 000 live calls and call control: pbx.calls.get, pbx.ac.get,
// pbx.callsinfo.get (read); makecall, drop, transfer, join, bargein (control).
// A device is chosen the seed's way: the first whose contact contains `contact`.
import { Type } from 'typebox';
import type { PbxControl } from '../../core/pbx-control.ts';
import type { CallInfo, Participant } from '../../core/calls.ts';
import { PbxError } from '../../core/errors.ts';
import type { CommandTable } from './commands.ts';
import { params, NoParams, Num, ContactPart, Dialled, NumberEnd } from './schemas.ts';
import { renderActiveCall, renderCallInfo } from './render.ts';

const live = (p: Participant): boolean => p.status !== 'Ended';
const active = (p: Participant): boolean => p.status === 'Connected' || p.status === 'Held';

/** The number must exist in the dial plan; tells whether it is a user (extension). */
async function isUser(control: PbxControl, num: string): Promise<boolean> {
  const d = control.directory;
  for (const [coll, user] of [[d.extensions, true], [d.ringGroups, false], [d.queues, false], [d.ivrs, false], [d.routePoints, false]] as const) {
    try {
      await coll.get(num);
      return user;
    } catch (err) {
      if (!(err instanceof PbxError && err.code === 'SB_NOT_FOUND')) throw err;
    }
  }
  throw new PbxError('SB_NOT_FOUND', `${num} is not an extension, ring group, queue, IVR or route point`);
}

/** The live legs of `num`, on the devices whose contact contains `contact` (all of them without it). */
function legsOf(calls: CallInfo[], num: string, contact: string | undefined): { call: CallInfo; leg: Participant }[] {
  const out: { call: CallInfo; leg: Participant }[] = [];
  for (const call of calls) {
    for (const leg of call.participants) {
      if (leg.dn === num && live(leg) && (contact === undefined || leg.device.includes(contact))) out.push({ call, leg });
    }
  }
  return out;
}

const partnerOf = (call: CallInfo, leg: Participant): Participant | undefined => call.participants.find((p) => p !== leg && live(p));

export const callCommands: CommandTable = {
  'pbx.calls.get': {
    role: 'read',
    params: NoParams,
    run: async (c) => ({ count: c.calls.list().length }),
  },
  'pbx.ac.get': {
    role: 'read',
    params: NoParams,
    run: async (c) => {
      const calls = c.calls.list();
      return { count: calls.length, AConnByCallID: calls.map(renderActiveCall) };
    },
  },
  'pbx.callsinfo.get': {
    role: 'read',
    params: NoParams,
    run: async (c) => {
      const calls = c.calls.list();
      return { count: calls.length, callsInfo: calls.map(renderCallInfo) };
    },
  },
  makecall: {
    role: 'control',
    params: params({ first: Num, second: Dialled, contact: Type.Optional(ContactPart) }),
    run: async (c, p) => {
      if (!(await isUser(c, String(p.first)))) throw new PbxError('SB_UNPROCESSABLE', `first (${String(p.first)}) must be a user's extension`);
      await c.calls.make(String(p.first), String(p.second), p.contact !== undefined ? { device: String(p.contact) } : {});
      return true;
    },
  },
  drop: {
    role: 'control',
    params: params({ num: Num, contact: Type.Optional(ContactPart), external: Type.Optional(NumberEnd) }),
    run: async (c, p) => {
      const num = String(p.num);
      const user = await isUser(c, num);
      const calls = c.calls.list();
      if (user) {
        const legs = legsOf(calls, num, p.contact === undefined ? undefined : String(p.contact));
        for (const { call, leg } of legs) c.calls.drop(call.id, leg.id);
        return legs.length > 0;
      }
      // A non-user number (queue, ring group, IVR): drop the calls through it whose other side ends with `external`.
      const ending = p.external === undefined ? '' : String(p.external);
      let dropped = 0;
      for (const call of calls) {
        const own = call.participants.filter((x) => live(x) && x.dn === num);
        const far = call.participants.find((x) => live(x) && x.dn !== num && (x.partyNumber.endsWith(ending) || x.dn.endsWith(ending)));
        if (own.length === 0 || !far) continue;
        for (const leg of own) c.calls.drop(call.id, leg.id);
        dropped++;
      }
      return dropped > 0;
    },
  },
  transfer: {
    role: 'control',
    params: params({ num: Num, contact: Type.Optional(ContactPart), dest: Dialled }),
    run: async (c, p) => {
      const num = String(p.num);
      if (!(await isUser(c, num))) throw new PbxError('SB_UNPROCESSABLE', `num (${num}) must be a user's extension`);
      const found = legsOf(c.calls.list(), num, p.contact === undefined ? undefined : String(p.contact)).find(({ leg }) => active(leg));
      const partner = found ? partnerOf(found.call, found.leg) : undefined;
      if (!found || !partner) return false;
      // num leaves; the party it talks to goes on to dest.
      await c.calls.blindTransfer(found.call.id, partner.id, String(p.dest));
      return true;
    },
  },
  join: {
    role: 'control',
    params: params({ num: Num }),
    run: async (c, p) => {
      const num = String(p.num);
      if (!(await isUser(c, num))) throw new PbxError('SB_UNPROCESSABLE', `num (${num}) must be a user's extension`);
      // "If their number is not 2, the command is not executed."
      const connected = legsOf(c.calls.list(), num, undefined).filter(({ call, leg }) => active(leg) && partnerOf(call, leg));
      if (connected.length !== 2) return false;
      await c.calls.join(num);
      return true;
    },
  },
  bargein: {
    role: 'control',
    params: params({ internal: Num, external: NumberEnd, num: Num, contact: Type.Optional(ContactPart) }),
    run: async (c, p) => {
      const num = String(p.num);
      if (!(await isUser(c, num))) throw new PbxError('SB_UNPROCESSABLE', `num (${num}) must be a user's extension`);
      const internal = String(p.internal);
      const ending = String(p.external);
      // The call whose internal leg is `internal` and whose other leg's number ends with `external`.
      const call = c.calls.list().find((x) => {
        const own = x.participants.find((q) => active(q) && q.dn === internal);
        return own !== undefined && x.participants.some((q) => q !== own && active(q) && (q.partyNumber.endsWith(ending) || q.dn.endsWith(ending)));
      });
      if (!call) return false;
      await c.calls.bargeIn(num, call.id, p.contact !== undefined ? { device: String(p.contact) } : {});
      return true;
    },
  },
};
