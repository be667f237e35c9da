// The calls waiting in park orbits (the live model's `parked`: GET /parked,
// then call.parked / call.unparked), each with how long it has waited. A
// control key retrieves one by click-to-call from a chosen extension to the
// orbit: that phone rings first, and its answer dials the orbit.
import { useState, type FormEvent } from 'react';
import type { ApiClient } from '../api/client.ts';
import type { ParkedCall } from '../api/types.ts';
import { ActionError } from './ActionError.tsx';
import { Duration } from './Duration.tsx';
import { useAction } from './use-action.ts';

export function ParkedCalls({ parked, client, canControl, retriever }: { parked: readonly ParkedCall[]; client: ApiClient; canControl: boolean; retriever: string }) {
  return (
    <section aria-labelledby="parked-title" className="parked">
      <h2 id="parked-title">Parked calls ({parked.length})</h2>
      {parked.length === 0 ? <p className="muted">Nobody is parked.</p> : null}
      <ul className="parked-list">
        {parked.map((p) => (
          <ParkedRow key={p.orbit} parked={p} client={client} canControl={canControl} retriever={retriever} />
        ))}
      </ul>
    </section>
  );
}

function ParkedRow({ parked, client, canControl, retriever }: { parked: ParkedCall; client: ApiClient; canControl: boolean; retriever: string }) {
  const [ext, setExt] = useState(retriever);
  const action = useAction();
  const who = parked.participant.partyName ? `${parked.participant.dn} (${parked.participant.partyName})` : parked.participant.dn;
  const id = `retrieve-${parked.orbit}`;
  const retrieve = (ev: FormEvent): void => {
    ev.preventDefault();
    action.run(() => client.post('/calls', { from: ext.trim(), to: parked.orbit }));
  };
  return (
    <li className="parked-call" data-testid={`parked-${parked.orbit}`} aria-label={`Orbit ${parked.orbit}: ${parked.participant.dn}`}>
      <span className="orbit">{parked.orbit}</span>
      <span className="participant-name">{who}</span>
      <span className="muted">{parked.parkedBy ? `parked by ${parked.parkedBy}` : 'parked'}</span>
      <span className="call-duration" aria-label="Parked for" title={`${parked.parkedBy ? `Rings ${parked.parkedBy} back` : 'Ends'} at ${new Date(parked.timeoutAt).toLocaleTimeString()} if nobody retrieves it`}>
        <Duration since={parked.parkedAt} />
      </span>
      {canControl && (
        <form className="inline" onSubmit={retrieve}>
          <label htmlFor={id}>Retrieve at</label>
          <input id={id} inputMode="numeric" pattern="[0-9]{2,10}" required size={5} placeholder="ext." value={ext} onChange={(e) => setExt(e.target.value)} aria-label={`Extension retrieving ${parked.orbit}`} />
          <button type="submit" className="small" disabled={action.busy} aria-label={`Retrieve ${parked.orbit}`}>
            Retrieve
          </button>
        </form>
      )}
      <ActionError error={action.error} />
    </li>
  );
}
