// Routing of a call to an internal number, seen through to the end: an
// extension rings its devices and follows its forwarding profile on busy,
// no answer or no registered phone; a ring group rings its members and then
// its no-answer destination. Each hop is a feature driving the call through
// ringStep(); the router only decides what comes next.
import type { Logger } from 'pino';
import type { Destination } from '../../core/directory/common.ts';
import type { Disposition } from '../../core/calls.ts';
import type { Call } from '../b2bua/call.ts';
import type { CallParty, RingTarget } from '../b2bua/call-ends.ts';
import type { UacTarget } from '../b2bua/uac-leg.ts';
import { forwardingFor } from '../features/forwarding.ts';
import { ringGroup } from '../features/ring-group.ts';
import { runIvr, type IvrMenu } from '../features/ivr.ts';
import type { DialPlan, ExtensionEntry, RoutePointEntry } from './dial-plan.ts';
import type { RoutePointApps } from '../route-points/route-point-apps.ts';
import type { OutboundRule } from '../../core/directory/outbound-rule.ts';
import { attempts, matchOutboundRule } from './outbound-rules.ts';
import type { TrunkChannels } from './trunk-channels.ts';
import type { VoicemailService } from '../voicemail/voicemail-service.ts';
import type { AgentRinging, QueueOutcome } from '../acd/queue-service.ts';
import type { QueueHandover } from '../acd/handover.ts';
import type { ParkingLot } from '../features/park.ts';
import { pickUp, type PickupDeps } from '../features/pickup.ts';
import { queueLoginCode, type QueueLoginDeps } from '../features/queue-login-code.ts';

/** Forwarding may chain, but not forever (RFC 3261 §16.3 in spirit: 482 Loop Detected). */
const MAX_HOPS = 8;

export interface RouterDeps {
  dialPlan: DialPlan;
  /** The reachable registered devices of an extension. */
  devicesOf(number: string): UacTarget[];
  /** A From/To value for a number of ours, with its display name. */
  address(number: string, name?: string): string;
  /** Auto-answer hints for paging groups. */
  autoAnswerHeaders: [string, string][];
  logger: Logger;
  outboundRules(): Promise<OutboundRule[]>;
  /** Names of the extension groups an extension belongs to (outbound rules may name them). */
  groupsOf(extension: string): Promise<string[]>;
  /** Where to send a call to `number` through a trunk, and the trunk's main number; undefined when the trunk is unusable. */
  trunkTarget(trunkId: number, number: string): Promise<{ targets: UacTarget[]; to: string; mainNumber: string; trunk: { id: number; maxChannels: number } } | undefined>;
  /** Simultaneous calls per trunk. */
  trunkChannels: TrunkChannels;
  /** An IVR menu by number, and its prompt as 8 kHz samples. */
  ivrMenu(number: string): Promise<IvrMenu | undefined>;
  ivrPrompt(number: string): Promise<Int16Array>;
  voicemail: Pick<VoicemailService, 'leave' | 'listen'>;
  /** The ACD: serves a caller in a queue until an agent answers or the queue gives up (src/engine/acd). */
  queue?(call: Call, number: string, ring: AgentRinging): Promise<QueueOutcome>;
  /** In a cluster: the owner node of a queue another node owns (src/engine/cluster/queue-handover.ts). */
  queueOwner?: QueueHandover['ownerOf'];
  /** The applications of route points (seed 001). */
  routePoints: RoutePointApps;
  /** Park orbits: dialling one retrieves the call parked there (src/engine/features/park.ts). */
  parking?: Pick<ParkingLot, 'retrieve'>;
  /** Call pickup codes (src/engine/features/pickup.ts). */
  pickup?: PickupDeps;
  /** Queue log-in/out codes *62 / *63 (src/engine/features/queue-login-code.ts). */
  queueLogin?: QueueLoginDeps;
}

/** A route point's noAppTimeout of 0: the call waits as long as an application is connected. */
const ROUTE_POINT_NO_LIMIT_SECONDS = 4 * 3600;
/** A caller handed to a queue's owner: the owner answers it at once, or decides where it goes; no limit of ours. */
const HANDOVER_RING_SECONDS = 4 * 3600;

