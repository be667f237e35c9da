// Runs an API action and keeps its last error for an alert next to the control.
import { useState } from 'react';
import { errorText } from '../api/client.ts';

export function useAction(): { run: (action: () => Promise<unknown>) => void; error: string | undefined; busy: boolean } {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = (action: () => Promise<unknown>): void => {
    setBusy(true);
    setError(undefined);
    action()
      .catch((err: unknown) => setError(errorText(err)))
      .finally(() => setBusy(false));
  };
  return { run, error, busy };
}
