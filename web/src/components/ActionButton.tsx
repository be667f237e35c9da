// A button that runs one API action, disabled while it runs, with that
// action's error beside it.
import type { ReactNode } from 'react';
import { ActionError } from './ActionError.tsx';
import { useAction } from './use-action.ts';

export function ActionButton({ run, label, title, className, children }: { run: () => Promise<unknown>; label?: string; title?: string; className?: string; children: ReactNode }) {
  const action = useAction();
  return (
    <>
      <button type="button" className={className} title={title} aria-label={label} disabled={action.busy} onClick={() => action.run(run)}>
        {children}
      </button>
      <ActionError error={action.error} inline />
    </>
  );
}
