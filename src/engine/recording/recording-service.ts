// Call recording in the engine: starts a WavRecorder on a call's relay when
// the call starts talking and an extension's policy says so, or when asked
// (PbxControl.calls.record); follows the call's media legs through transfers;
// at the end converts the WAV to MP3 in a worker thread, stores the row with a
// random link token, and announces `recording.ready`.
//
// Calls are found through the event log ('call.updated' → Talking) and then
// followed on the Call object itself, so the B2BUA needs no hook of its own.
import { randomBytes, randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Store } from '../../store/index.ts';
import type { CallInfo, Participant } from '../../core/calls.ts';
import type { PbxEvent, RecordingQuery } from '../../core/pbx-control.ts';
import type { ActiveRecording, RecordingAction, RecordingFile, RecordingFormat, RecordingInfo, RecordingParticipant } from '../../core/recordings.ts';
import { PbxError, notFound } from '../../core/errors.ts';
import { diskAlarmReason, type Alarms } from '../alarms.ts';
import { WavRecorder } from '../../media/recorder.ts';
import { wavToMp3 } from '../../media/mp3.ts';
import type { Call } from '../b2bua/call.ts';
import { policyRecords } from './recording-policy.ts';
import { RecordingRows } from './recording-rows.ts';

export interface RecordingServiceOptions {
  calls: { get(id: string): Call | undefined };
  store: Store;
  /** Recordings go to `<dataDir>/recordings/YYYY-MM-DD/<id>.wav|.mp3`. */
  dataDir: string;
  logger: Logger;
  /** Raised when the recordings' disk refuses writes (full…), cleared when a recording is stored whole again. */
  alarms?: Alarms;
  /** 1: both directions mixed (default); 2: caller left, callee right. */
  channels?: 1 | 2;
  /** How long to wait for the CDR of an ended call before storing the row without it. */
  cdrWaitMs?: number;
}

interface Active {
  id: string;
  call: Call;
  recorder: WavRecorder;
  startedAt: string;
  /** Everyone connected while recording, by participant id. */
  participants: Map<string, RecordingParticipant>;
  /** Legs tapped now, so a transfer's new leg can be tapped and the old one cleared. */
  tapped: string[];
  detach: () => void;
}

function party(p: Participant): RecordingParticipant {
  return { dn: p.dn, number: p.partyNumber, name: p.partyName, direction: p.direction };
}

