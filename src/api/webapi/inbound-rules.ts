// Seed 000 inbound rules: inboundrule.get (read) and inboundrule.set (admin),
// named by the trunk (line) and the rule's name.
import { Type } from 'typebox';
import { PbxError } from '../../core/errors.ts';
import type { PbxControl, Record_ } from '../../core/pbx-control.ts';
import { DESTINATION_TYPES, type Destination } from '../../core/directory/common.ts';
import { InboundRuleSchemas } from '../../core/directory/inbound-rule.ts';
import type { CommandTable, Params } from './commands.ts';
import { params } from './schemas.ts';
import { listAll } from './directory-read.ts';
import { checked, type FieldMap } from './entity-input.ts';

const Name = Type.String({ minLength: 1, maxLength: 100 });
const DestType = Type.Enum(DESTINATION_TYPES);
const Number_ = Type.String({ maxLength: 33 });

// Which parameter a schema error on a destination is reported against.
const ERROR_NAMES: FieldMap = { officehours_internal: ['inHours'], outofficehours_internal: ['outOfHours'] };

async function ruleOf(c: PbxControl, p: Params): Promise<Record_> {
  const trunk = (await listAll(c.directory.trunks)).find((t) => t.name === p.linename);
  if (!trunk) throw new PbxError('SB_NOT_FOUND', `no line (trunk) named "${String(p.linename)}"`);
  const rule = (await listAll(c.directory.inboundRules)).find((r) => r.trunkId === trunk.id && r.name === p.rulename);
  if (!rule) throw new PbxError('SB_NOT_FOUND', `line "${String(p.linename)}" has no inbound rule "${String(p.rulename)}"`);
  return rule;
}

const internalOf = (d: Destination) => (d.type === 'external' ? '' : d.number);
const externalOf = (d: Destination) => (d.type === 'external' ? d.number : '');

/** The destination after the seed's three parameters: type, internal number, external number. */
function destination(old: Destination, type: unknown, internal: unknown, external: unknown): Destination {
  const t = type === undefined ? old.type : (String(type) as Destination['type']);
  if (t === 'none' || t === 'hangup') return { type: t, number: '' };
  if (t === 'external') return { type: t, number: external === undefined ? externalOf(old) : String(external) };
  return { type: t, number: internal === undefined ? internalOf(old) : String(internal) };
}

export const inboundRuleCommands: CommandTable = {
  'inboundrule.get': {
    role: 'read',
    params: params({ linename: Name, rulename: Name }),
    run: async (c, p) => {
      const r = await ruleOf(c, p);
      const inH = r.inHours as Destination;
      const out = r.outOfHours as Destination;
      return {
        officeHours_type: inH.type,
        officeHours_internal: internalOf(inH),
        officeHours_external: externalOf(inH),
        outOfOfficeHours_type: out.type,
        outOfOfficeHours_internal: internalOf(out),
        outOfOfficeHours_external: externalOf(out),
      };
    },
  },
  'inboundrule.set': {
    role: 'admin',
    params: params({
      linename: Name,
      rulename: Name,
      officehours_type: Type.Optional(DestType),
      officehours_internal: Type.Optional(Number_),
      officehours_external: Type.Optional(Number_),
      outofficehours_type: Type.Optional(DestType),
      outofficehours_internal: Type.Optional(Number_),
      // The seed's own example spells it without the final l.
      outofficehours_interna: Type.Optional(Number_),
      outofficehours_external: Type.Optional(Number_),
    }),
    run: async (c, p) => {
      const r = await ruleOf(c, p);
      const patch = {
        inHours: destination(r.inHours as Destination, p.officehours_type, p.officehours_internal, p.officehours_external),
        outOfHours: destination(r.outOfHours as Destination, p.outofficehours_type, p.outofficehours_internal ?? p.outofficehours_interna, p.outofficehours_external),
      };
      await c.directory.inboundRules.patch(Number(r.id), checked(InboundRuleSchemas.patch, patch, ERROR_NAMES));
      return true;
    },
  },
};
