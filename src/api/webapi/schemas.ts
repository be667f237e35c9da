// Query-string schemas of the TCXWebAPI commands, with the seed's parameter
// names. Unknown parameters are refused, so a misspelt option is reported
// rather than silently ignored.
import { Type, type TProperties } from 'typebox';
import { DialNumber } from '../../core/directory/common.ts';

export const params = (props: TProperties) => Type.Object(props, { additionalProperties: false });
export const NoParams = params({});

export const Num = DialNumber;
export const OnOff = Type.Enum(['on', 'off'] as const);
export const ZeroOne = Type.Integer({ minimum: 0, maximum: 1 });
export const GroupName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[^,]+$' });
/** Part of a device's contact URI (seed 000: "contained in", not equal to). */
export const ContactPart = Type.String({ minLength: 1, maxLength: 200 });
/** A dialled number: internal or outside. */
export const Dialled = Type.String({ pattern: '^[+]?[0-9*#]{2,32}$' });
/** The end of an outside number (bargein / drop external). */
export const NumberEnd = Type.String({ pattern: '^[+]?[0-9*#]{1,32}$' });

export const NumParams = params({ num: Num });
