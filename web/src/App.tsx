// The panel's shell: sign-in, then a navigation bar and one view at a time.
// What a role cannot do is not shown at all; the API refuses it anyway.
import { lazy, Suspense, useMemo, useState } from 'react';
import { ApiClient } from './api/client.ts';
import { roleAllows } from './api/role.ts';
import { loadSession, saveSession, type Session } from './state/session.ts';
import { useHashRoute, type Route } from './state/use-hash-route.ts';
import { useLiveModel } from './state/use-live-model.ts';
import { SignIn } from './views/SignIn.tsx';
import { OperatorView } from './views/OperatorView.tsx';
import { CallHistory } from './views/CallHistory.tsx';
import { WallboardView } from './views/WallboardView.tsx';
import { ActionError } from './components/ActionError.tsx';

// Admin forms are a separate chunk: the first view (operator, wallboard) loads without them.
const DirectoryView = lazy(() => import('./views/DirectoryView.tsx').then((m) => ({ default: m.DirectoryView })));

export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const signIn = (s: Session | undefined): void => {
    saveSession(s);
    setSession(s);
  };
  if (!session) return <SignIn onSignedIn={signIn} />;
  return <SignedIn session={session} onSignOut={() => signIn(undefined)} />;
}

const TITLES: Record<Route, string> = { operator: 'Operator', wallboard: 'Wallboard', history: 'Call history', directory: 'Directory' };

function SignedIn({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const client = useMemo(() => new ApiClient(session.key), [session.key]);
  const { route, sub } = useHashRoute();
  const { model, status, error } = useLiveModel(client);
  const can = { control: roleAllows(session.role, 'control'), admin: roleAllows(session.role, 'admin') };
  return (
    <div className={`app app-${route}`}>
      <header className="topbar">
        <strong className="brand">Switchboard</strong>
        <nav aria-label="Views">
          {(Object.keys(TITLES) as Route[]).map((r) => (
            <a key={r} href={`#/${r}`} aria-current={route === r ? 'page' : undefined}>
              {TITLES[r]}
            </a>
          ))}
        </nav>
        <span className={`stream stream-${status}`} role="status" aria-label="Event stream" data-testid="stream-status">
          {status}
        </span>
        <span className="role" data-testid="role">
          {session.role} key
        </span>
        {session.label ? <span className="muted key-label">{session.label}</span> : null}
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <ActionError error={error} page />
      <main>
        {route === 'operator' && <OperatorView client={client} model={model} canControl={can.control} canAdmin={can.admin} supervisor={session.extension ?? ''} />}
        {route === 'history' && <CallHistory client={client} />}
        {route === 'wallboard' && <WallboardView client={client} model={model} canControl={can.control} />}
        {route === 'directory' && (
          <Suspense fallback={<p className="muted">Loading…</p>}>
            <DirectoryView client={client} model={model} canEdit={can.admin} section={sub} />
          </Suspense>
        )}
      </main>
    </div>
  );
}
