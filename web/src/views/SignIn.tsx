import { useState, type FormEvent } from 'react';
import { ApiClient, ApiError, errorText } from '../api/client.ts';
import { whoAmI } from '../api/role.ts';
import type { Session } from '../state/session.ts';
import { ActionError } from '../components/ActionError.tsx';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (ev: FormEvent): Promise<void> => {
    ev.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const trimmed = key.trim();
      const self = await whoAmI(new ApiClient(trimmed));
      onSignedIn({ key: trimmed, role: self.role, label: self.label, ...(self.extension !== null ? { extension: self.extension } : {}) });
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'This key is unknown or revoked.' : errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <form onSubmit={(ev) => void submit(ev)} aria-labelledby="signin-title">
        <h1 id="signin-title">Switchboard</h1>
        <label htmlFor="api-key">API key</label>
        <input id="api-key" type="password" autoComplete="off" required value={key} onChange={(e) => setKey(e.target.value)} aria-describedby={error ? 'signin-error' : undefined} />
        <ActionError error={error} id="signin-error" />
        <button type="submit" disabled={busy || key.trim() === ''}>
          Sign in
        </button>
        <p className="hint">
          A <code>read</code> key shows, a <code>control</code> key also acts on calls, an <code>admin</code> key also edits the directory.
        </p>
      </form>
    </main>
  );
}