interface Failure {
  status: number;
  disposition: Disposition;
}

export function extensionParty(e: { number: string; firstName: string; lastName: string }): CallParty {
  return { dn: e.number, dnType: 'Extension', number: e.number, name: `${e.firstName} ${e.lastName}`.trim() };
}

export class CallRouter {
  constructor(private readonly d: RouterDeps) {}

  /** Sends the call to `number` and drives it until someone answers or the call has ended. */
  async route(call: Call, number: string, from: string, hops = 0): Promise<void> {
    if (call.isEnded) return;
    if (hops > MAX_HOPS) return call.fail(482, 'FAILED');
    const entry = await this.d.dialPlan.lookup(number);
    if (!entry) return call.fail(404, 'FAILED');
    if (entry.kind === 'extension') return this.extension(call, entry, from, hops);
    if (entry.kind === 'ringGroup') {
      const outcome = await ringGroup(call, entry, { memberTargets: (m) => this.memberTargets(m), from, to: this.d.address(entry.number, entry.name), autoAnswerHeaders: this.d.autoAnswerHeaders });
      if (outcome.answered || outcome.callEnded) return;
      return this.destination(call, entry.noAnswer, from, hops, outcome);
    }
    if (entry.kind === 'ivr') return this.ivr(call, number, from, hops);
    if (entry.kind === 'voicemailAccess') return this.d.voicemail.listen(call);
    if (entry.kind === 'queue' && this.d.queue) return this.queue(call, entry.number, entry.name, from, hops);
    if (entry.kind === 'routePoint') return this.routePoint(call, entry, from, hops);
    // *70 is a transfer target: a call that dials it has nothing to park.
    if (entry.kind === 'park') return call.fail(480, 'FAILED');
    if (entry.kind === 'parkOrbit' && this.d.parking) return this.d.parking.retrieve(call, number);
    if ((entry.kind === 'groupPickup' || entry.kind === 'directedPickup') && this.d.pickup) return pickUp(call, entry.target, this.d.pickup);
    if (entry.kind === 'queueLogin' && this.d.queueLogin) return queueLoginCode(call, { queue: entry.queue ?? '', loggedIn: entry.loggedIn === true, target: entry.target }, this.d.queueLogin);
    this.d.logger.info({ call: call.id, number, kind: entry.kind }, 'no route to this kind of number yet');
    call.fail(480, 'FAILED');
  }

  /** The PBX answers, the caller chooses; the choice is routed like any destination. */
  private async ivr(call: Call, number: string, from: string, hops: number): Promise<void> {
    const menu = await this.d.ivrMenu(number);
    if (!menu) return call.fail(404, 'FAILED');
    const dest = await runIvr(call, menu, await this.d.ivrPrompt(number));
    // Not ended, yet not answered: the INVITE had no SDP offer to answer (RFC 3261 §13.3.1: 488).
    if (!dest) return call.isEnded ? undefined : call.fail(488, 'FAILED');
    this.d.logger.info({ call: call.id, ivr: number, destination: dest }, 'IVR choice');
    return this.destination(call, dest, from, hops, { status: 480, disposition: 'FAILED' });
  }

  /** The PBX answers and the caller waits for an agent; a queue that gives up sends it to its no-answer destination. */
  private async queue(call: Call, number: string, name: string, from: string, hops: number): Promise<void> {
    if (await this.handOver(call, number, name, from)) return;
    const outcome = await this.d.queue!(call, number, { targetsOf: (m) => this.memberTargets(m), from, to: this.d.address(number, name) });
    if (outcome.kind === 'answered' || outcome.kind === 'ended') return;
    if (outcome.kind === 'unanswerable') return call.isEnded ? undefined : call.fail(488, 'FAILED');
    this.d.logger.info({ call: call.id, queue: number, destination: outcome.destination }, 'queue: no agent answered');
    return this.destination(call, outcome.destination, from, hops, { status: 480, disposition: 'NO ANSWER' });
  }

