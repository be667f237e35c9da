// A secret the API returns once (a SIP password, an API key's secret): shown
// with a copy button until the admin says Done; it is not kept anywhere.
import { useState, type ReactNode } from 'react';

export function SecretOnce({ children, secret, testId, onDone }: { children: ReactNode; secret: string; testId: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="credentials" role="status" data-testid={`${testId}-panel`}>
      {children}
      <p>
        <code data-testid={testId}>{secret}</code>{' '}
        <button type="button" onClick={() => void navigator.clipboard.writeText(secret).then(() => setCopied(true), () => setCopied(false))}>
          {copied ? 'Copied' : 'Copy'}
        </button>{' '}
        <button type="button" onClick={onDone}>
          Done
        </button>
      </p>
    </div>
  );
}
