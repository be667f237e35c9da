// The B2BUA: every INVITE from a phone becomes a Call. It authenticates the
// caller (407, RFC 3261 §22.3), finds the dialled extension and its devices,
// rings them all, and keeps the live calls the APIs list and control. The
// end of every call writes its CDR, then announces it. The verbs live
// beside it: transfer-verbs.ts (transfers, routeto, divert, REFER),
// make-call.ts (click-to-call), trunk-invite.ts (a trunk's INVITE),
// router-wiring.ts (what the router reaches: queues, IVRs, feature codes).
import type { Logger } from 'pino';
import { createResponse, stringifyUri, type SipRequest } from '../../sip/message/index.ts';
import type { InviteServerTransaction, ServerTransaction } from '../../sip/transaction/index.ts';
import type { Registrar } from '../../sip/registrar/registrar.ts';
import type { AuthFailureGuard } from '../../sip/security/auth-failure-guard.ts';
import type { Store } from '../../store/index.ts';
import type { CallInfo } from '../../core/calls.ts';
import { PbxError } from '../../core/errors.ts';
import { MediaRelay } from '../../media/relay.ts';
import type { PortAllocator } from '../../media/port-allocator.ts';
import type { LocationService } from '../../sip/registrar/location-service.ts';
import type { CdrWriter } from '../cdr/cdr-writer.ts';
import type { OpenCallJournal } from '../cdr/open-call-journal.ts';
import { UasLeg } from './uas-leg.ts';
import { Call } from './call.ts';
import { LiveCalls } from './live-calls.ts';
import { ExtensionReach } from './extension-reach.ts';
import type { CallParty, CallerSide } from './call-ends.ts';
import type { MixerMode } from '../../media/mixer.ts';
import { ConferenceRooms, type ConferenceRoomInfo } from '../conference/conference-rooms.ts';
import { DialPlan } from '../routing/dial-plan.ts';
import type { CallRouter } from '../routing/call-router.ts';
import { TrunkLines } from '../routing/trunk-lines.ts';
import { TrunkChannels } from '../routing/trunk-channels.ts';
import { VoicemailService } from '../voicemail/voicemail-service.ts';
import { VoicemailStore } from '../voicemail/voicemail-store.ts';
import { readAudio } from './sdp-media.ts';
import type { LegContext } from './leg-context.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IvrPrompts } from '../features/ivr-prompt.ts';
import type { QueueService } from '../acd/queue-service.ts';
import { RoutePointApps } from '../route-points/route-point-apps.ts';
import { giveUpUnanswered } from './answer-deadline.ts';
import { RoutingAdvisorSlot, type RoutingAdvisor } from './routing-advisor.ts';
import { authenticateInvite } from './invite-auth.ts';
import { RouteAnywhere } from './route-anywhere.ts';
import { ParkingLot } from '../features/park.ts';
import type { ParkedCall } from '../../core/parking.ts';
import type { QueueHandover } from '../acd/handover.ts';
import type { QueueLoginWriter } from '../features/queue-login-code.ts';
import { TransferVerbs } from './transfer-verbs.ts';
import { makeCall } from './make-call.ts';
import { fromTrunk, type TrunkInviteDeps } from './trunk-invite.ts';
import { wireCallRouter } from './router-wiring.ts';
import type { CallIds } from './call-ids.ts';