  /**
   * Another node owns the queue: the caller is sent there (a leg of this
   * call) and the owner serves it; its answer, or its refusal, is the
   * caller's. Only an owner that cannot be reached (408, 503) leaves the
   * caller to this node's own queue, as one node serves it. True: handled.
   */
  private async handOver(call: Call, number: string, name: string, from: string): Promise<boolean> {
    const owner = this.d.queueOwner?.(number, from);
    if (!owner) return false;
    const party: CallParty = { dn: number, dnType: 'Queue', number, name };
    const outcome = await call.ringStep([{ party, target: owner.target }], HANDOVER_RING_SECONDS, from, this.d.address(number, name), owner.headers);
    if (outcome.answered || outcome.callEnded || call.isEnded) return true;
    if (outcome.status === 408 || outcome.status === 503) {
      this.d.logger.warn({ call: call.id, queue: number, status: outcome.status }, 'queue owner unreachable: the caller waits in this node\'s queue');
      return false;
    }
    call.fail(outcome.status, outcome.disposition);
    return true;
  }

  /**
   * A route point (seed 001): the call rings there, without media, until the
   * application answers, diverts, routes or drops it; with no application
   * connected, or none acting within noAppTimeout, the fallback takes it.
   * What the application does next is its own (the call's verbs), except
   * that a divert or route that fails while the round still waits ends at
   * the fallback too.
   */
  private async routePoint(call: Call, rp: RoutePointEntry, from: string, hops: number): Promise<void> {
    const apps = this.d.routePoints;
    if (apps.hasApplication(rp.number)) {
      const party: CallParty = { dn: rp.number, dnType: 'RoutePoint', number: rp.number, name: rp.name };
      const seconds = rp.noAppTimeout > 0 ? rp.noAppTimeout : ROUTE_POINT_NO_LIMIT_SECONDS;
      const outcome = await call.ringStep([{ party, target: apps.target(rp.number) }], seconds, from, this.d.address(rp.number, rp.name));
      if (outcome.answered || outcome.callEnded) return;
    }
    this.d.logger.info({ call: call.id, routePoint: rp.number, fallback: rp.fallback }, 'route point: no application took the call; fallback');
    return this.destination(call, rp.fallback, from, hops, { status: 480, disposition: 'NO ANSWER' });
  }

  private async extension(call: Call, ext: ExtensionEntry, from: string, hops: number): Promise<void> {
    const always = forwardingFor(ext, 'always');
    if (always) return this.destination(call, always, from, hops, { status: 480, disposition: 'NO ANSWER' });
    if (!ext.enabled) return call.fail(480, 'FAILED');
    if (ext.dnd) return this.onFailure(call, ext, 'busy', from, hops, { status: 486, disposition: 'BUSY' });
    const devices = this.d.devicesOf(ext.number);
    if (devices.length === 0) return this.onFailure(call, ext, 'notRegistered', from, hops, { status: 480, disposition: 'FAILED' });
    const party = extensionParty(ext);
    const outcome = await call.ringStep(
      devices.map((target) => ({ party, target })),
      ext.noAnswerTimeout,
      from,
      this.d.address(ext.number),
    );
    if (outcome.answered || outcome.callEnded) return;
    return this.onFailure(call, ext, outcome.disposition === 'BUSY' ? 'busy' : 'noAnswer', from, hops, outcome);
  }

  private async onFailure(call: Call, ext: ExtensionEntry, condition: 'busy' | 'noAnswer' | 'notRegistered', from: string, hops: number, failure: Failure): Promise<void> {
    const next = forwardingFor(ext, condition);
    if (next) return this.destination(call, next, from, hops, failure);
    call.fail(failure.status, failure.disposition);
  }

  /** A member of a group may ring when enabled, not on DND and registered. */
  private async memberTargets(number: string): Promise<RingTarget[]> {
    const ext = await this.d.dialPlan.extension(number);
    if (!ext || !ext.enabled || ext.dnd) return [];
    const party = extensionParty(ext);
    return this.d.devicesOf(number).map((target) => ({ party, target }));
  }

  /** Sends the call where a rule says (an inbound rule, a forwarding, a group's no-answer). */
  async toDestination(call: Call, dest: Destination, from: string): Promise<void> {
    return this.destination(call, dest, from, 0, { status: 480, disposition: 'FAILED' });
  }

