// Click-to-call (seed 000 makecall, seed 002): the PBX places a call whose
// caller side it builds itself — the originator's own phone rung first
// (`Originator`), or a route point's application (`RoutePointCaller`) — and
// dials the destination once that side is there.
import type { CallInfo } from '../../core/calls.ts';
import { PbxError } from '../../core/errors.ts';
import { MediaRelay } from '../../media/relay.ts';
import type { PortAllocator } from '../../media/port-allocator.ts';
import { RoutePointCaller } from '../route-points/route-point-caller.ts';
import type { DialPlan } from '../routing/dial-plan.ts';
import { extensionParty } from '../routing/call-router.ts';
import type { Call } from './call.ts';
import type { CallParty, CallerSide } from './call-ends.ts';
import type { ExtensionReach } from './extension-reach.ts';
import type { LegContext } from './leg-context.ts';
import { Originator } from './originator.ts';
import { writeAudio } from './sdp-media.ts';

export interface MakeCallDeps {
  ctx: LegContext;
  allocator: PortAllocator;
  reach: ExtensionReach;
  dialPlan: DialPlan;
  /** A new live call from `caller`; `route` dials `to` (B2bua.place). */
  place(relay: MediaRelay, caller: CallerSide, party: CallParty, to: string, timeoutSeconds: number | undefined): { call: Call; route(): CallInfo };
}

/**
 * Rings `from`'s devices (or the one whose contact contains `device`), and
 * when one answers, calls `to` and connects the two. Returns at once with
 * the call in Initiating. From a route point, `to` rings at once.
 * `timeoutSeconds`: given up unanswered by then.
 */
export async function makeCall(d: MakeCallDeps, from: string, to: string, device?: string, timeoutSeconds?: number): Promise<CallInfo> {
  const [fromRow, toEntry] = await Promise.all([d.reach.extension(from), d.dialPlan.lookup(to)]);
  if (!toEntry) throw new PbxError('SB_NOT_FOUND', `number ${to} does not exist (outside numbers come with trunks)`);
  if (!fromRow) {
    const rp = await d.dialPlan.lookup(from);
    if (rp?.kind === 'routePoint') return d.place(new MediaRelay({ allocator: d.allocator, host: d.ctx.host }), new RoutePointCaller(), { dn: rp.number, dnType: 'RoutePoint', number: rp.number, name: rp.name }, to, timeoutSeconds).route();
    throw new PbxError('SB_NOT_FOUND', `extension ${from} does not exist`);
  }
  const toName = toEntry.kind === 'extension' ? extensionParty(toEntry).name : toEntry.name;
  if (fromRow.enabled !== 1) throw new PbxError('SB_UNPROCESSABLE', `extension ${from} is disabled`);
  const devices = d.reach.targetsOf(from, device);
  if (devices.length === 0) throw new PbxError('SB_UNPROCESSABLE', `extension ${from} has no registered device${device !== undefined ? ` matching "${device}"` : ''}`);

  const relay = new MediaRelay({ allocator: d.allocator, host: d.ctx.host });
  const { port } = await relay.addLeg('caller');
  const sdp = writeAudio({ host: d.ctx.host, port, codecs: ['PCMU', 'PCMA'], telephoneEvent: 101, direction: 'sendrecv', sessionId: Date.now() % 1e9, version: 1 });
  const originator = new Originator(d.ctx, devices, {
    // The originator's phone shows whom it is about to call.
    from: d.reach.address(to, toName || to),
    to: d.reach.address(fromRow.number),
    sdp,
    ringSeconds: fromRow.noAnswerTimeout,
  });
  const placed = d.place(relay, originator, d.reach.party(fromRow), to, timeoutSeconds);
  const call = placed.call;
  originator.on('ringing', () => call.originatorRinging());
  originator.on('failed', (status) => call.fail(status, status === 486 ? 'BUSY' : status === 480 || status === 487 ? 'NO ANSWER' : 'FAILED'));
  originator.on('answered', (offer, contact) => {
    call.originatorAnswered(offer, contact, port);
    placed.route();
  });
  originator.start();
  return call.info();
}
