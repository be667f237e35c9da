// A queue's status on any node (issue 14): the waiting list and today's
// counters live on the queue's owner, so `GET /api/v1/queues/{n}/status` on
// another node asks the owner over NATS request/reply, as commands for
// another node's call are asked (cluster-calls.ts), and answers what the
// owner answered. With no owner known, or an owner that no longer listens
// (no responders: it is gone), the node answers from its own queue service,
// as one node does.
import { JSONCodec, ErrorCode as NatsErrorCode, NatsError, type NatsConnection, type Subscription } from 'nats';
import { ERRORS, PbxError, type ErrorCode } from '../../core/errors.ts';
import type { QueueStatus } from '../../core/queue-status.ts';
import type { QueueStatusSource } from '../pbx-control.ts';
import type { ClusterNames } from './names.ts';
import type { QueueOwnership } from './queue-ownership.ts';

interface StatusRequest {
  queue: string;
}
type StatusReply = { ok: true; status: QueueStatus } | { ok: false; code: string; message: string };
const requestCodec = JSONCodec<StatusRequest>();
const replyCodec = JSONCodec<StatusReply>();

/** Longest wait for the owner's answer. */
const STATUS_TIMEOUT_MS = 5000;

export class ClusterQueueStatus implements QueueStatusSource {
  private subscription: Subscription | undefined;

  constructor(
    private readonly local: QueueStatusSource,
    private readonly owners: Pick<QueueOwnership, 'ownerOf'>,
    private readonly nc: NatsConnection,
    private readonly names: ClusterNames,
    private readonly node: string,
  ) {}

  /** Answers for the queues this node serves (whatever it owns now: the asker's view may be a round old). */
  serve(): void {
    this.subscription = this.nc.subscribe(this.names.queueSubject(this.node), {
      callback: (err, msg) => {
        if (err) return;
        void (async () => {
          let reply: StatusReply;
          try {
            reply = { ok: true, status: await this.local.status(requestCodec.decode(msg.data).queue) };
          } catch (e) {
            reply = e instanceof PbxError ? { ok: false, code: e.code, message: e.message } : { ok: false, code: 'SB_INTERNAL', message: 'the queue\'s owner failed to read its status' };
          }
          msg.respond(replyCodec.encode(reply));
        })();
      },
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }

  async status(queue: string): Promise<QueueStatus> {
    const owner = this.owners.ownerOf(queue);
    if (owner === undefined || owner === this.node) return this.local.status(queue);
    let raw;
    try {
      raw = await this.nc.request(this.names.queueSubject(owner), requestCodec.encode({ queue }), { timeout: STATUS_TIMEOUT_MS });
    } catch (e) {
      if (e instanceof NatsError && e.code === NatsErrorCode.NoResponders) return this.local.status(queue);
      throw new PbxError('SB_NOT_READY', `node ${owner}, which owns queue ${queue}, did not answer`);
    }
    const reply = replyCodec.decode(raw.data);
    if (reply.ok) return reply.status;
    const code: ErrorCode = reply.code in ERRORS ? (reply.code as ErrorCode) : 'SB_INTERNAL';
    throw new PbxError(code, reply.message);
  }
}
