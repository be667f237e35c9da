// Bulk provisioning from CSV (as every PBX offers): a header row of field
// names, one entity a row. Every row is validated before anything is written,
// so a file with one bad row imports nothing; existing extensions are updated.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { Ajv } from 'ajv';
import type { TSchema } from 'typebox';
import type { PbxControl } from '../core/pbx-control.ts';
import { ExtensionCreate } from '../core/directory/extension.ts';
import { ContactSchemas } from '../core/directory/contact.ts';
import { PbxError } from '../core/errors.ts';

const ajv = new Ajv({ strict: false, allErrors: false });

function coerce(schema: TSchema, field: string, raw: string): unknown {
  const prop = (schema as { properties?: Record<string, { type?: string }> }).properties?.[field];
  if (prop?.type === 'boolean') return /^(1|true|yes|on)$/i.test(raw) ? true : /^(0|false|no|off|)$/i.test(raw) ? false : raw;
  if (prop?.type === 'integer') return /^-?\d+$/.test(raw) ? Number(raw) : raw;
  return raw;
}

function rowsOf(file: string, schema: TSchema): Record<string, unknown>[] {
  const records = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
  const validate = ajv.compile(schema as object);
  const errors: string[] = [];
  const rows = records.map((rec, i) => {
    const row: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rec)) if (v !== '' || k === 'number') row[k] = coerce(schema, k, v);
    if (!validate(row)) errors.push(`line ${i + 2}: ${(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`).join('; ')}`);
    return row;
  });
  if (errors.length > 0) throw new PbxError('SB_VALIDATION', `${file}: ${errors.length} invalid row(s), nothing imported`, errors.map((message) => ({ message })));
  return rows;
}

export async function importExtensions(control: PbxControl, file: string): Promise<{ created: number; updated: number }> {
  const rows = rowsOf(file, ExtensionCreate);
  const numbers = rows.map((r) => String(r.number));
  const dup = numbers.find((n, i) => numbers.indexOf(n) !== i);
  if (dup !== undefined) throw new PbxError('SB_VALIDATION', `${file}: extension ${dup} appears twice, nothing imported`);
  let created = 0;
  let updated = 0;
  for (const row of rows) {
    const { number, ...rest } = row;
    const exists = await control.directory.extensions.get(String(number)).then(
      () => true,
      () => false,
    );
    if (exists) {
      await control.directory.extensions.patch(String(number), rest);
      updated++;
    } else {
      await control.directory.extensions.create(row);
      created++;
    }
  }
  return { created, updated };
}

export async function importContacts(control: PbxControl, file: string): Promise<{ created: number }> {
  const rows = rowsOf(file, ContactSchemas.create);
  for (const row of rows) await control.directory.contacts.create(row);
  return { created: rows.length };
}
