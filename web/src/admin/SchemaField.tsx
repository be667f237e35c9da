// One form control per schema property, recursively: text, number, checkbox,
// select for enums, a comma-separated list for arrays of numbers, a fieldset
// for objects and a row per element (with Add / Remove) for arrays of objects.
// Values go to the API as typed as the input allows; what the schema refuses
// comes back as an error at this field's JSON pointer and is shown here.
import { useState } from 'react';
import { blank, humanize, kindOf, unwrapNullable, type JsonSchema } from './json-schema.ts';

export interface FieldProps {
  /** JSON pointer of this value in the body, without the leading slash. */
  pointer: string;
  /** Accessible name: the path in words (`No answer number`), unique on the form. */
  label: string;
  schema: JsonSchema;
  value: unknown;
  onChange: (v: unknown) => void;
  errors: Record<string, string>;
  /** Optional at the top of a create form: empty means "leave it to the server's default". */
  optional: boolean;
  readOnly?: boolean;
  idPrefix: string;
}

const domId = (prefix: string, pointer: string): string => `${prefix}-${pointer.replace(/[^A-Za-z0-9]+/g, '-')}`;

/** `42` stays a number; anything else stays text for the schema to refuse next to the field. */
function parseNumber(raw: string): number | string {
  return /^-?[0-9]+(\.[0-9]+)?$/.test(raw.trim()) ? Number(raw) : raw;
}

function listText(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(', ') : '';
}

export function SchemaField(props: FieldProps) {
  const { pointer, label, value, onChange, errors, optional, readOnly = false, idPrefix } = props;
  const { schema, nullable } = unwrapNullable(props.schema);
  const kind = kindOf(schema);
  const id = domId(idPrefix, pointer);
  // A leaf control owns the errors below it too (a comma list's items/3).
  const leaf = kind !== 'object' && kind !== 'rows';
  const error = errors[pointer] ?? (leaf ? Object.entries(errors).find(([p]) => p.startsWith(`${pointer}/`))?.[1] : undefined);
  const described = error !== undefined ? `${id}-error` : schema.description ? `${id}-hint` : undefined;
  const common = { id, 'aria-label': label, 'aria-invalid': error !== undefined, 'aria-describedby': described };
  const short = humanize(pointer.split('/').at(-1) ?? pointer);
  const errorLine = error !== undefined && (
    <p id={`${id}-error`} className="field-error" data-testid={`error-${pointer}`}>
      {error}
    </p>
  );
  const hint = schema.description && error === undefined ? <p id={`${id}-hint`} className="hint">{schema.description}</p> : null;

  if (kind === 'object') {
    const obj = (value ?? {}) as Record<string, unknown>;
    const props2 = schema.properties ?? {};
    return (
      <fieldset className="subform" aria-label={label}>
        <legend>{short}</legend>
        {Object.entries(props2).map(([k, s]) => (
          <SchemaField
            key={k}
            idPrefix={idPrefix}
            pointer={`${pointer}/${k}`}
            label={`${label} ${humanize(k).toLowerCase()}`}
            schema={s}
            value={obj[k]}
            optional={!(schema.required ?? []).includes(k)}
            readOnly={readOnly}
            errors={errors}
            onChange={(v) => {
              const next = { ...(value === undefined || value === null ? (blank(schema) as Record<string, unknown>) : obj) };
              if (v === undefined) delete next[k];
              else next[k] = v;
              onChange(next);
            }}
          />
        ))}
        {errorLine}
      </fieldset>
    );
  }
  if (kind === 'rows') {
    const rows = Array.isArray(value) ? (value as unknown[]) : [];
    const item = schema.items ?? {};
    return (
      <fieldset className="subform rows" aria-label={label}>
        <legend>{short}</legend>
        {rows.map((row, i) => (
          <div className="row" key={i}>
            <SchemaField idPrefix={idPrefix} pointer={`${pointer}/${String(i)}`} label={`${label} ${String(i + 1)}`} schema={item} value={row} optional={false} readOnly={readOnly} errors={errors} onChange={(v) => onChange(rows.map((r, j) => (j === i ? v : r)))} />
            {!readOnly && (
              <button type="button" className="small danger" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`Remove ${label} ${String(i + 1)}`}>
                Remove
              </button>
            )}
          </div>
        ))}
        {!readOnly && (
          <button type="button" className="small" onClick={() => onChange([...rows, blank(item)])} aria-label={`Add to ${label}`}>
            Add
          </button>
        )}
        {errorLine}
      </fieldset>
    );
  }

  let control;
  if (kind === 'boolean') {
    control = <input type="checkbox" {...common} disabled={readOnly} checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
  } else if (kind === 'enum') {
    control = (
      <select {...common} disabled={readOnly} value={value === undefined || value === null ? '' : String(value)} onChange={(e) => onChange(e.target.value === '' ? (nullable ? null : undefined) : e.target.value)}>
        {(optional || nullable || value === undefined) && <option value="">{optional ? '(default)' : '—'}</option>}
        {(schema.enum ?? []).map((v) => (
          <option key={String(v)}>{String(v)}</option>
        ))}
      </select>
    );
  } else if (kind === 'list') {
    control = <ListInput common={common} readOnly={readOnly} numeric={schema.items?.type === 'integer' || schema.items?.type === 'number'} optional={optional} value={value} onChange={onChange} />;
  } else {
    const isNumber = kind === 'number';
    control = (
      <input
        {...common}
        readOnly={readOnly}
        type="text"
        inputMode={isNumber ? 'numeric' : undefined}
        value={value === undefined || value === null ? '' : String(value)}
        onChange={(e) => {
          const raw = e.target.value;
          if (raw === '') onChange(nullable ? null : optional ? undefined : isNumber ? raw : '');
          else onChange(isNumber ? parseNumber(raw) : raw);
        }}
      />
    );
  }
  return (
    <div className={`field${kind === 'boolean' ? ' checkbox' : ''}`}>
      <label htmlFor={id}>{short}</label>
      {control}
      {hint}
      {errorLine}
    </div>
  );
}

/** Keeps the text as typed (a trailing comma included) while the value is the parsed list. */
function ListInput({ common, readOnly, numeric, optional, value, onChange }: { common: Record<string, unknown>; readOnly: boolean; numeric: boolean; optional: boolean; value: unknown; onChange: (v: unknown) => void }) {
  const [text, setText] = useState(() => listText(value));
  return (
    <input
      {...common}
      readOnly={readOnly}
      placeholder="comma-separated"
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const parts = e.target.value.split(',').map((x) => x.trim()).filter((x) => x !== '');
        onChange(e.target.value.trim() === '' && optional ? undefined : numeric ? parts.map(parseNumber) : parts);
      }}
    />
  );
}
