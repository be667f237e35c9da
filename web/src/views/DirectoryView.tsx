// Directory admin: the extensions (live from the event stream), with create,
// edit and delete for admin keys. A new extension's SIP password is shown
// once, with a copy button: the API shows it to admin keys only.
import { useState } from 'react';
import { errorText, type ApiClient } from '../api/client.ts';
import type { Extension } from '../api/types.ts';
import type { LiveModel } from '../state/live-model.ts';
import { ExtensionForm } from '../components/ExtensionForm.tsx';

export function DirectoryView({ client, model, canEdit }: { client: ApiClient; model: LiveModel; canEdit: boolean }) {
  const [editing, setEditing] = useState<Extension | 'new'>();
  const [created, setCreated] = useState<Extension>();
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string>();
  const extensions = [...model.extensions.values()].sort((a, b) => a.number.localeCompare(b.number, 'en', { numeric: true }));

  const remove = async (ext: Extension): Promise<void> => {
    if (!window.confirm(`Delete extension ${ext.number}?`)) return;
    setError(undefined);
    try {
      await client.delete(`/extensions/${encodeURIComponent(ext.number)}`);
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section aria-labelledby="directory-title" className="directory">
      <h2 id="directory-title">Extensions</h2>
      {canEdit && editing === undefined && (
        <button type="button" onClick={() => { setEditing('new'); setCreated(undefined); }}>
          New extension
        </button>
      )}
      {editing !== undefined && (
        <ExtensionForm
          key={editing === 'new' ? 'new' : editing.number}
          client={client}
          {...(editing !== 'new' ? { editing } : {})}
          onCancel={() => setEditing(undefined)}
          onSaved={(ext, isNew) => {
            setEditing(undefined);
            if (isNew) {
              setCreated(ext);
              setCopied(false);
            }
          }}
        />
      )}
      {created?.authPassword !== undefined && (
        <div className="credentials" role="status" data-testid="credentials">
          <p>
            Extension <strong>{created.number}</strong> created. Its phone registers as user <code>{created.authId}</code> with this SIP password, shown once:
          </p>
          <p>
            <code data-testid="sip-password">{created.authPassword}</code>{' '}
            <button
              type="button"
              onClick={() => {
                void navigator.clipboard.writeText(created.authPassword ?? '').then(() => setCopied(true), () => setCopied(false));
              }}
            >
              {copied ? 'Copied' : 'Copy password'}
            </button>{' '}
            <button type="button" onClick={() => setCreated(undefined)}>
              Done
            </button>
          </p>
          <p className="hint">
            Point the phone at this server's SIP port (<code>{location.hostname}</code>, UDP/TCP 5060 unless configured otherwise).
          </p>
        </div>
      )}
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="directory-table">
        <caption className="visually-hidden">Extensions</caption>
        <thead>
          <tr>
            <th scope="col">Number</th>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Profile</th>
            <th scope="col">DND</th>
            {canEdit && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {extensions.map((x) => (
            <tr key={x.number} data-testid={`ext-row-${x.number}`}>
              <td>{x.number}</td>
              <td>{[x.firstName, x.lastName].filter(Boolean).join(' ')}</td>
              <td>{x.email}</td>
              <td>{x.forwardingProfile}</td>
              <td>{x.dnd ? 'yes' : 'no'}</td>
              {canEdit && (
                <td className="actions">
                  <button type="button" onClick={() => { setEditing(x); setCreated(undefined); }} aria-label={`Edit ${x.number}`}>
                    Edit
                  </button>
                  <button type="button" className="danger" onClick={() => void remove(x)} aria-label={`Delete ${x.number}`}>
                    Delete
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
