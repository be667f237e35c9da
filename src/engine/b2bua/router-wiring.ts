// How the B2BUA's CallRouter reaches everything a dialled number can lead to:
// extensions' devices, outbound rules and trunks, IVR menus and their
// prompts, voicemail, the ACD's queues (and, in a cluster, their owner
// node), route points, park orbits, pickup and the queue log-in codes.
// Only wiring: the routing itself is src/engine/routing/call-router.ts.
import type { Logger } from 'pino';
import type { Store } from '../../store/index.ts';
import type { Ivr } from '../../core/directory/ivr.ts';
import type { OutboundRule } from '../../core/directory/outbound-rule.ts';
import type { ExtensionGroup } from '../../core/directory/extension-group.ts';
import type { QueueService } from '../acd/queue-service.ts';
import type { QueueHandover } from '../acd/handover.ts';
import type { IvrMenu } from '../features/ivr.ts';
import { SILENCE, type IvrPrompts } from '../features/ivr-prompt.ts';
import type { ParkingLot } from '../features/park.ts';
import { queueLoginDeps, type QueueLoginWriter } from '../features/queue-login-code.ts';
import type { RoutePointApps } from '../route-points/route-point-apps.ts';
import { CallRouter } from '../routing/call-router.ts';
import type { DialPlan } from '../routing/dial-plan.ts';
import type { TrunkLines } from '../routing/trunk-lines.ts';
import type { TrunkChannels } from '../routing/trunk-channels.ts';
import type { VoicemailService } from '../voicemail/voicemail-service.ts';
import type { Call } from './call.ts';
import type { ExtensionReach } from './extension-reach.ts';
import type { LegContext } from './leg-context.ts';
import { autoAnswerHeaders } from './originator.ts';

export interface RouterWiring {
  ctx: LegContext;
  store: Store;
  logger: Logger;
  queues: QueueService | undefined;
  dialPlan: DialPlan;
  reach: ExtensionReach;
  trunks: TrunkLines;
  trunkChannels: TrunkChannels;
  prompts: IvrPrompts;
  voicemail: VoicemailService;
  routePoints: RoutePointApps;
  parking: ParkingLot;
  /** The live calls (pickup looks for a ringing one among them). */
  calls(): Iterable<Call>;
  /** Read at each call: the cluster's handover is joined after the B2BUA is built. */
  handover(): QueueHandover | undefined;
  /** Read at each *62/*63: the server sets the writer after the B2BUA is built. */
  queueLoginWriter(): QueueLoginWriter | undefined;
}

export function wireCallRouter(w: RouterWiring): CallRouter {
  const { store, queues } = w;
  return new CallRouter({
    dialPlan: w.dialPlan,
    devicesOf: (n) => w.reach.targetsOf(n),
    address: (n, name) => w.reach.address(n, name),
    autoAnswerHeaders: autoAnswerHeaders(w.ctx.host),
    logger: w.logger,
    outboundRules: async () => (await store.outboundRules.list({ limit: 10000 })).items as unknown as OutboundRule[],
    groupsOf: async (ext) => {
      const groups = (await store.extensionGroups.list({ limit: 10000 })).items as unknown as ExtensionGroup[];
      return groups.filter((g) => g.members.some((m) => m.extension === ext)).map((g) => g.name);
    },
    trunkTarget: (id, number) => w.trunks.target(id, number),
    trunkChannels: w.trunkChannels,
    ivrMenu: async (number) => (await w.dialPlan.ivr(number)) as IvrMenu | undefined,
    ivrPrompt: async (number) => {
      const menu = (await w.dialPlan.ivr(number)) as Ivr | undefined;
      return menu ? w.prompts.samples(menu) : SILENCE;
    },
    voicemail: w.voicemail,
    ...(queues ? { queue: (call: Call, number: string, ring: Parameters<QueueService['serve']>[2]) => queues.serve(call, number, ring) } : {}),
    queueOwner: (number, from) => w.handover()?.ownerOf(number, from),
    routePoints: w.routePoints,
    parking: w.parking,
    pickup: {
      calls: () => w.calls(),
      groupMates: async (ext) => new Set(((await store.ringGroups.list({ limit: 10000 })).items as { members: string[] }[]).filter((g) => g.members.includes(ext)).flatMap((g) => g.members)),
      inQueue: (id) => queues?.queueOf(id) !== undefined,
    },
    queueLogin: queueLoginDeps(store, (text) => w.prompts.say(text), () => w.queueLoginWriter()),
  });
}
