// Seed 000 phone book: contact.find (suffix rules), contact.get (read);
// contact.update / contact.new / contact.del (admin).
import { Type } from 'typebox';
import type { Record_ } from '../../core/pbx-control.ts';
import { ContactSchemas } from '../../core/directory/contact.ts';
import { findContacts } from '../../core/directory/contact-match.ts';
import type { CommandTable } from './commands.ts';
import { params } from './schemas.ts';
import { listAll } from './directory-read.ts';
import { checked, translate, type FieldMap } from './entity-input.ts';

const Id = Type.Integer({ minimum: 1, maximum: 2147483647 });
const Field = Type.String({ maxLength: 1000 });

// Seed 000: phone → Mobile, data0 → Mobile2 … data9 → Pager.
const FIELDS: FieldMap = {
  firstname: ['firstName'],
  lastname: ['lastName'],
  company: ['company'],
  crmcontactdata: ['crmContactData'],
  tag: ['tag'],
  phone: ['mobile'],
  data0: ['mobile2'],
  data1: ['home'],
  data2: ['home2'],
  data3: ['business'],
  data4: ['business2'],
  data5: ['email'],
  data6: ['other'],
  data7: ['businessFax'],
  data8: ['homeFax'],
  data9: ['pager'],
};
const fieldParams = Object.fromEntries(Object.keys(FIELDS).map((k) => [k, Type.Optional(Field)]));

export function renderContact(c: Record_) {
  return {
    id: c.id,
    firstname: c.firstName,
    lastname: c.lastName,
    company: c.company,
    crmcontactdata: c.crmContactData,
    tag: c.tag,
    mobile: c.mobile,
    mobile2: c.mobile2,
    home: c.home,
    home2: c.home2,
    business: c.business,
    business2: c.business2,
    email: c.email,
    other: c.other,
    businessfax: c.businessFax,
    homefax: c.homeFax,
    pager: c.pager,
  };
}

export const contactCommands: CommandTable = {
  'contact.find': {
    role: 'read',
    params: params({ num: Type.String({ pattern: '^[+]?[0-9]{1,32}$' }), min_len: Type.Optional(Type.Integer({ minimum: 0, maximum: 32 })) }),
    run: async (c, p) => findContacts(await listAll(c.directory.contacts), String(p.num), p.min_len === undefined ? undefined : Number(p.min_len)),
  },
  'contact.get': {
    role: 'read',
    params: params({ id: Id }),
    run: async (c, p) => renderContact(await c.directory.contacts.get(Number(p.id))),
  },
  'contact.update': {
    role: 'admin',
    params: params({ id: Id, ...fieldParams }),
    run: async (c, p) => {
      const patch = checked(ContactSchemas.patch, translate(p, FIELDS), FIELDS);
      await c.directory.contacts.get(Number(p.id));
      await c.directory.contacts.patch(Number(p.id), patch);
      return true;
    },
  },
  'contact.new': {
    role: 'admin',
    params: params(fieldParams),
    run: async (c, p) => {
      const input = checked(ContactSchemas.create, translate(p, FIELDS), FIELDS);
      return (await c.directory.contacts.create(input)).id;
    },
  },
  'contact.del': {
    role: 'admin',
    params: params({ id: Id }),
    run: async (c, p) => {
      await c.directory.contacts.remove(Number(p.id));
      return true;
    },
  },
};
