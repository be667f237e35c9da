// Create or edit an extension. The API's schema validation is the one source
// of truth: its problem+json `errors` (path `body/<field>`) are shown next to
// the field they name, a duplicate number (409) next to the number.
import { useState, type FormEvent } from 'react';
import { ApiError, errorText, type ApiClient } from '../api/client.ts';
import type { Extension } from '../api/types.ts';
import { FormButtons } from './FormButtons.tsx';
import { ActionError } from './ActionError.tsx';

const FIELDS = [
  { name: 'number', label: 'Number', inputMode: 'numeric' },
  { name: 'firstName', label: 'First name' },
  { name: 'lastName', label: 'Last name' },
  { name: 'email', label: 'Email', type: 'email' },
  { name: 'mobile', label: 'Mobile', inputMode: 'tel' },
] as const;
type FieldName = (typeof FIELDS)[number]['name'];

const PROFILES = ['Available', 'Away', 'Out of office', 'Custom 1', 'Custom 2'] as const;

export function ExtensionForm({ client, editing, onSaved, onCancel }: { client: ApiClient; editing?: Extension; onSaved: (ext: Extension, created: boolean) => void; onCancel: () => void }) {
  const [values, setValues] = useState<Record<FieldName, string>>(() => ({
    number: editing?.number ?? '',
    firstName: editing?.firstName ?? '',
    lastName: editing?.lastName ?? '',
    email: editing?.email ?? '',
    mobile: editing?.mobile ?? '',
  }));
  const [dnd, setDnd] = useState(editing?.dnd ?? false);
  const [profile, setProfile] = useState(editing?.forwardingProfile ?? 'Available');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (ev: FormEvent): Promise<void> => {
    ev.preventDefault();
    setBusy(true);
    setFieldErrors({});
    setError(undefined);
    const { number, ...rest } = values;
    const body = { ...rest, dnd, forwardingProfile: profile };
    try {
      if (editing) onSaved(await client.patch<Extension>(`/extensions/${encodeURIComponent(editing.number)}`, body), false);
      else onSaved(await client.post<Extension>('/extensions', { number, ...body }), true);
    } catch (err) {
      if (err instanceof ApiError) {
        const byField = err.fieldErrors();
        if (err.status === 409 && !editing) byField.number = err.message;
        setFieldErrors(byField);
        if (Object.keys(byField).length === 0) setError(err.message);
      } else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="ext-form" onSubmit={(ev) => void submit(ev)} noValidate aria-label={editing ? `Edit extension ${editing.number}` : 'New extension'}>
      <h3>{editing ? `Edit extension ${editing.number}` : 'New extension'}</h3>
      {FIELDS.map((f) => {
        const id = `ext-${f.name}`;
        const err = fieldErrors[f.name];
        return (
          <div className="field" key={f.name}>
            <label htmlFor={id}>{f.label}</label>
            <input
              id={id}
              name={f.name}
              type={'type' in f ? f.type : 'text'}
              inputMode={'inputMode' in f ? f.inputMode : undefined}
              value={values[f.name]}
              readOnly={f.name === 'number' && editing !== undefined}
              required={f.name === 'number'}
              aria-invalid={err !== undefined}
              aria-describedby={err !== undefined ? `${id}-error` : undefined}
              onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.value }))}
            />
            {err !== undefined && (
              <p id={`${id}-error`} className="field-error" data-testid={`error-${f.name}`}>
                {err}
              </p>
            )}
          </div>
        );
      })}
      <div className="field">
        <label htmlFor="ext-profile">Forwarding profile</label>
        <select id="ext-profile" value={profile} onChange={(e) => setProfile(e.target.value)}>
          {PROFILES.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
      </div>
      <div className="field checkbox">
        <input id="ext-dnd" type="checkbox" checked={dnd} onChange={(e) => setDnd(e.target.checked)} />
        <label htmlFor="ext-dnd">Do not disturb</label>
      </div>
      <ActionError error={error} />
      <FormButtons editing={editing !== undefined} disabled={busy} onCancel={onCancel} />
    </form>
  );
}
