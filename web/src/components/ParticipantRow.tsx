// One participant of a live call with the native participant actions: drop,
// hold/resume, mute/unmute, park, blind transfer by number or by dragging it
// onto an extension tile, and attended transfer (consult, then complete).
import { useState, type FormEvent, type ReactNode } from 'react';
import type { ApiClient } from '../api/client.ts';
import type { Participant } from '../api/types.ts';
import { ActionError } from './ActionError.tsx';
import { PARTICIPANT_MIME, type DraggedParticipant } from './drag.ts';
import { useAction } from './use-action.ts';

/**
 * `parkAs`: the partner whose park verb puts `p` in an orbit. The API parks
 * the pressing party's partner; an operator's "Park 101" means 101 waits,
 * so the panel presses it for 101's partner (two-party calls only).
 */
export function ParticipantRow({ p, consults, client, canControl, parkAs, inOrbit, children }: { p: Participant; consults: { callId: string; party: string }[]; client: ApiClient; canControl: boolean; parkAs: Participant | undefined; inOrbit: boolean; children?: ReactNode }) {
  const [target, setTarget] = useState('');
  const action = useAction();
  const base = `/calls/${p.callId}/participants/${p.id}`;
  const label = `${p.dn}${p.partyName ? ` (${p.partyName})` : ''}`;
  const transfer = (ev: FormEvent): void => {
    ev.preventDefault();
    action.run(async () => {
      await client.post(`${base}/transfer`, { destination: target.trim() });
      setTarget('');
    });
  };
  const onPhone = p.status === 'Connected' || p.status === 'Held';
  // A park orbit is the PBX holding the call: it can only be dropped (the parked party hangs up).
  const orbit = p.dnType === 'Parking';
  // The party waiting in an orbit hears music on hold until retrieved: drop or transfer it, nothing else.
  const waiting = inOrbit && !orbit;
  return (
    <li
      className="participant"
      data-testid={`participant-${p.dn}`}
      draggable={canControl}
      onDragStart={(ev) => {
        const data: DraggedParticipant = { callId: p.callId, participantId: p.id };
        ev.dataTransfer.setData(PARTICIPANT_MIME, JSON.stringify(data));
        ev.dataTransfer.effectAllowed = 'move';
      }}
    >
      <span className="participant-name">{label}</span>
      <span className="badge">{p.direction === 'inbound' ? 'caller' : 'called'}</span>
      <span className={`badge status-${p.status.toLowerCase()}`}>{p.status}</span>
      {p.muted && (
        <span className="badge warn muted-indicator" data-testid={`muted-${p.dn}`} title="Nobody hears this participant; it still hears the call">
          muted
        </span>
      )}
      {children}
      {canControl && (
        <span className="actions">
          <button type="button" className="danger" onClick={() => action.run(() => client.post(`${base}/drop`))} aria-label={`Drop ${p.dn}`}>
            Drop
          </button>
          {orbit || waiting ? null : p.status === 'Held' ? (
            <button type="button" onClick={() => action.run(() => client.post(`${base}/resume`))} aria-label={`Resume ${p.dn}`}>
              Resume
            </button>
          ) : (
            <button type="button" disabled={p.status !== 'Connected'} onClick={() => action.run(() => client.post(`${base}/hold`))} aria-label={`Hold ${p.dn}`}>
              Hold
            </button>
          )}
          {p.dnType !== 'RoutePoint' && !inOrbit && (
            <button type="button" disabled={!onPhone} onClick={() => action.run(() => client.post(`${base}/${p.muted ? 'unmute' : 'mute'}`))} aria-label={`${p.muted ? 'Unmute' : 'Mute'} ${p.dn}`} title={p.muted ? undefined : 'Nobody hears this participant; it still hears the call'}>
              {p.muted ? 'Unmute' : 'Mute'}
            </button>
          )}
          {parkAs && (
            <button
              type="button"
              disabled={parkAs.status !== 'Connected' || !onPhone}
              onClick={() => action.run(() => client.post(`/calls/${p.callId}/participants/${parkAs.id}/park`))}
              aria-label={`Park ${p.dn}`}
              title={`${p.dn} waits in the first free orbit with music on hold; ${parkAs.dn} leaves the call`}
            >
              Park
            </button>
          )}
          {!orbit && (
            <form className="inline" onSubmit={transfer}>
              <label htmlFor={`xfer-${p.id}`} className="visually-hidden">
                Transfer {p.dn} to number
              </label>
              <input id={`xfer-${p.id}`} placeholder="number" inputMode="tel" pattern="[+]?[0-9*#]{2,32}" required size={6} value={target} onChange={(e) => setTarget(e.target.value)} />
              <button type="submit" aria-label={`Transfer ${p.dn}`}>
                Transfer
              </button>
              {!waiting && (
                <button
                  type="button"
                  aria-label={`Consult for ${p.dn}`}
                  title="Attended transfer: hold the partner, call the number from this phone"
                  disabled={p.status !== 'Connected'}
                  onClick={(ev) => {
                    if (!ev.currentTarget.form?.reportValidity()) return;
                    action.run(async () => {
                      await client.post(`${base}/consult`, { destination: target.trim() });
                      setTarget('');
                    });
                  }}
                >
                  Consult
                </button>
              )}
            </form>
          )}
          {consults.map((c) => (
            <button key={c.callId} type="button" onClick={() => action.run(() => client.post(`${base}/attended-transfer`, { consultCallId: c.callId }))} aria-label={`Complete transfer of ${p.dn} to ${c.party}`}>
              Complete transfer to {c.party}
            </button>
          ))}
        </span>
      )}
      <ActionError error={action.error} />
    </li>
  );
}