  /** The outbound rule for an outside number dialled by `caller` (undefined: the PBX itself). */
  async outboundRule(number: string, caller: string | undefined): Promise<OutboundRule | undefined> {
    if (!/^[+]?[0-9*#]{1,32}$/.test(number)) return undefined;
    return matchOutboundRule(await this.d.outboundRules(), number, caller, caller === undefined ? [] : await this.d.groupsOf(caller));
  }

  /**
   * An outside number through the outbound rule's routes: each trunk in
   * turn until one answers; busy stops the search (the person is busy, not
   * the trunk). Caller ID: the route's, else the extension's outbound caller
   * ID, else the trunk's main number, else the extension number.
   */
  async external(call: Call, number: string, caller: ExtensionEntry | undefined, hops = 0): Promise<void> {
    if (caller && !caller.allowExternal) return call.fail(403, 'FAILED');
    const rule = await this.outboundRule(number, caller?.number);
    if (!rule) return call.fail(404, 'FAILED');
    let last: Failure = { status: 503, disposition: 'FAILED' };
    for (const attempt of attempts(rule, number)) {
      if (call.isEnded) return;
      const trunk = await this.d.trunkTarget(attempt.trunkId, attempt.number);
      if (!trunk) continue;
      // Every channel of this trunk busy: the next route, as when the trunk answers 503.
      const release = this.d.trunkChannels.take(trunk.trunk.id, trunk.trunk.maxChannels);
      if (!release) {
        last = { status: 503, disposition: 'FAILED' };
        continue;
      }
      call.once('ended', release);
      const callerId = attempt.callerId || caller?.outboundCallerId || trunk.mainNumber || caller?.number || 'anonymous';
      const name = caller ? extensionParty(caller).name : '';
      const party: CallParty = { dn: attempt.number, dnType: 'ExternalLine', number: attempt.number, name: '' };
      const outcome = await this.throughTrunk(call, party, trunk.targets, this.d.address(callerId, name), trunk.to);
      if (outcome.answered || outcome.callEnded) return;
      release();
      last = outcome;
      if (outcome.disposition === 'BUSY') break;
    }
    if (hops > MAX_HOPS) return call.fail(482, 'FAILED');
    call.fail(last.status, last.disposition);
  }

  /**
   * RFC 3263 §4.3: the trunk's servers in turn while one cannot be reached
   * (a TCP/TLS connection refused) or answers 5xx; any other answer is the
   * trunk's. A UDP server that never answers is Timer B's timeout, which the
   * call counts as no answer: the outbound rule's next route is tried.
   */
  private async throughTrunk(call: Call, party: CallParty, targets: UacTarget[], from: string, to: string): Promise<Awaited<ReturnType<Call['ringStep']>>> {
    let outcome: Awaited<ReturnType<Call['ringStep']>> | undefined;
    for (const target of targets) {
      outcome = await call.ringStep([{ party, target }], 120, from, to);
      if (outcome.answered || outcome.callEnded || outcome.status !== 503 || call.isEnded) break;
    }
    return outcome ?? { answered: false, callEnded: false, status: 503, disposition: 'FAILED' };
  }

  private async destination(call: Call, dest: Destination, from: string, hops: number, failure: Failure): Promise<void> {
    if (call.isEnded) return;
    // A route point is a number of the dial plan like any other (seed 000 officeHours_type routepoint).
    if (dest.type === 'extension' || dest.type === 'routepoint') return this.route(call, dest.number, from, hops + 1);
    if (dest.type === 'external') return this.external(call, dest.number, undefined, hops + 1);
    // A box that is off (or no extension's) ends the call as the failure that led here.
    if (dest.type === 'voicemail' && (await this.d.voicemail.leave(call, dest.number))) return;
    if (dest.type !== 'none' && dest.type !== 'hangup') {
      // Fax comes later; or a voicemail box that is off.
      this.d.logger.info({ call: call.id, destination: dest }, 'destination type not routable yet');
    }
    call.fail(failure.status, failure.disposition);
  }
}
