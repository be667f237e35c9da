// WireCRM call notifications (seed 002), derived from the event log and
// written to the webhook outbox in the event's own transaction, so the CRM
// hears of every call even when it is down for a while. Which call makes which
// notifications:
// - a call from outside (direction Inbound), or, when crmInternalCalls is on,
//   a call a phone makes to another extension: NOTIFY_START when it comes in,
//   NOTIFY_INTERNAL once per extension that starts ringing, NOTIFY_END;
// - a call the API places (click-to-call from the CRM or /api/v1/calls), or a
//   call to outside (direction Outbound): NOTIFY_OUT_START, NOTIFY_OUT_END;
// - then, for any of these calls, NOTIFY_RECORD once per recording that
//   becomes ready (`recording.ready`, usually just after the call ended), with
//   the call's pbx_call_id and the recording's permanent link made absolute.
import { randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { EventWriter } from '../../store/event-log.ts';
import type { EventType, PbxEvent } from '../../core/events.ts';
import type { CallInfo } from '../../core/calls.ts';
import type { RecordingInfo } from '../../core/recordings.ts';
import type { Outbox, OutboxMessage } from '../webhooks/outbox.ts';
import { encodeMultipart } from '../webhooks/multipart.ts';
import type { HttpPoster } from '../webhooks/http-post.ts';
import { callStart, crmDisposition, pbxCallId, type CrmDirection } from './wirecrm-fields.ts';

export interface WireCrmOptions {
  url: string;
  /** NOTIFY_* names to send. */
  events: string[];
  internalCalls: boolean;
  timeZone: string;
  onCommitted: () => void;
  /** Sends NOTIFY_START at once and reads its reply (caller_name, redirect). */
  poster: HttpPoster;
  /** How long a call waits for that reply before it rings as routed. */
  replyTimeoutMs: number;
  /** The HTTP API's absolute base URL (no trailing slash), for record_link. */
  publicUrl: () => string;
}

/** What the CRM's reply to NOTIFY_START asks for (seed 002). */
export interface CrmAdvice {
  callerName?: string;
  redirect?: string;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const STEER_OWNER = 'wirecrm-reply';

interface CallState {
  direction: CrmDirection;
  pbxCallId: string;
  callStart: string;
  callerId: string;
  /** in: the number called; out: the destination. */
  dialled: string;
  /** The extension that rang last, or answered, or placed the call. */
  internal: string;
  rung: Set<string>;
}

const WANTED = new Set<EventType>(['call.created', 'participant.updated', 'call.ended', 'recording.ready']);

/**
 * How many ended calls keep their pbx_call_id for a recording still being
 * encoded. A recording is ready seconds after its call ends; the oldest are
 * forgotten first so memory stays bounded on a busy PBX.
 */
const ENDED_KEPT = 10_000;

export class WireCrmNotifier implements EventWriter {
  private readonly calls = new Map<string, CallState>();
  /** Ended calls the CRM was told about: call id → pbx_call_id, oldest first. */
  private readonly ended = new Map<string, string>();
  private readonly salt = randomBytes(16).toString('hex');
  private readonly enabled: Set<string>;
  /** Per new call: the NOTIFY_START row (leased for the synchronous attempt), once committed. */
  private readonly starts = new Map<string, Deferred<{ rowId: number; url: string; headers: Record<string, string>; body: string } | undefined>>();

  constructor(
    private readonly outbox: Outbox,
    private readonly o: WireCrmOptions,
  ) {
    this.enabled = new Set(o.events);
  }

  wants(type: EventType): boolean {
    return WANTED.has(type);
  }

  private readonly written = new Map<number, { rowId: number; url: string; headers: Record<string, string>; body: string }>();

  async write(trx: Transaction<Database>, event: PbxEvent): Promise<void> {
    const messages = (await this.notifications(trx, event)).filter((m) => this.enabled.has(m.eventType));
    const ids = await this.outbox.enqueue(trx, messages);
    const start = messages.findIndex((m) => m.eventType === 'NOTIFY_START');
    const m = messages[start];
    if (m && ids[start] !== undefined) this.written.set(event.seq, { rowId: ids[start], url: m.url, headers: { 'content-type': m.contentType }, body: m.body });
  }

  committed(event: PbxEvent): void {
    if (event.type === 'call.created') {
      const callId = (event as PbxEvent<'call.created'>).payload.call.id;
      const start = this.written.get(event.seq);
      this.written.delete(event.seq);
      this.startOf(callId).resolve(start);
    } else if (event.type === 'call.ended') {
      this.starts.delete((event as PbxEvent<'call.ended'>).payload.call.id);
    }
    this.o.onCommitted();
  }

  private startOf(callId: string): Deferred<{ rowId: number; url: string; headers: Record<string, string>; body: string } | undefined> {
    let d = this.starts.get(callId);
    if (!d) {
      d = deferred();
      this.starts.set(callId, d);
    }
    return d;
  }

  /**
   * Sends the call's NOTIFY_START now and returns what the reply asks for,
   * within replyTimeoutMs. On no answer in time, an error or a reply that
   * is not JSON the call goes on as routed and the row stays in the outbox,
   * which delivers it later (the CRM may then see it twice: at least once).
   */
  async advise(callId: string): Promise<CrmAdvice | undefined> {
    const deadline = Date.now() + this.o.replyTimeoutMs;
    const timeout = new Promise<undefined>((r) => setTimeout(() => r(undefined), this.o.replyTimeoutMs).unref());
    const start = await Promise.race([this.startOf(callId).promise, timeout]);
    this.starts.delete(callId);
    if (!start) return undefined;
    const left = deadline - Date.now();
    const result = left > 20 ? await this.o.poster.post(start.url, start.headers, start.body, left) : undefined;
    if (!result || result.status < 200 || result.status >= 300) {
      await this.outbox.release([start.rowId]);
      this.o.onCommitted();
      return undefined;
    }
    await this.outbox.delivered(start.rowId, result.status, result.latencyMs);
    return parseAdvice(result.body);
  }

  private async notifications(trx: Transaction<Database>, event: PbxEvent): Promise<OutboxMessage[]> {
    if (event.type === 'call.created') {
      const { call, origin, dialled } = (event as PbxEvent<'call.created'>).payload;
      const state = await this.classify(trx, call, origin, dialled ?? '');
      if (!state) return [];
      this.calls.set(call.id, state);
      if (state.direction === 'out') return [this.message(event, state, 'NOTIFY_OUT_START', { caller_id: state.callerId, internal: state.internal, destination: state.dialled })];
      return [this.message(event, state, 'NOTIFY_START', { caller_id: state.callerId, called_did: state.dialled })];
    }
    if (event.type === 'participant.updated') {
      const { participant: p } = (event as PbxEvent<'participant.updated'>).payload;
      const state = this.calls.get(p.callId);
      if (!state || state.direction !== 'in' || p.direction !== 'outbound' || p.dnType !== 'Extension') return [];
      if (p.status !== 'Ringing' && p.status !== 'Connected') return [];
      // The one that answers, else the last to ring, is the call's `internal` in NOTIFY_END.
      state.internal = p.dn;
      if (state.rung.has(p.dn)) return [];
      state.rung.add(p.dn);
      return [this.message(event, state, 'NOTIFY_INTERNAL', { caller_id: state.callerId, called_did: state.dialled, internal: p.dn }, p.dn)];
    }
    if (event.type === 'call.ended') {
      const { call, disposition, billsec, failureStatus } = (event as PbxEvent<'call.ended'>).payload;
      const state = this.calls.get(call.id);
      if (!state) return [];
      this.calls.delete(call.id);
      this.remember(call.id, state.pbxCallId);
      const end = { duration: String(billsec), disposition: crmDisposition(disposition, failureStatus) };
      if (state.direction === 'out') return [this.message(event, state, 'NOTIFY_OUT_END', { caller_id: state.callerId, destination: state.dialled, internal: state.internal, ...end })];
      return [this.message(event, state, 'NOTIFY_END', { caller_id: state.callerId, called_did: state.dialled, ...(state.internal !== '' ? { internal: state.internal } : {}), ...end })];
    }
    if (event.type === 'recording.ready') {
      const { recording } = (event as PbxEvent<'recording.ready'>).payload;
      return this.record(event, recording);
    }
    return [];
  }

  /** NOTIFY_RECORD: event, pbx_call_id, record_link, in the seed's order; nothing for a call the CRM never heard of. */
  private record(event: PbxEvent, recording: RecordingInfo): OutboxMessage[] {
    const id = this.calls.get(recording.callId)?.pbxCallId ?? this.ended.get(recording.callId);
    if (id === undefined || recording.link === null) return [];
    const { contentType, body } = encodeMultipart({ event: 'NOTIFY_RECORD', pbx_call_id: id, record_link: `${this.o.publicUrl()}${recording.link}` });
    // One call may have several recordings (start/stop on demand): one notification each.
    return [{ subscriptionId: null, url: this.o.url, eventType: 'NOTIFY_RECORD', eventSeq: event.seq, messageId: `${id}.NOTIFY_RECORD.${recording.id}`, contentType, body }];
  }

  private remember(callId: string, id: string): void {
    this.ended.set(callId, id);
    if (this.ended.size > ENDED_KEPT) {
      const oldest = this.ended.keys().next().value;
      if (oldest !== undefined) this.ended.delete(oldest);
    }
  }

  private async classify(trx: Transaction<Database>, call: CallInfo, origin: 'phone' | 'api' | undefined, dialled: string): Promise<CallState | undefined> {
    const owner = call.participants.find((p) => p.id === call.owner);
    const base = { callStart: callStart(call.startedAt, this.o.timeZone), dialled, rung: new Set<string>() };
    if (origin === 'api' || call.direction === 'Outbound') {
      // seed: caller_id is the number set on the extension or by the outbound rule, else 0.
      const ext = owner ? await trx.selectFrom('extensions').select('outboundCallerId').where('number', '=', owner.dn).executeTakeFirst() : undefined;
      return { ...base, direction: 'out', pbxCallId: pbxCallId('out', call.id, call.startedAt, this.salt), callerId: ext?.outboundCallerId || '0', internal: owner?.dn ?? '' };
    }
    if (call.direction === 'Inbound' || (call.direction === 'Internal' && this.o.internalCalls)) {
      return { ...base, direction: 'in', pbxCallId: pbxCallId('in', call.id, call.startedAt, this.salt), callerId: owner?.partyNumber ?? '', internal: '' };
    }
    return undefined;
  }

  private message(event: PbxEvent, state: CallState, name: string, fields: Record<string, string>, tag = ''): OutboxMessage {
    const { contentType, body } = encodeMultipart({ event: name, call_start: state.callStart, pbx_call_id: state.pbxCallId, ...fields });
    // NOTIFY_START's first attempt is advise()'s, so the deliverer leaves it alone until then.
    const lease = name === 'NOTIFY_START' ? { lease: { owner: STEER_OWNER, until: new Date(Date.now() + this.o.replyTimeoutMs + 5000).toISOString() } } : {};
    return { subscriptionId: null, url: this.o.url, eventType: name, eventSeq: event.seq, messageId: `${state.pbxCallId}.${name}${tag !== '' ? `.${tag}` : ''}`, contentType, body, ...lease };
  }
}

/** {"caller_name":"Иванов Иван"} or {"redirect":"101"}; anything else asks for nothing. */
export function parseAdvice(body: string): CrmAdvice | undefined {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const advice: CrmAdvice = {};
  // A SIP display name is a quoted string (RFC 3261 §25.1): no quotes, backslashes or line breaks.
  if (typeof o.caller_name === 'string') {
    const name = o.caller_name.replace(/["\\\r\n]/g, '').trim().slice(0, 64);
    if (name !== '') advice.callerName = name;
  }
  if (typeof o.redirect === 'string' || typeof o.redirect === 'number') {
    const to = String(o.redirect).trim();
    if (/^[0-9]{2,10}$/.test(to)) advice.redirect = to;
  }
  return advice.callerName !== undefined || advice.redirect !== undefined ? advice : undefined;
}
