// An INVITE from a trunk (recognised by its source, not challenged): the
// inbound rule for its DID sends it to the rule's office-hours or
// out-of-hours destination, within the trunk's channel limit.
import { createResponse, type SipRequest } from '../../sip/message/index.ts';
import type { InviteServerTransaction } from '../../sip/transaction/index.ts';
import type { Store } from '../../store/index.ts';
import type { InboundRule } from '../../core/directory/inbound-rule.ts';
import { callerNameFor } from '../../core/directory/contact-match.ts';
import { findInboundRule } from '../routing/inbound-rules.ts';
import { isOpen } from '../routing/office-hours.ts';
import type { CallRouter } from '../routing/call-router.ts';
import type { TrunkChannels } from '../routing/trunk-channels.ts';
import type { Call } from './call.ts';
import type { CallParty } from './call-ends.ts';
import type { ExtensionReach } from './extension-reach.ts';
import type { RoutingAdvisorSlot } from './routing-advisor.ts';

export interface TrunkInviteDeps {
  store: Store;
  reach: ExtensionReach;
  router: CallRouter;
  trunkChannels: TrunkChannels;
  advisor: RoutingAdvisorSlot;
  /** The PBX time zone and clock that office hours are read by. */
  timeZone: string;
  now(): Date;
  /** A new live call on this INVITE (B2bua.newCall). */
  newCall(request: SipRequest, tx: InviteServerTransaction, direction: 'Inbound', caller: CallParty, dialled: string, did: string): Call;
  /** Hands the call to the router; a failure there ends the call. */
  route(call: Call, number: string, from: string): void;
  routingFailed(call: Call, err: unknown): void;
}

/**
 * The inbound rule for the trunk's DID — the Request-URI's user — picks the
 * destination. The call's `did` is the rule's name, as seed 000 reports it.
 */
export async function fromTrunk(d: TrunkInviteDeps, request: SipRequest, tx: InviteServerTransaction, trunk: { id: number; name: string; maxChannels: number }): Promise<void> {
  const uri = request.uri;
  const did = uri.kind === 'sip' ? (uri.user ?? '') : uri.kind === 'tel' ? uri.number : '';
  const rules = (await d.store.inboundRules.list({ limit: 10000 })).items as unknown as InboundRule[];
  const rule = findInboundRule(rules, trunk.id, did);
  if (!rule) {
    tx.respond(createResponse(request, 404, 'Not Found', 'nf'));
    return;
  }
  const from = request.from;
  const number = from?.uri.kind === 'sip' ? (from.uri.user ?? '') : from?.uri.kind === 'tel' ? from.uri.number : '';
  // The phone book names a caller it knows; the name the provider sent is the fallback.
  const contacts = (await d.store.contacts.list({ limit: 10000 })).items;
  const caller: CallParty = { dn: number, dnType: 'ExternalLine', number, name: callerNameFor(contacts, number) ?? from?.displayName ?? '' };
  // All the trunk's channels in use: the provider's caller hears busy.
  const release = d.trunkChannels.take(trunk.id, trunk.maxChannels);
  if (!release) {
    tx.respond(createResponse(request, 486, 'Busy Here', 'ch'));
    return;
  }
  const call = d.newCall(request, tx, 'Inbound', caller, did, rule.name);
  call.once('ended', release);
  if (call.callerCodecs.length === 0) return call.fail(488, 'FAILED');
  const advice = await d.advisor.advise(call);
  if (call.isEnded) return;
  const fromAddress = d.reach.address(number, advice?.callerName ?? (caller.name || number));
  const redirect = advice?.redirect;
  if (redirect !== undefined) return d.route(call, redirect, fromAddress);
  const dest = isOpen(rule.officeHours, d.now(), d.timeZone) ? rule.inHours : rule.outOfHours;
  d.router.toDestination(call, dest, fromAddress).catch((err: unknown) => d.routingFailed(call, err));
}