export class RecordingService {
  readonly rows: RecordingRows;
  private readonly active = new Map<string, Active>();
  /** Calls auto-started (or stopped by hand) once already: the policy does not start them again. */
  private readonly decided = new Set<string>();
  /** CDR uniqueids of ended calls, as 'call.ended' tells them, awaited by finishing recordings. */
  private readonly cdrWaiters = new Map<string, { promise: Promise<string>; resolve: (uniqueid: string) => void }>();
  private readonly finishing = new Set<Promise<void>>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly o: RecordingServiceOptions) {
    this.rows = new RecordingRows(o.store);
    this.unsubscribe = o.store.events.subscribe((e) => this.onEvent(e));
  }

  /** PbxControl.calls.record: start or stop recording a call now. Idempotent. */
  async record(callId: string, action: RecordingAction): Promise<void> {
    const call = this.o.calls.get(callId);
    if (!call || call.isEnded) throw notFound('call', callId);
    if (action === 'stop') {
      this.decided.add(callId);
      const a = this.active.get(callId);
      if (a) this.finish(a);
      return;
    }
    if (call.state !== 'Talking') throw new PbxError('SB_UNPROCESSABLE', `call ${callId} is not talking (state ${call.state})`);
    this.decided.add(callId);
    if (!this.active.has(callId)) await this.start(call);
  }

  list(q?: RecordingQuery): Promise<RecordingInfo[]> {
    return this.rows.list(q);
  }

  /** Recordings in progress, for clients that show a "recording" light (then recording.started / .stopped). */
  inProgress(): ActiveRecording[] {
    return [...this.active.values()].map((a) => ({ callId: a.call.id, recordingId: a.id, startedAt: a.startedAt }));
  }

  get(id: string): Promise<RecordingInfo> {
    return this.rows.get(id);
  }

  revoke(id: string): Promise<RecordingInfo> {
    return this.rows.revoke(id);
  }

  async open(token: string, format: RecordingFormat): Promise<RecordingFile> {
    const row = await this.rows.byToken(token);
    if (!row) throw new PbxError('SB_NOT_FOUND', 'no such recording link');
    return this.fileOf(row, format);
  }

  /** The file of the newest live recording of a call, by its CDR uniqueid (seed 003 /record/{uniqueid}). */
  async fileOfCall(cdrUniqueid: string, format: RecordingFormat): Promise<RecordingFile> {
    const row = await this.rows.liveByUniqueid(cdrUniqueid);
    if (!row) throw new PbxError('SB_NOT_FOUND', `no recording of call ${cdrUniqueid}`);
    return this.fileOf(row, format);
  }

  private async fileOf(row: { path: string; cdrUniqueid: string; id: string }, format: RecordingFormat): Promise<RecordingFile> {
    const path = format === 'mp3' ? row.path : row.path.replace(/\.mp3$/, '.wav');
    const size = await stat(path).then(
      (s) => s.size,
      () => undefined,
    );
    if (size === undefined) throw new PbxError('SB_NOT_FOUND', `the ${format} file of this recording is gone`);
    return { path, size, contentType: format === 'mp3' ? 'audio/mpeg' : 'audio/wav', name: `${row.cdrUniqueid !== '' ? row.cdrUniqueid : row.id}.${format}` };
  }

  /** Stops every recording and waits until each is converted and stored (shutdown). */
  async close(): Promise<void> {
    for (const a of [...this.active.values()]) this.finish(a);
    // Calls hung up at shutdown get their CDR in a moment, or never if the store goes first.
    if (this.finishing.size > 0) {
      setTimeout(() => {
        for (const w of this.cdrWaiters.values()) w.resolve('');
      }, 2000).unref();
    }
    while (this.finishing.size > 0) await Promise.all([...this.finishing]);
    this.closed = true;
    this.unsubscribe();
  }

  private onEvent(e: PbxEvent): void {
    if (e.type === 'call.updated') {
      const info = (e as PbxEvent<'call.updated'>).payload.call;
      if (info.state === 'Talking') this.talking(info).catch((err: unknown) => this.failed(err, 'starting a recording failed', { call: info.id }));
    } else if (e.type === 'call.ended') {
      const p = (e as PbxEvent<'call.ended'>).payload;
      this.decided.delete(p.call.id);
      this.cdrWaiters.get(p.call.id)?.resolve(p.cdrUniqueid);
    }
  }

  private async talking(info: CallInfo): Promise<void> {
    if (this.closed || this.decided.has(info.id)) return;
    this.decided.add(info.id);
    const call = this.o.calls.get(info.id);
    if (!call || call.isEnded) return;
    const dns = info.participants.filter((p) => p.dnType === 'Extension').map((p) => p.dn);
    if (dns.length === 0) return;
    const rows = await this.o.store.db.selectFrom('extensions').select(['recording']).where('number', 'in', dns).execute();
    if (policyRecords(rows.map((r) => r.recording), info.direction) && !call.isEnded && !this.active.has(call.id)) await this.start(call);
  }

  private async start(call: Call): Promise<void> {
    const id = randomUUID();
    const startedAt = new Date();
    const day = startedAt.toISOString().slice(0, 10);
    const recorder = await WavRecorder.open({
      path: join(this.o.dataDir, 'recordings', day, `${id}.wav`),
      channels: this.o.channels ?? 1,
      onError: (err) => this.failed(err, 'writing a recording failed', { recording: id, call: call.id }),
    });
    if (this.active.has(call.id)) {
      // Two starts raced (policy and API): keep the first.
      await recorder.stop();
      return;
    }
    const participants = new Map<string, RecordingParticipant>();
    for (const p of call.info().participants) if (p.status === 'Connected' || p.status === 'Held') participants.set(p.id, party(p));
    const onChanged = (info: CallInfo): void => {
      if (info.state === 'Talking') this.retap(a);
    };
    const onParticipant = (p: Participant): void => {
      if (p.status === 'Connected') participants.set(p.id, party(p));
    };
    const onEnded = (): void => {
      this.finish(a);
      // The CDR is written right after the call ends; do not wait forever for its event.
      const w = this.cdrWaiter(call.id);
      setTimeout(() => w.resolve(''), this.o.cdrWaitMs ?? 10_000).unref();
    };
    const a: Active = {
      id,
      call,
      recorder,
      startedAt: startedAt.toISOString(),
      participants,
      tapped: [],
      detach: () => {
        call.off('changed', onChanged);
        call.off('participant', onParticipant);
        call.off('ended', onEnded);
      },
    };
    this.active.set(call.id, a);
    this.announce('recording.started', a);
    // Known to the store while it records: a crash leaves a WAV that the next start stores (recording-recovery.ts).
    this.o.store.db
      .insertInto('openRecordings')
      .values({ id, callId: call.id, path: recorder.path, channels: recorder.channels, startedAt: a.startedAt, participants: JSON.stringify([...participants.values()]) })
      .execute()
      .catch((err: unknown) => this.o.logger.error({ err, recording: id }, 'journaling a recording failed'));
    this.cdrWaiter(call.id);
    call.on('changed', onChanged);
    call.on('participant', onParticipant);
    call.once('ended', onEnded);
    if (call.isEnded) return onEnded();
    this.retap(a);
  }

  /**
   * Taps the call's current legs: the caller's as source 0, the connected
   * callee's as source 1; a mixed call (barge-in…) records the mixer's mix as source 0.
   */
  private retap(a: Active): void {
    const { relay, caller, callee, mixer } = a.call.mediaTap();
    if (mixer) {
      for (const leg of a.tapped) relay.setTap(leg, undefined);
      a.tapped = [];
      mixer.setTap(a.recorder.tap(0));
      return;
    }
    for (const leg of a.tapped) if (leg !== caller && leg !== callee) relay.setTap(leg, undefined);
    a.tapped = [];
    if (relay.setTap(caller, a.recorder.tap(0))) a.tapped.push(caller);
    if (callee !== undefined && relay.setTap(callee, a.recorder.tap(1))) a.tapped.push(callee);
  }

  private finish(a: Active): void {
    if (this.active.get(a.call.id) !== a) return;
    this.active.delete(a.call.id);
    this.announce('recording.stopped', a);
    a.detach();
    const { relay, mixer } = a.call.mediaTap();
    for (const leg of a.tapped) relay.setTap(leg, undefined);
    mixer?.setTap(undefined);
    const done = this.store(a).catch((err: unknown) => this.failed(err, 'finishing a recording failed', { recording: a.id, call: a.call.id }));
    this.finishing.add(done);
    void done.finally(() => this.finishing.delete(done));
  }

  private announce(type: 'recording.started' | 'recording.stopped', a: Active): void {
    this.o.store.events.append(type, { callId: a.call.id, recordingId: a.id, startedAt: a.startedAt }).catch((err: unknown) => this.o.logger.error({ err, recording: a.id }, `announcing ${type} failed`));
  }

  private async store(a: Active): Promise<void> {
    const wav = await a.recorder.stop();
    const mp3Path = wav.path.replace(/\.wav$/, '.mp3');
    const mp3 = await wavToMp3(wav.path, mp3Path, { channels: wav.channels });
    const cdrUniqueid = await this.cdrWaiter(a.call.id).promise;
    const recording = await this.rows.insert({
      id: a.id,
      callId: a.call.id,
      cdrUniqueid,
      participants: [...a.participants.values()],
      startedAt: a.startedAt,
      durationMs: wav.durationMs,
      size: mp3.bytes,
      format: 'mp3',
      path: mp3Path,
      token: randomBytes(24).toString('base64url'),
    });
    await this.o.store.db.deleteFrom('openRecordings').where('id', '=', a.id).execute();
    await this.o.store.events.append('recording.ready', { recording });
    if (!a.recorder.writeFailed) this.o.alarms?.diskWriteSucceeded('recordings');
  }

  /**
   * A recording could not be started, written or finished. The call is not
   * touched (its audio does not go through the file). A disk error raises the
   * alarm (once); anything else is logged.
   */
  private failed(err: unknown, what: string, about: Record<string, string>): void {
    if (this.o.alarms && diskAlarmReason(err) !== undefined) {
      this.o.logger.warn({ ...about, reason: (err as Error).message }, what);
      this.o.alarms.diskWriteFailed('recordings', join(this.o.dataDir, 'recordings'), err);
    } else {
      this.o.logger.error({ err, ...about }, what);
    }
  }

  private cdrWaiter(callId: string): { promise: Promise<string>; resolve: (uniqueid: string) => void } {
    let w = this.cdrWaiters.get(callId);
    if (!w) {
      let resolve!: (uniqueid: string) => void;
      const promise = new Promise<string>((r) => (resolve = r));
      w = { promise, resolve };
      this.cdrWaiters.set(callId, w);
      // Forget it once answered, after any recording of the call had the chance to read it.
      void promise.then(() => setTimeout(() => this.cdrWaiters.delete(callId), 60_000).unref());
    }
    return w;
  }
}