export interface B2buaOptions {
  ctx: LegContext;
  store: Store;
  /** Where phones are: this node's bindings and, in a cluster, the other nodes' (ReachableLocations). */
  locations: LocationService;
  registrar: Registrar;
  guard: AuthFailureGuard;
  allocator: PortAllocator;
  logger: Logger;
  /** The PBX time zone (office hours of inbound rules). */
  timeZone?: string;
  /** Longest a call may last, in seconds (dead calls are torn down). */
  maxCallSeconds?: number;
  /** Hang up a talking call that carried no RTP for this long. */
  rtpTimeoutSeconds?: number;
  /** Where generated IVR prompts are kept (a temporary directory when unset). */
  dataDir?: string;
  /** The ACD serving calls to queues (src/engine/acd); queues are not served without it. */
  queues?: QueueService;
  /** The CDR writer (shared with crash recovery, so uniqueids stay unique). */
  cdr?: CdrWriter;
  /** Keeps each live call in the store, for its CDR after a crash. */
  journal?: OpenCallJournal;
  /** Conference room numbers (SWITCHBOARD_CONFERENCE_ROOMS); none when unset. */
  conferenceRooms?: { min: number; max: number } | undefined;
  /** Seconds a parked call waits before its parker is rung back (default 120). */
  parkTimeoutSeconds?: number;
  /** Where call ids come from: unique across restarts and nodes (call-ids.ts). */
  callIds: CallIds;
}

export type { RoutingAdvice, RoutingAdvisor } from './routing-advisor.ts';

export class B2bua {
  private readonly calls: LiveCalls;
  private readonly reach: ExtensionReach;
  private readonly dialPlan: DialPlan;
  private readonly router: CallRouter;
  private readonly trunks: TrunkLines;
  private readonly trunkChannels = new TrunkChannels();
  private readonly prompts: IvrPrompts;
  readonly voicemail: VoicemailService;
  private readonly advisor: RoutingAdvisorSlot;
  private readonly rooms: ConferenceRooms;
  /** The applications of route points and the calls waiting for them (seed 001). */
  readonly routePoints = new RoutePointApps();
  private readonly anywhere: RouteAnywhere;
  /** Park orbits *71–*79 (src/engine/features/park.ts). */
  readonly parking: ParkingLot;
  /** Writes queue log-ins for the *62/*63 codes (PbxControl's, so the change is announced); set by the server. */
  private queueLoginWriter: QueueLoginWriter | undefined;
  /** The clock office hours are read by (tests set it to a chosen instant). */
  officeClock: () => Date = () => new Date();
  /** In a cluster: queue callers go to the queue's owner node, which takes them from its fellow nodes. */
  private handover: QueueHandover | undefined;
  /** Transfers, routeto, divert and REFER (transfer-verbs.ts). */
  private readonly transfers: TransferVerbs;
  /** What a trunk's INVITE needs (trunk-invite.ts). */
  private readonly trunkInvite: TrunkInviteDeps;

