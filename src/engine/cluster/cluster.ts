// A node's part in a cluster (SWITCHBOARD_NATS_URL set): the event log over
// JetStream, the other nodes' phones and calls, and forwarded commands.
// Without NATS none of this runs and the node is a single Switchboard.
import { connect, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { Store } from '../../store/index.ts';
import type { SipService } from '../sip-service.ts';
import type { CallSource } from '../pbx-control.ts';
import { clusterNames, type ClusterNames } from './names.ts';
import { QueueOwnership } from './queue-ownership.ts';
import { SubscriptionSync, type ReloadableSubscriptions } from './subscription-sync.ts';
import { JetStreamEventStream } from './event-stream.ts';
import { RemoteLocations } from './remote-locations.ts';
import { RemoteCalls } from './remote-calls.ts';
import { ClusterCalls } from './cluster-calls.ts';
import { ClusterMembers, type SipAddress } from './members.ts';
import { ClusterQueueHandover } from './queue-handover.ts';
import { ClusterQueueStatus } from './queue-status.ts';
import type { QueueStatusSource } from '../pbx-control.ts';
import { DeadNodeCalls } from './dead-node-calls.ts';

export interface ClusterOptions {
  natsUrl: string;
  clusterName: string;
  nodeId: string;
  store: Store;
  sip: SipService;
  logger: Logger;
}

export class Cluster {
  private readonly syncs: SubscriptionSync[] = [];

  private constructor(
    private readonly nc: NatsConnection,
    private readonly names: ClusterNames,
    private readonly o: ClusterOptions,
    private readonly stream: JetStreamEventStream,
    private readonly locations: RemoteLocations,
    readonly calls: ClusterCalls,
    /** Which node owns each ACD queue. */
    readonly queues: QueueOwnership,
    /** Queue status read from the queue's owner. */
    readonly queueStatus: ClusterQueueStatus,
    /** The live nodes and their SIP addresses. */
    readonly members: ClusterMembers,
    private readonly deadCalls: DeadNodeCalls,
  ) {}

  /** Joins before anything appends an event: from here on the stream numbers them. */
  static async start(o: ClusterOptions): Promise<Cluster> {
    const nc = await connect({ servers: o.natsUrl.split(','), name: `switchboard-${o.nodeId}`, maxReconnectAttempts: -1 });
    const names = clusterNames(o.clusterName);
    const onError = (err: unknown): void => o.logger.error({ err }, 'cluster: reading other nodes failed');
    const locations = new RemoteLocations(o.store, o.nodeId, onError);
    await locations.start();
    o.sip.reachable.useRemote(locations);
    const remoteCalls = new RemoteCalls();
    const members: ClusterMembers = new ClusterMembers(nc, names, {
      node: o.nodeId,
      onGone: (node) => {
        o.logger.warn({ node }, 'cluster: a node is gone; its calls leave the list');
        remoteCalls.forgetNode(node);
        void deadCalls.sweep();
      },
    });
    const deadCalls = new DeadNodeCalls({ store: o.store, cdr: o.sip.cdr, logger: o.logger, node: o.nodeId, isAlive: (node) => members.isAlive(node) });
    members.listen();
    const stream = new JetStreamEventStream(nc, names, o.nodeId, o.store.events, (event, node) => {
      if (node === o.nodeId) return;
      remoteCalls.onEvent(event, node);
      locations.onEvent(event);
    });
    await stream.start();
    o.store.events.useTransport(stream);
    const calls = new ClusterCalls(o.sip.b2bua, remoteCalls, nc, names, o.nodeId);
    // Following the stream first, then the snapshot: a call is either in the snapshot or in the events after it.
    const learned = await calls.learnOthers();
    calls.serve();
    deadCalls.start();
    const queues = new QueueOwnership({ store: o.store, node: o.nodeId, logger: o.logger });
    await queues.start();
    const queueStatus = new ClusterQueueStatus(o.sip.queues, queues, nc, names, o.nodeId);
    queueStatus.serve();
    o.sip.b2bua.useQueueHandover(new ClusterQueueHandover(o.nodeId, queues, members, o.sip.stack));
    o.logger.info({ node: o.nodeId, stream: names.stream, callsOnOtherNodes: learned }, 'joined the cluster');
    return new Cluster(nc, names, o, stream, locations, calls, queues, queueStatus, members, deadCalls);
  }

  /** Once this node's SIP listens: the others learn where (queue hand-over legs go there). */
  announce(sip: SipAddress): void {
    this.members.announce(sip);
  }

  /** Keeps this node's copy of the webhook subscriptions in step with the other nodes'. */
  syncWebhookSubscriptions(subscriptions: ReloadableSubscriptions): void {
    const sync = new SubscriptionSync(this.nc, this.names, this.o.nodeId, subscriptions, (err) => this.o.logger.error({ err }, 'cluster: reloading webhook subscriptions failed'));
    sync.start();
    this.syncs.push(sync);
  }

  async stop(): Promise<void> {
    for (const s of this.syncs) s.stop();
    await this.members.stop();
    await this.deadCalls.stop();
    this.queueStatus.stop();
    await this.queues.stop();
    this.calls.stop();
    this.locations.stop();
    await this.stream.stop();
    await this.nc.drain();
  }
}

/** Where the APIs read a queue's status: from its owner when there is a cluster. */
export function queueStatusOf(sip: SipService, cluster: Cluster | undefined): QueueStatusSource {
  return cluster?.queueStatus ?? sip.queues;
}

/** The call source the APIs use: the cluster's when there is one. */
export function callsOf(sip: SipService, cluster: Cluster | undefined): CallSource {
  return cluster?.calls ?? sip.b2bua;
}
