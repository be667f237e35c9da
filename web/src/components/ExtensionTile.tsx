// One extension on the presence board: registered or not, what it is doing,
// its forwarding profile and queue log-in (an admin key toggles it). A live-call participant dropped on
// it is blind-transferred here; a control key can start a call from it.
import { useState, type DragEvent, type FormEvent } from 'react';
import type { ApiClient } from '../api/client.ts';
import type { Queue } from '../api/types.ts';
import { isRegistered, queueMemberships, tileState, type LiveModel } from '../state/live-model.ts';
import { PARTICIPANT_MIME, type DraggedParticipant } from './drag.ts';
import { useAction } from './use-action.ts';
import { ActionError } from './ActionError.tsx';

const STATE_WORDS = { offline: 'not registered', free: 'free', ringing: 'ringing', talking: 'talking', held: 'on hold', dnd: 'do not disturb' } as const;

export function ExtensionTile({ number, model, client, canControl, canAdmin }: { number: string; model: LiveModel; client: ApiClient; canControl: boolean; canAdmin: boolean }) {
  const ext = model.extensions.get(number);
  const state = tileState(model, number);
  const queues = queueMemberships(model, number);
  const name = [ext?.firstName, ext?.lastName].filter(Boolean).join(' ');
  const [dialling, setDialling] = useState(false);
  const [target, setTarget] = useState('');
  const [dropping, setDropping] = useState(false);
  const action = useAction();

  const onDrop = (ev: DragEvent): void => {
    setDropping(false);
    const raw = ev.dataTransfer.getData(PARTICIPANT_MIME);
    if (!raw) return;
    ev.preventDefault();
    const p = JSON.parse(raw) as DraggedParticipant;
    action.run(() => client.post(`/calls/${p.callId}/participants/${p.participantId}/transfer`, { destination: number }));
  };
  const dial = (ev: FormEvent): void => {
    ev.preventDefault();
    action.run(async () => {
      await client.post('/calls', { from: number, to: target.trim() });
      setDialling(false);
      setTarget('');
    });
  };

  return (
    <li
      className={`tile tile-${state}${dropping ? ' tile-drop' : ''}`}
      data-testid={`tile-${number}`}
      data-state={state}
      aria-label={`Extension ${number}${name ? ` ${name}` : ''}: ${STATE_WORDS[state]}`}
      onDragOver={canControl ? (ev) => { if (ev.dataTransfer.types.includes(PARTICIPANT_MIME)) { ev.preventDefault(); setDropping(true); } } : undefined}
      onDragLeave={() => setDropping(false)}
      onDrop={canControl ? onDrop : undefined}
    >
      <div className="tile-head">
        <span className="tile-number">{number}</span>
        <span className="tile-name">{name || '\u00a0'}</span>
      </div>
      <div className="tile-state" data-testid={`state-${number}`}>
        {STATE_WORDS[state]}
      </div>
      <ul className="badges" aria-label="Details">
        {isRegistered(model, number) && <li className="badge ok">registered</li>}
        {ext?.dnd && state !== 'dnd' && <li className="badge warn">DND</li>}
        {ext && ext.forwardingProfile !== 'Available' && <li className="badge">{ext.forwardingProfile}</li>}
        {queues.map((q) => (
          <li key={q.queue} className={q.loggedIn ? 'badge ok' : 'badge off'}>
            {canAdmin ? (
              <button type="button" className="badge-button" onClick={() => action.run(() => setQueueLogin(client, model, q.queue, number, !q.loggedIn))} aria-label={q.loggedIn ? `Log ${number} out of queue ${q.queue}` : `Log ${number} into queue ${q.queue}`}>
                queue {q.queue} {q.loggedIn ? 'in' : 'out'}
              </button>
            ) : (
              <>
                queue {q.queue} {q.loggedIn ? 'in' : 'out'}
              </>
            )}
          </li>
        ))}
      </ul>
      {canControl && !dialling && (
        <button type="button" className="small" onClick={() => setDialling(true)} disabled={state === 'offline'} title={state === 'offline' ? 'No phone registered to ring first' : undefined}>
          Call from {number}
        </button>
      )}
      {canControl && dialling && (
        <form className="inline" onSubmit={dial}>
          <label htmlFor={`dial-${number}`}>Number to call from {number}</label>
          <input id={`dial-${number}`} inputMode="tel" pattern="[+]?[0-9*#]{2,32}" required value={target} onChange={(e) => setTarget(e.target.value)} autoFocus />
          <button type="submit" disabled={action.busy}>
            Dial
          </button>
          <button type="button" onClick={() => setDialling(false)}>
            Cancel
          </button>
        </form>
      )}
      <ActionError error={action.error} />
    </li>
  );
}

/**
 * Per-queue log-in is part of the queue's agent list, which PATCH replaces as
 * a whole (an admin change); the global switch (seed 000 qGlobalStatus) is the
 * extension's. Logging in turns on both, logging out only this queue's.
 */
async function setQueueLogin(client: ApiClient, model: LiveModel, queue: string, ext: string, loggedIn: boolean): Promise<void> {
  const q = await client.get<Queue>(`/queues/${encodeURIComponent(queue)}`);
  await client.patch(`/queues/${encodeURIComponent(queue)}`, { agents: q.agents.map((a) => (a.extension === ext ? { ...a, loggedIn } : a)) });
  if (loggedIn && model.extensions.get(ext)?.queueGlobalLoggedIn === false) await client.patch(`/extensions/${encodeURIComponent(ext)}`, { queueGlobalLoggedIn: true });
}