  constructor(private readonly o: B2buaOptions) {
    this.reach = new ExtensionReach(o.store, o.locations, o.ctx.host);
    this.calls = new LiveCalls({ store: o.store, logger: o.logger, cdr: o.cdr, journal: o.journal, maxCallSeconds: o.maxCallSeconds, rtpTimeoutSeconds: o.rtpTimeoutSeconds, queueOf: (id) => o.queues?.queueOf(id), referred: (call, refer) => this.transfers.referred(call, refer) });
    this.rooms = new ConferenceRooms(o.conferenceRooms, (m) => {
      o.store.events.append('conference.member', m).catch((err: unknown) => o.logger.error({ err }, 'conference event not logged'));
    });
    this.dialPlan = new DialPlan(o.store);
    this.advisor = new RoutingAdvisorSlot(o.logger, async (n) => (await this.dialPlan.lookup(n)) !== undefined);
    this.trunks = new TrunkLines(o.store, o.ctx);
    this.prompts = new IvrPrompts(o.dataDir ?? join(tmpdir(), 'switchboard'), o.logger);
    this.voicemail = new VoicemailService(o.store, new VoicemailStore(o.store, o.dataDir ?? join(tmpdir(), 'switchboard')), (text) => this.prompts.say(text), o.timeZone ?? 'UTC');
    this.anywhere = new RouteAnywhere({
      lookup: (n) => this.dialPlan.lookup(n),
      extension: (n) => this.dialPlan.extension(n),
      outboundRule: (n, caller) => this.router.outboundRule(n, caller),
      route: (call, n, from) => this.routeCall(call, n, from),
      external: (call, n, caller) => void this.router.external(call, n, caller).catch((err: unknown) => this.routingFailed(call, err)),
      address: (n, name) => this.reach.address(n, name),
      inQueue: (id) => o.queues?.queueOf(id) !== undefined,
    });
    this.parking = new ParkingLot({
      timeoutSeconds: o.parkTimeoutSeconds ?? 120,
      logger: o.logger,
      announce: (type, payload) => void o.store.events.append(type, payload).catch((err: unknown) => o.logger.error({ err }, 'park event not logged')),
      ringBack: async (call, pid, parker) => this.anywhere.sendOn(call, pid, parker, { kind: 'routed' }),
    });
    this.router = wireCallRouter({
      ctx: o.ctx,
      store: o.store,
      logger: o.logger,
      queues: o.queues,
      dialPlan: this.dialPlan,
      reach: this.reach,
      trunks: this.trunks,
      trunkChannels: this.trunkChannels,
      prompts: this.prompts,
      voicemail: this.voicemail,
      routePoints: this.routePoints,
      parking: this.parking,
      calls: () => this.calls.values(),
      handover: () => this.handover,
      queueLoginWriter: () => this.queueLoginWriter,
    });
    this.transfers = new TransferVerbs({
      call: (callId, participantId) => this.call(callId, participantId),
      calls: () => this.calls.values(),
      reach: this.reach,
      anywhere: this.anywhere,
      parking: this.parking,
      makeCall: (from, to, device) => this.makeCall(from, to, device),
      logger: o.logger,
    });
    this.trunkInvite = {
      store: o.store,
      reach: this.reach,
      router: this.router,
      trunkChannels: this.trunkChannels,
      advisor: this.advisor,
      timeZone: o.timeZone ?? 'UTC',
      now: () => this.officeClock(),
      newCall: (request, tx, direction, caller, dialled, did) => this.newCall(request, tx, direction, caller, dialled, did),
      route: (call, number, from) => this.routeCall(call, number, from),
      routingFailed: (call, err) => this.routingFailed(call, err),
    };
    o.ctx.stack.on('INVITE', (request, tx) => this.invite(request, tx as InviteServerTransaction));
    o.ctx.stack.setDialogUser({
      inDialog: (request, tx) => o.ctx.dialogs.request(request, tx),
      ack: (ack) => o.ctx.dialogs.ack(ack),
      cancel: (cancelTx, invite) => this.cancel(cancelTx, invite),
    });
  }

  /**
   * Asks `advise` about every new call before it rings; past `timeoutMs`, or
   * on an error, the call goes on as dialled.
   */
  setRoutingAdvisor(advise: RoutingAdvisor, timeoutMs: number): void {
    this.advisor.set(advise, timeoutMs);
  }

  /** Joins the cluster's queues (src/engine/cluster/queue-handover.ts). */
  useQueueHandover(handover: QueueHandover): void {
    this.handover = handover;
  }

  /** How the *62/*63 codes log agents in and out (PbxControl.queues.setLogin). */
  setQueueLogin(write: QueueLoginWriter): void {
    this.queueLoginWriter = write;
  }

  list(): CallInfo[] {
    return [...this.calls.values()].map((c) => c.info());
  }

  /** Extensions with a participant in a live call (not ended), without building every CallInfo. */
  busyExtensions(): Set<string> {
    const busy = new Set<string>();
    for (const c of this.calls.values()) for (const p of c.participantsNow()) if (p.status !== 'Ended' && p.dnType === 'Extension') busy.add(p.dn);
    return busy;
  }

  get(id: string): Call | undefined {
    return this.calls.get(id);
  }

  get size(): number {
    return this.calls.size;
  }

  /** Drops a participant: for a two-party call that ends the call (seed 000 drop). */
  drop(callId: string, participantId: string): void {
    this.call(callId, participantId).drop(participantId);
  }

