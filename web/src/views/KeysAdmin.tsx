// API keys (admin only: GET /keys refuses other roles): list, create with a
// role, revoke. The secret is in the create response only, so it is shown once.
import { useEffect, useState, type FormEvent } from 'react';
import { errorText, type ApiClient } from '../api/client.ts';
import { ROLES, type Role } from '../api/role.ts';
import { SecretOnce } from '../components/SecretOnce.tsx';
import { ActionError } from '../components/ActionError.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { deleteConfirmed } from '../components/RowActions.tsx';

interface KeyInfo {
  id: string;
  label: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function KeysAdmin({ client }: { client: ApiClient }) {
  const [keys, setKeys] = useState<KeyInfo[]>([]);
  const [role, setRole] = useState<Role>('read');
  const [label, setLabel] = useState('');
  const [secret, setSecret] = useState<string>();
  const [error, setError] = useState<string>();
  const reload = (): void => {
    client.get<KeyInfo[]>('/keys').then(setKeys, (err: unknown) => setError(errorText(err)));
  };
  useEffect(reload, [client]);

  const create = async (ev: FormEvent): Promise<void> => {
    ev.preventDefault();
    setError(undefined);
    try {
      const made = await client.post<KeyInfo & { key: string }>('/keys', { role, ...(label.trim() ? { label: label.trim() } : {}) });
      setSecret(made.key);
      setLabel('');
      reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const revoke = async (k: KeyInfo): Promise<void> => {
    if (await deleteConfirmed(client, `Revoke the ${k.role} key "${k.label}"? Clients using it stop working at once.`, `/keys/${k.id}`, setError)) reload();
  };

  return (
    <section aria-labelledby="keys-title" className="keys">
      <h2 id="keys-title">API keys</h2>
      <form className="filters" onSubmit={(ev) => void create(ev)}>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Label <input value={label} maxLength={100} onChange={(e) => setLabel(e.target.value)} />
        </label>
        <button type="submit">Create key</button>
      </form>
      {secret !== undefined && (
        <SecretOnce secret={secret} testId="api-key-secret" onDone={() => setSecret(undefined)}>
          <p>The new key, shown once (only its hash is stored):</p>
        </SecretOnce>
      )}
      <ActionError error={error} page />
      <DataTable caption="API keys" columns={['Label', 'Role', 'Created', 'Last used', 'Actions']}>
        {keys.map((k) => (
          <tr key={k.id} data-testid={`key-${k.id}`}>
            <td>{k.label}</td>
            <td>{k.role}</td>
            <td>{new Date(k.createdAt).toLocaleString()}</td>
            <td>{k.lastUsedAt ? new Date(k.lastUsedAt).toLocaleString() : '—'}</td>
            <td>
              {k.revokedAt === null ? (
                <button type="button" className="danger" onClick={() => void revoke(k)} aria-label={`Revoke ${k.label || k.id}`}>
                  Revoke
                </button>
              ) : (
                <span className="muted">revoked {new Date(k.revokedAt).toLocaleString()}</span>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}
