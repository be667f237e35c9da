// One live call: direction, state, duration and each participant with the
// actions of the native call routes (drop, hold/resume, blind transfer by
// number or by dragging the participant onto an extension tile), and
// attended transfer (consult, then complete), recording on demand with a
// light while the call is recorded, and a
// supervisor joining the call (barge, listen, whisper).
import { useState, type FormEvent } from 'react';
import type { ApiClient } from '../api/client.ts';
import type { ActiveRecording, CallInfo, Participant } from '../api/types.ts';
import { Duration } from './Duration.tsx';
import { PARTICIPANT_MIME, type DraggedParticipant } from './drag.ts';
import { useAction } from './use-action.ts';

export function CallCard({ call, calls, client, canControl, supervisor, recording }: { call: CallInfo; calls: readonly CallInfo[]; client: ApiClient; canControl: boolean; supervisor: string; recording: ActiveRecording | undefined }) {
  const live = call.participants.filter((p) => p.status !== 'Ended');
  const caller = live.find((p) => p.direction === 'inbound');
  const callee = live.find((p) => p.direction === 'outbound');
  const title = `${caller?.dn ?? '?'} → ${callee?.dn ?? '…'}`;
  return (
    <li className="call" data-testid={`call-${call.id}`} aria-label={`Call ${title}`}>
      <div className="call-head">
        <strong>{title}</strong>
        <span className="badge">{call.direction}</span>
        <span className="badge" data-testid="call-state">
          {call.state}
        </span>
        {recording && (
          <span className="badge rec-indicator" data-testid="recording-indicator" title={`Recording since ${new Date(recording.startedAt).toLocaleTimeString()}`}>
            Recording
          </span>
        )}
        <span className="call-duration" aria-label={call.answeredAt ? 'Talking for' : 'Ringing for'}>
          <Duration since={call.answeredAt ?? call.startedAt} />
        </span>
      </div>
      {canControl && call.state === 'Talking' && <RecordButton call={call} client={client} recording={recording !== undefined} />}
      {canControl && call.state === 'Talking' && <SuperviseButtons call={call} client={client} supervisor={supervisor} />}
      <ul className="participants">
        {live.map((p) => (
          <ParticipantRow key={p.id} p={p} consults={consultationsOf(p, calls)} client={client} canControl={canControl} />
        ))}
      </ul>
    </li>
  );
}

/** Recording on demand: one button that says what it will do, from the call's recording state (recording.started / .stopped). */
function RecordButton({ call, client, recording }: { call: CallInfo; client: ApiClient; recording: boolean }) {
  const action = useAction();
  return (
    <div className="call-tools">
      {recording ? (
        <button type="button" className="small" disabled={action.busy} onClick={() => action.run(() => client.post(`/calls/${call.id}/record/stop`))}>
          Stop recording
        </button>
      ) : (
        <button type="button" className="small" disabled={action.busy} onClick={() => action.run(() => client.post(`/calls/${call.id}/record/start`))}>
          Record
        </button>
      )}
      {action.error !== undefined && (
        <span className="field-error" role="alert">
          {action.error}
        </span>
      )}
    </div>
  );
}

const SUPERVISE = [
  ['barge', 'Barge', 'Join the call: everyone hears the supervisor'],
  ['listen', 'Listen', 'Listen in: nobody hears the supervisor'],
  ['whisper', 'Whisper', 'Coach the agent: only the called extension hears the supervisor'],
] as const;

/**
 * Barge / listen / whisper ring the supervisor's phones; the one that answers
 * joins the call's mix. The supervisor's extension defaults to the key's own
 * (GET /keys/self); whisper goes to the agent, the server's default.
 */
function SuperviseButtons({ call, client, supervisor }: { call: CallInfo; client: ApiClient; supervisor: string }) {
  const [ext, setExt] = useState(supervisor);
  const action = useAction();
  const id = `sup-${call.id}`;
  const run = (ev: FormEvent, verb: (typeof SUPERVISE)[number][0]): void => {
    ev.preventDefault();
    if (!(ev.currentTarget as HTMLButtonElement).form?.reportValidity()) return;
    action.run(() => client.post(`/calls/${call.id}/${verb}`, { extension: ext.trim() }));
  };
  return (
    <form className="call-tools supervise" onSubmit={(ev) => ev.preventDefault()}>
      <label htmlFor={id}>Supervisor</label>
      <input id={id} inputMode="numeric" pattern="[0-9]{2,10}" required placeholder="ext." value={ext} onChange={(e) => setExt(e.target.value)} aria-label={`Supervisor extension for call ${call.id}`} />
      {SUPERVISE.map(([verb, word, title]) => (
        <button key={verb} type="submit" className="small" title={title} disabled={action.busy} onClick={(ev) => run(ev, verb)}>
          {word}
        </button>
      ))}
      {action.error !== undefined && (
        <span className="field-error" role="alert">
          {action.error}
        </span>
      )}
    </form>
  );
}

/**
 * The other live calls this participant's extension is in: each can complete
 * an attended transfer (the partner here meets the party there). Derived from
 * the calls alone, so it survives a reload and works for a consultation the
 * phone itself started.
 */
function consultationsOf(p: Participant, calls: readonly CallInfo[]): { callId: string; party: string }[] {
  if (p.dnType !== 'Extension') return [];
  const out: { callId: string; party: string }[] = [];
  for (const c of calls) {
    if (c.id === p.callId) continue;
    const live = c.participants.filter((o) => o.status !== 'Ended');
    if (!live.some((o) => o.dnType === 'Extension' && o.dn === p.dn)) continue;
    out.push({ callId: c.id, party: live.find((o) => o.dn !== p.dn)?.dn ?? '?' });
  }
  return out;
}

function ParticipantRow({ p, consults, client, canControl }: { p: Participant; consults: { callId: string; party: string }[]; client: ApiClient; canControl: boolean }) {
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
      {canControl && (
        <span className="actions">
          <button type="button" className="danger" onClick={() => action.run(() => client.post(`${base}/drop`))} aria-label={`Drop ${p.dn}`}>
            Drop
          </button>
          {p.status === 'Held' ? (
            <button type="button" onClick={() => action.run(() => client.post(`${base}/resume`))} aria-label={`Resume ${p.dn}`}>
              Resume
            </button>
          ) : (
            <button type="button" disabled={p.status !== 'Connected'} onClick={() => action.run(() => client.post(`${base}/hold`))} aria-label={`Hold ${p.dn}`}>
              Hold
            </button>
          )}
          <form className="inline" onSubmit={transfer}>
            <label htmlFor={`xfer-${p.id}`} className="visually-hidden">
              Transfer {p.dn} to number
            </label>
            <input id={`xfer-${p.id}`} placeholder="number" inputMode="tel" pattern="[+]?[0-9*#]{2,32}" required size={6} value={target} onChange={(e) => setTarget(e.target.value)} />
            <button type="submit" aria-label={`Transfer ${p.dn}`}>
              Transfer
            </button>
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
          </form>
          {consults.map((c) => (
            <button key={c.callId} type="button" onClick={() => action.run(() => client.post(`${base}/attended-transfer`, { consultCallId: c.callId }))} aria-label={`Complete transfer of ${p.dn} to ${c.party}`}>
              Complete transfer to {c.party}
            </button>
          ))}
        </span>
      )}
      {action.error !== undefined && (
        <p className="field-error" role="alert">
          {action.error}
        </p>
      )}
    </li>
  );
}