  private call(callId: string, participantId?: string): Call {
    const call = this.calls.get(callId);
    if (!call) throw new PbxError('SB_NOT_FOUND', `call ${callId} does not exist`);
    if (participantId !== undefined && !call.participant(participantId)) throw new PbxError('SB_NOT_FOUND', `participant ${participantId} is not in call ${callId}`);
    return call;
  }

  /** Blind transfer (API, and a phone's REFER): `participantId` goes to `destination`, its partner leaves. */
  async blindTransfer(callId: string, participantId: string, destination: string): Promise<void> {
    return this.transfers.blindTransfer(callId, participantId, destination);
  }

  /** Parks the participant's partner in a free orbit; the participant leaves (src/engine/features/park.ts). */
  async park(callId: string, participantId: string): Promise<ParkedCall> {
    return this.parking.park(this.call(callId, participantId), participantId);
  }

  parked(): ParkedCall[] {
    return this.parking.list();
  }

  /** Consultation for an attended transfer (API): the partner is held, the participant's phone calls `destination`. */
  async consult(callId: string, participantId: string, destination: string): Promise<CallInfo> {
    return this.transfers.consult(callId, participantId, destination);
  }

  /** Completes an attended transfer (API): the partners in `callId` and `consultCallId` talk to each other. */
  async attendedTransfer(callId: string, participantId: string, consultCallId: string): Promise<void> {
    return this.transfers.attendedTransfer(callId, participantId, consultCallId);
  }

  /** Seed 000 `join`: the extension's two connected calls are joined and it leaves both. */
  async join(extension: string): Promise<CallInfo> {
    return this.transfers.join(extension);
  }

  /** Seed 001 transferto: the partner is held while `destination` rings; 424 when it does not answer. */
  async transferTo(callId: string, participantId: string, destination: string): Promise<void> {
    return this.transfers.transferTo(callId, participantId, destination);
  }

  /** Seed 001 routeto: `destination` rings too and takes the participant's place when it answers. */
  async routeTo(callId: string, participantId: string, destination: string): Promise<void> {
    return this.transfers.routeTo(callId, participantId, destination);
  }

