// WireCRM call notifications (seed 002), derived from the event log and
// written to the webhook outbox in the event's own transaction, so the CRM
// hears of every call even when it is down for a while. Which call makes which
// notifications:
// - a call from outside (direction Inbound), or, when crmInternalCalls is on,
//   a call a phone makes to another extension: NOTIFY_START when it comes in,
//   NOTIFY_INTERNAL once per extension that starts ringing, NOTIFY_END;
// - a call the API places (click-to-call from the CRM or /api/v1/calls), or a
//   call to outside (direction Outbound): NOTIFY_OUT_START, NOTIFY_OUT_END.
import { randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { EventWriter } from '../../store/event-log.ts';
import type { EventType, PbxEvent } from '../../core/events.ts';
import type { CallInfo } from '../../core/calls.ts';
import type { Outbox, OutboxMessage } from '../webhooks/outbox.ts';
import { encodeMultipart } from '../webhooks/multipart.ts';
import { callStart, crmDisposition, pbxCallId, type CrmDirection } from './wirecrm-fields.ts';

export interface WireCrmOptions {
  url: string;
  /** NOTIFY_* names to send. */
  events: string[];
  internalCalls: boolean;
  timeZone: string;
  onCommitted: () => void;
}

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

const WANTED = new Set<EventType>(['call.created', 'participant.updated', 'call.ended']);

export class WireCrmNotifier implements EventWriter {
  private readonly calls = new Map<string, CallState>();
  private readonly salt = randomBytes(16).toString('hex');
  private readonly enabled: Set<string>;

  constructor(
    private readonly outbox: Outbox,
    private readonly o: WireCrmOptions,
  ) {
    this.enabled = new Set(o.events);
  }

  wants(type: EventType): boolean {
    return WANTED.has(type);
  }

  async write(trx: Transaction<Database>, event: PbxEvent): Promise<void> {
    const messages = await this.notifications(trx, event);
    await this.outbox.enqueue(trx, messages.filter((m) => this.enabled.has(m.eventType)));
  }

  committed(): void {
    this.o.onCommitted();
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
      const end = { duration: String(billsec), disposition: crmDisposition(disposition, failureStatus) };
      if (state.direction === 'out') return [this.message(event, state, 'NOTIFY_OUT_END', { caller_id: state.callerId, destination: state.dialled, internal: state.internal, ...end })];
      return [this.message(event, state, 'NOTIFY_END', { caller_id: state.callerId, called_did: state.dialled, ...(state.internal !== '' ? { internal: state.internal } : {}), ...end })];
    }
    return [];
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
    return { subscriptionId: null, url: this.o.url, eventType: name, eventSeq: event.seq, messageId: `${state.pbxCallId}.${name}${tag !== '' ? `.${tag}` : ''}`, contentType, body };
  }
}
