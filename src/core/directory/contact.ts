// The phone book. data0..data9 of seed 000's contact.update map onto the
// named numbers below (data0 Mobile2 … data9 Pager).
import { Type, type Static } from 'typebox';
import { Text, Stamp, entitySchemas } from './common.ts';

const Num = Type.String({ maxLength: 40, pattern: '^[+0-9 ()*#-]*$' });
export const CONTACT_DATA_FIELDS = ['mobile2', 'home', 'home2', 'business', 'business2', 'email', 'other', 'businessFax', 'homeFax', 'pager'] as const;
export const CONTACT_NUMBER_FIELDS = ['mobile', 'mobile2', 'home', 'home2', 'business', 'business2', 'other', 'businessFax', 'homeFax', 'pager'] as const;

export const ContactSchemas = entitySchemas({
  key: {},
  fields: {
    firstName: Text(100),
    lastName: Text(100),
    company: Text(200),
    crmContactData: Text(1000),
    tag: Text(100),
    mobile: Num,
    mobile2: Num,
    home: Num,
    home2: Num,
    business: Num,
    business2: Num,
    email: Type.String({ maxLength: 200, pattern: '^$|^[^@\\s]+@[^@\\s]+$' }),
    other: Num,
    businessFax: Num,
    homeFax: Num,
    pager: Num,
  },
  readOnly: { id: Type.Integer(), createdAt: Stamp, updatedAt: Stamp },
});
export type Contact = Static<typeof ContactSchemas.read>;