  /**
   * Seed 001 answer: only for devices under direct control (uaCSTA) or route
   * points. No phone of ours is under direct control yet, so a ringing
   * participant cannot be answered remotely: 422, as 3CX answers it then.
   */
  async answer(callId: string, participantId: string): Promise<void> {
    const p = this.call(callId, participantId).participant(participantId);
    if (this.routePoints.owns(participantId)) return this.routePoints.answer(participantId);
    if (p?.status !== 'Ringing') throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} is not ringing`);
    throw new PbxError('SB_UNPROCESSABLE', `the device of participant ${participantId} does not support direct control`);
  }

  /** Divert a ringing participant's call to another extension (seed 001 divert). */
  async divert(callId: string, participantId: string, destination: string): Promise<void> {
    return this.transfers.divert(callId, participantId, destination);
  }


  /**
   * Barge-in, listen, whisper (issue 6): rings the supervisor extension's
   * devices and mixes the one that answers into the call in `mode`
   * (src/engine/conference/mixed-call.ts). Returns once they ring.
   */
  async supervise(supervisor: string, callId: string, mode: MixerMode, whisperTo?: string, device?: string): Promise<CallInfo> {
    const call = this.call(callId, whisperTo);
    const row = await this.reach.extension(supervisor);
    if (!row) throw new PbxError('SB_NOT_FOUND', `extension ${supervisor} does not exist`);
    const targets = this.reach.targetsOf(supervisor, device);
    if (row.enabled !== 1 || targets.length === 0) throw new PbxError('SB_UNPROCESSABLE', `extension ${supervisor} has no registered device${device !== undefined ? ` matching "${device}"` : ''}`);
    const owner = call.participant(call.info().owner);
    if (mode === 'whisper' && whisperTo === undefined) {
      // The agent: the answered callee if it is an extension, else the caller.
      const agent = [call.calleeParticipant, owner].find((p) => p?.dnType === 'Extension' && p.status !== 'Ended');
      if (!agent) throw new PbxError('SB_UNPROCESSABLE', `call ${callId} has no connected extension to whisper to`);
      whisperTo = agent.id;
    }
    // A supervisor already there switches mode (listen → whisper → barge) in the mixer.
    if (call.changeMode(supervisor, mode, whisperTo)) return call.info();
    if (call.info().participants.some((p) => p.dn === supervisor && p.status !== 'Ended')) throw new PbxError('SB_CONFLICT', `extension ${supervisor} is already in call ${callId}`);
    await call.addMember(this.reach.party(row), targets, mode, whisperTo, row.noAnswerTimeout, this.reach.address(owner?.partyNumber ?? '', owner?.partyName ?? ''), this.reach.address(row.number));
    return call.info();
  }

  /** Who is in a conference room now. */
  conference(number: string): ConferenceRoomInfo {
    return this.rooms.info(number);
  }

  mute(callId: string, participantId: string, muted: boolean): void {
    this.call(callId, participantId).setMuted(participantId, muted);
  }

  /** Hold or resume a connected participant (API). */
  async hold(callId: string, participantId: string, held: boolean): Promise<void> {
    const call = this.call(callId);
    if (held) await call.hold(participantId);
    else await call.resume(participantId);
  }

  private async invite(request: SipRequest, tx: InviteServerTransaction): Promise<void> {
    const handed = this.handover?.handedOver(request, tx.flow);
    if (handed) return this.handedOver(request, tx, handed);
    const trunk = await this.trunks.bySource(tx.flow);
    if (trunk) return fromTrunk(this.trunkInvite, request, tx, trunk);
    const callerNumber = await authenticateInvite(this.o, request, tx);
    if (callerNumber === undefined) return;
    const uri = request.uri;
    const dialled = uri.kind === 'sip' ? (uri.user ?? '') : uri.kind === 'tel' ? uri.number : '';
    const [callerRow, entry] = await Promise.all([this.reach.extension(callerNumber), this.dialPlan.lookup(dialled)]);
    if (!callerRow || callerRow.enabled !== 1) {
      tx.respond(createResponse(request, 403, 'Forbidden', 'off'));
      return;
    }
    if (!entry && this.rooms.isRoom(dialled)) {
      const call = this.newCall(request, tx, 'Internal', this.reach.party(callerRow), dialled, '');
      if (call.callerCodecs.length === 0) return call.fail(488, 'FAILED');
      return this.rooms.enter(dialled, call).catch((err: unknown) => this.routingFailed(call, err));
    }
    // Not a number of ours: an outside number, if an outbound rule takes it.
    if (!entry && !(await this.router.outboundRule(dialled, callerRow.number))) {
      tx.respond(createResponse(request, 404, 'Not Found', 'nf'));
      return;
    }
    const caller = this.reach.party(callerRow);
    const call = this.newCall(request, tx, entry ? 'Internal' : 'Outbound', caller, dialled, '');
    if (call.callerCodecs.length === 0) return call.fail(488, 'FAILED');
    const advice = await this.advisor.advise(call);
    if (call.isEnded) return;
    const from = this.reach.address(caller.number, advice?.callerName ?? (caller.name || caller.number));
    const redirect = advice?.redirect;
    if (redirect !== undefined || entry) return this.routeCall(call, redirect ?? dialled, from);
    const ext = await this.dialPlan.extension(callerRow.number);
    this.router.external(call, dialled, ext).catch((err: unknown) => this.routingFailed(call, err));
  }

  /**
   * A queue caller a fellow node sent on (it owns the caller's media; we own
   * the queue): the caller is who its P-Asserted-Identity says. Only queues
   * are handed over; anything else is 404.
   */
  private async handedOver(request: SipRequest, tx: InviteServerTransaction, caller: { number: string; name: string }): Promise<void> {
    const dialled = request.uri.kind === 'sip' ? (request.uri.user ?? '') : '';
    const [entry, row] = await Promise.all([this.dialPlan.lookup(dialled), this.reach.extension(caller.number)]);
    if (entry?.kind !== 'queue') return void tx.respond(createResponse(request, 404, 'Not Found', 'nf'));
    const party: CallParty = row ? this.reach.party(row) : { dn: caller.number, dnType: 'ExternalLine', number: caller.number, name: caller.name };
    const call = this.newCall(request, tx, row ? 'Internal' : 'Inbound', party, dialled, '');
    if (call.callerCodecs.length === 0) return call.fail(488, 'FAILED');
    this.routeCall(call, dialled, this.reach.address(party.number, caller.name || party.name || party.number));
  }

  /** A call that came in on a phone's or a trunk's INVITE. */
  private newCall(request: SipRequest, tx: InviteServerTransaction, direction: 'Internal' | 'Outbound' | 'Inbound', caller: CallParty, dialled: string, did: string): Call {
    const uas = new UasLeg(this.o.ctx, request, tx);
    const relay = new MediaRelay({ allocator: this.o.allocator, host: this.o.ctx.host });
    const contact = request.contacts[0];
    const call = new Call(this.o.callIds.next(), direction, this.o.ctx, relay, uas, caller, contact ? stringifyUri(contact.uri) : '', readAudio(request), dialled, did);
    this.calls.track(call, tx, caller, dialled);
    return call;
  }

  private routingFailed(call: Call, err: unknown): void {
    this.o.logger.error({ err, call: call.id }, 'call routing failed');
    call.fail(503, 'FAILED');
  }

  /** Hands the call to the router; a failure inside it ends the call rather than leaving it hanging. */
  private routeCall(call: Call, number: string, from: string): void {
    this.router.route(call, number, from).catch((err: unknown) => this.routingFailed(call, err));
  }

  /** Click-to-call (seed 000 makecall, seed 002): make-call.ts. */
  async makeCall(from: string, to: string, device?: string, timeoutSeconds?: number): Promise<CallInfo> {
    return makeCall({ ctx: this.o.ctx, allocator: this.o.allocator, reach: this.reach, dialPlan: this.dialPlan, place: (relay, caller, party, dest, timeout) => this.place(relay, caller, party, dest, timeout) }, from, to, device, timeoutSeconds);
  }

  /** A call the PBX places from a caller side it built (a phone rung first, a route point's application); `route` dials `to`. */
  private place(relay: MediaRelay, caller: CallerSide, party: CallParty, to: string, timeoutSeconds: number | undefined): { call: Call; route(): CallInfo } {
    const call = new Call(this.o.callIds.next(() => relay.close()), 'Internal', this.o.ctx, relay, caller, party, '', undefined, to, '');
    this.calls.track(call, undefined, party, to);
    giveUpUnanswered(call, timeoutSeconds);
    const route = (): CallInfo => {
      this.routeCall(call, to, this.reach.address(party.number, party.name || party.number));
      return call.info();
    };
    return { call, route };
  }

  /** §9.2: 200 to the CANCEL, then the call answers its INVITE with 487. */
  private cancel(cancelTx: ServerTransaction, invite: InviteServerTransaction | undefined): void {
    const call = invite ? this.calls.ofInvite(invite) : undefined;
    cancelTx.respond(createResponse(cancelTx.request, call || invite ? 200 : 481, undefined, 'cancel'));
    if (call) call.callerCancelled();
    else if (invite && !invite.finalResponse) invite.respond(createResponse(invite.request, 487, 'Request Terminated', 'cancel'));
  }

  /** Ends every call (shutdown). */
  closeAll(): void {
    this.parking.close();
    this.calls.close();
    this.rooms.close();
  }
}
