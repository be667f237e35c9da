// Seed 000 setters arrive as query parameters with their own names; they are
// translated to directory fields and checked against the directory's own
// schema before the store sees them, with errors that name the parameter the
// client sent.
import type { TSchema } from 'typebox';
import { PbxError } from '../../core/errors.ts';
import type { Record_ } from '../../core/pbx-control.ts';
import type { Params } from './commands.ts';
import { validatorCompiler } from '../http/validation.ts';

type Validator = ((v: unknown) => boolean) & { errors?: { instancePath?: string; message?: string }[] | null };
const compiled = new WeakMap<TSchema, Validator>();

/** parameter name → directory field, with the conversion from the query's value. */
export type FieldMap = Record<string, [field: string, convert?: (v: string | number | boolean) => unknown]>;

export const bit = (v: string | number | boolean): boolean => Number(v) === 1;
export const onOff = (v: string | number | boolean): boolean => v === 'on';

export function translate(p: Params, map: FieldMap): Record_ {
  const out: Record_ = {};
  for (const [param, [field, convert]] of Object.entries(map)) {
    const v = p[param];
    if (v !== undefined) out[field] = convert ? convert(v) : v;
  }
  return out;
}

export function checked(schema: TSchema, input: Record_, map: FieldMap): Record_ {
  let v = compiled.get(schema);
  if (!v) {
    v = validatorCompiler({ schema, httpPart: 'body', method: 'POST', url: 'webapi' }) as unknown as Validator;
    compiled.set(schema, v);
  }
  if (v(input)) return input;
  const fieldToParam = new Map(Object.entries(map).map(([param, [field]]) => [field, param]));
  const details = (v.errors ?? []).map((e) => {
    const field = (e.instancePath ?? '').split('/')[1] ?? '';
    const path = fieldToParam.get(field) ?? field;
    return { path, message: `${path} ${e.message ?? 'is invalid'}` };
  });
  throw new PbxError('SB_VALIDATION', details.map((d) => d.message).join('; '), details);
}
