// One live call: direction, state, duration and each participant with the
// actions of the native call routes (ParticipantRow), recording on demand
// with a light while the call is recorded, and a supervisor joining the call
// (barge, listen, whisper) who can then switch mode from its own row.
import { useState, type FormEvent } from 'react';
import type { ApiClient } from '../api/client.ts';
import type { ActiveRecording, CallInfo, Participant } from '../api/types.ts';
import { ActionButton } from './ActionButton.tsx';
import { ActionError } from './ActionError.tsx';
import { Duration } from './Duration.tsx';
import { ParticipantRow } from './ParticipantRow.tsx';
import { SUPERVISE, splitParticipants, supervise, type SuperviseVerb } from './supervision.ts';
import { useAction } from './use-action.ts';

export function CallCard({ call, calls, client, canControl, supervisor, recording }: { call: CallInfo; calls: readonly CallInfo[]; client: ApiClient; canControl: boolean; supervisor: string; recording: ActiveRecording | undefined }) {
  // The mode this tab last asked for, per supervisor extension (the API does not say).
  const [modes, setModes] = useState<ReadonlyMap<string, SuperviseVerb>>(new Map());
  const live = call.participants.filter((p) => p.status !== 'Ended');
  const caller = live.find((p) => p.direction === 'inbound');
  const callee = live.find((p) => p.direction === 'outbound');
  const title = `${caller?.dn ?? '?'} → ${callee?.dn ?? '…'}`;
  const { ends, supervisors } = splitParticipants(call);
  // Park and supervision need two phones talking: not a call waiting in an orbit.
  const inOrbit = live.some((p) => p.dnType === 'Parking');
  const twoParty = live.length === 2 && ends.length === 2 && !inOrbit;
  const superviseAs = async (verb: SuperviseVerb, extension: string): Promise<void> => {
    await supervise(client, call.id, verb, extension);
    setModes((m) => new Map(m).set(extension, verb));
  };
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
      {canControl && call.state === 'Talking' && !inOrbit && <SuperviseButtons call={call} supervisor={supervisor} superviseAs={superviseAs} />}
      <ul className="participants">
        {live.map((p) => {
          const isSupervisor = supervisors.includes(p);
          return (
            <ParticipantRow key={p.id} p={p} consults={consultationsOf(p, calls)} client={client} canControl={canControl} parkAs={twoParty ? partnerOf(p, ends) : undefined} inOrbit={inOrbit}>
              {isSupervisor && <SupervisorMode p={p} mode={modes.get(p.dn)} canControl={canControl} superviseAs={superviseAs} />}
            </ParticipantRow>
          );
        })}
      </ul>
    </li>
  );
}

/** Recording on demand: one button that says what it will do, from the call's recording state (recording.started / .stopped). */
function RecordButton({ call, client, recording }: { call: CallInfo; client: ApiClient; recording: boolean }) {
  return (
    <div className="call-tools">
      <ActionButton key={String(recording)} className="small" run={() => client.post(`/calls/${call.id}/record/${recording ? 'stop' : 'start'}`)}>
        {recording ? 'Stop recording' : 'Record'}
      </ActionButton>
    </div>
  );
}

/**
 * Barge / listen / whisper ring the supervisor's phones; the one that answers
 * joins the call's mix. The supervisor's extension defaults to the key's own
 * (GET /keys/self); whisper goes to the agent, the server's default.
 */
function SuperviseButtons({ call, supervisor, superviseAs }: { call: CallInfo; supervisor: string; superviseAs: (verb: SuperviseVerb, extension: string) => Promise<void> }) {
  const [ext, setExt] = useState(supervisor);
  const action = useAction();
  const id = `sup-${call.id}`;
  const run = (ev: FormEvent, verb: SuperviseVerb): void => {
    ev.preventDefault();
    if (!(ev.currentTarget as HTMLButtonElement).form?.reportValidity()) return;
    action.run(() => superviseAs(verb, ext.trim()));
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
      <ActionError error={action.error} inline />
    </form>
  );
}

/** A supervisor's row: its mode (when this tab set it) and the other verbs, which switch it in the mixer. */
function SupervisorMode({ p, mode, canControl, superviseAs }: { p: Participant; mode: SuperviseVerb | undefined; canControl: boolean; superviseAs: (verb: SuperviseVerb, extension: string) => Promise<void> }) {
  return (
    <span className="supervisor-mode">
      <span className="badge supervisor" data-testid={`mode-${p.dn}`}>
        supervisor{mode ? `: ${SUPERVISE.find(([v]) => v === mode)?.[3] ?? ''}` : ''}
      </span>
      {canControl &&
        SUPERVISE.filter(([verb]) => verb !== mode).map(([verb, word, title]) => (
          <ActionButton key={verb} className="small" title={title} label={`Switch ${p.dn} to ${verb}`} run={() => superviseAs(verb, p.dn)}>
            {word}
          </ActionButton>
        ))}
    </span>
  );
}

/** The other end of a two-party call: parking `p` means its partner presses park (POST …/{partner}/park). */
function partnerOf(p: Participant, ends: readonly Participant[]): Participant | undefined {
  return ends.includes(p) ? ends.find((o) => o !== p) : undefined;
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
