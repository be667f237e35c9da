// Create or edit one item of any directory collection, its fields drawn from
// the API's request-body schema (POST for create, PATCH for edit). Only what
// the admin filled in (create) or changed (edit) is sent; the API's schema
// errors land next to the field their JSON pointer names.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, errorText, pointerErrors, type ApiClient } from '../api/client.ts';
import type { EntityConfig } from './entities.ts';
import { bodySchema } from './openapi.ts';
import { humanize, type JsonSchema } from './json-schema.ts';
import { SchemaField } from './SchemaField.tsx';
import { FormButtons } from '../components/FormButtons.tsx';
import { ActionError } from '../components/ActionError.tsx';

type Item = Record<string, unknown>;

export function EntityForm({ client, entity, editing, onSaved, onCancel }: { client: ApiClient; entity: EntityConfig; editing?: Item; onSaved: (item: Item, created: boolean) => void; onCancel: () => void }) {
  const [schema, setSchema] = useState<JsonSchema>();
  const [values, setValues] = useState<Item>(() => ({ ...(editing ?? {}) }));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const keyValue = editing?.[entity.key];
  const itemPath = `/${entity.path}/${encodeURIComponent(String(keyValue))}`;

  useEffect(() => {
    const docPath = editing ? `/api/v1/${entity.path}/{${entity.key}}` : `/api/v1/${entity.path}`;
    bodySchema(client, editing ? 'patch' : 'post', docPath).then(setSchema, (err: unknown) => setError(errorText(err)));
  }, [client, entity, editing]);

  const submit = async (ev: FormEvent): Promise<void> => {
    ev.preventDefault();
    if (!schema?.properties) return;
    setBusy(true);
    setErrors({});
    setError(undefined);
    const body: Item = {};
    for (const k of Object.keys(schema.properties)) {
      const v = values[k];
      if (v === undefined) continue;
      if (editing && JSON.stringify(v) === JSON.stringify(editing[k])) continue;
      body[k] = v;
    }
    try {
      if (editing) onSaved(await client.patch<Item>(itemPath, body), false);
      else onSaved(await client.post<Item>(`/${entity.path}`, body), true);
    } catch (err) {
      if (err instanceof ApiError) {
        const byPointer = pointerErrors(err);
        // A 409 without a pointer (an in-use or taken key) belongs to the key field when creating.
        if (err.status === 409 && Object.keys(byPointer).length === 0 && !editing && entity.key in (schema.properties ?? {})) byPointer[entity.key] = err.message;
        setErrors(byPointer);
        const placed = Object.keys(byPointer).filter((p) => p !== '' && (p.split('/')[0] ?? '') in (schema.properties ?? {}));
        if (placed.length === 0) setError(err.message);
      } else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const title = editing ? `Edit ${entity.noun} ${String(keyValue)}` : `New ${entity.noun}`;
  const idPrefix = `f-${entity.path}`;
  return (
    <form className="ext-form entity-form" onSubmit={(ev) => void submit(ev)} noValidate aria-label={title}>
      <h3>{title}</h3>
      {editing && !(schema?.properties && entity.key in schema.properties) && (
        <div className="field">
          <label htmlFor={`${idPrefix}-key`}>{humanize(entity.key)}</label>
          <input id={`${idPrefix}-key`} value={String(keyValue)} readOnly />
        </div>
      )}
      {schema === undefined && error === undefined && <p className="muted">Loading the form…</p>}
      {schema?.properties &&
        Object.entries(schema.properties).map(([k, s]) => (
          <SchemaField
            key={k}
            idPrefix={idPrefix}
            pointer={k}
            label={humanize(k)}
            schema={s}
            value={values[k]}
            optional={!(schema.required ?? []).includes(k)}
            errors={errors}
            onChange={(v) => setValues((old) => ({ ...old, [k]: v }))}
          />
        ))}
      <ActionError error={error} />
      <FormButtons editing={editing !== undefined} disabled={busy || schema === undefined} onCancel={onCancel} />
    </form>
  );
}
