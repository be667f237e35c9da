// Calls across the nodes of a cluster: the list holds this node's calls and
// the other nodes' (RemoteCalls); a command for a call another node holds is
// forwarded to it over NATS request/reply and its answer (done, or the
// PbxError it threw) is this node's answer. Each node answers the commands
// addressed to it (`serve`) against its own B2BUA.
import { JSONCodec, ErrorCode as NatsErrorCode, NatsError, RequestStrategy, type NatsConnection, type Subscription } from 'nats';
import type { CallInfo } from '../../core/calls.ts';
import { ERRORS, PbxError, type ErrorCode } from '../../core/errors.ts';
import type { CallSource } from '../pbx-control.ts';
import type { ConferenceRoom } from '../../core/pbx-control.ts';
import type { ParkedCall } from '../../core/parking.ts';
import type { ClusterNames } from './names.ts';
import type { RemoteCalls } from './remote-calls.ts';

/** The commands that act on one live call; the first argument is its id. */
const FORWARDED = ['drop', 'hold', 'mute', 'answer', 'blindTransfer', 'divert', 'transferTo', 'routeTo', 'consult', 'attendedTransfer', 'supervise', 'park'] as const;
type Forwarded = (typeof FORWARDED)[number];

interface CommandRequest {
  command: Forwarded;
  args: unknown[];
}
type CommandReply = { ok: true; result?: unknown } | { ok: false; code: string; message: string };

const requestCodec = JSONCodec<CommandRequest>();
const replyCodec = JSONCodec<CommandReply>();
/** A node's answer to the snapshot request of a node that starts. */
interface Snapshot {
  node: string;
  calls: CallInfo[];
}
const snapshotCodec = JSONCodec<Snapshot>();

/** Longest wait for the snapshot answers, and the pause after the last one that ends it. */
const SNAPSHOT_WAIT_MS = 2000;
const SNAPSHOT_STALL_MS = 500;

/** Longest wait for the node holding a call to answer a command. */
const COMMAND_TIMEOUT_MS = 5000;

export class ClusterCalls implements CallSource {
  private subscription: Subscription | undefined;
  private snapshots: Subscription | undefined;

  constructor(
    private readonly local: CallSource,
    private readonly remote: RemoteCalls,
    private readonly nc: NatsConnection,
    private readonly names: ClusterNames,
    private readonly node: string,
  ) {}

  /** Answers the commands other nodes forward to this one. */
  serve(): void {
    this.serveSnapshots();
    this.subscription = this.nc.subscribe(this.names.commandSubject(this.node), {
      callback: (err, msg) => {
        if (err) return;
        void (async () => {
          let reply: CommandReply;
          try {
            const { command, args } = requestCodec.decode(msg.data);
            if (!FORWARDED.includes(command)) throw new PbxError('SB_VALIDATION', `unknown command ${String(command)}`);
            const fn = this.local[command] as (...a: unknown[]) => unknown;
            // JSON has no undefined: an optional argument left out arrives as null.
            const result = await fn.apply(this.local, (args as unknown[]).map((a) => (a === null ? undefined : a)));
            reply = result === undefined ? { ok: true } : { ok: true, result };
          } catch (e) {
            reply = e instanceof PbxError ? { ok: false, code: e.code, message: e.message } : { ok: false, code: 'SB_INTERNAL', message: 'the node holding the call failed to carry out the command' };
          }
          msg.respond(replyCodec.encode(reply));
        })();
      },
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.snapshots?.unsubscribe();
  }

  /** Tells a node that starts which calls this one holds. */
  private serveSnapshots(): void {
    this.snapshots = this.nc.subscribe(this.names.callsSnapshotSubject, {
      callback: (err, msg) => {
        if (err) return;
        msg.respond(snapshotCodec.encode({ node: this.node, calls: this.local.list() }));
      },
    });
  }

  /**
   * At start: asks every node for the calls it holds, so a node that starts
   * late lists the calls already up (their events went by before it
   * followed the stream). Each node answers once; the wait ends when the
   * answers stop coming.
   */
  async learnOthers(): Promise<number> {
    let learned = 0;
    try {
      const replies = await this.nc.requestMany(this.names.callsSnapshotSubject, undefined, { strategy: RequestStrategy.JitterTimer, maxWait: SNAPSHOT_WAIT_MS, jitter: SNAPSHOT_STALL_MS });
      for await (const msg of replies) {
        const { node, calls } = snapshotCodec.decode(msg.data);
        if (node === this.node) continue;
        this.remote.seed(node, calls);
        learned += calls.length;
      }
    } catch (e) {
      // No responders: no other node is up (this one answers only once it learned).
      if (!(e instanceof NatsError && e.code === NatsErrorCode.NoResponders)) throw e;
    } finally {
      this.remote.seeded();
    }
    return learned;
  }

  list(): CallInfo[] {
    const own = this.local.list();
    const ids = new Set(own.map((c) => c.id));
    return [...own, ...this.remote.list().filter((c) => !ids.has(c.id))];
  }

  get(id: string): { info(): CallInfo } | undefined {
    const own = this.local.get(id);
    if (own) return own;
    const r = this.remote.get(id);
    return r ? { info: () => r.info } : undefined;
  }

  drop(callId: string, participantId: string): void | Promise<void> {
    if (!this.isRemote(callId)) {
      this.local.drop(callId, participantId);
      return;
    }
    const p = this.forward<undefined>('drop', [callId, participantId]).then(() => undefined);
    // Callers that do not await (the older dialects) must not leave an unhandled rejection.
    p.catch(() => undefined);
    return p;
  }

  makeCall(from: string, to: string, device?: string, timeoutSeconds?: number): Promise<CallInfo> {
    return this.local.makeCall(from, to, device, timeoutSeconds);
  }

  join(extension: string): Promise<CallInfo> {
    return this.local.join(extension);
  }

  hold(callId: string, participantId: string, held: boolean): Promise<void> {
    return this.isRemote(callId) ? this.forward('hold', [callId, participantId, held]) : this.local.hold(callId, participantId, held);
  }

  async mute(callId: string, participantId: string, muted: boolean): Promise<void> {
    if (this.isRemote(callId)) return this.forward('mute', [callId, participantId, muted]);
    return this.local.mute(callId, participantId, muted);
  }

  answer(callId: string, participantId: string): Promise<void> {
    return this.isRemote(callId) ? this.forward('answer', [callId, participantId]) : this.local.answer(callId, participantId);
  }

  blindTransfer(callId: string, participantId: string, destination: string): Promise<void> {
    return this.isRemote(callId) ? this.forward('blindTransfer', [callId, participantId, destination]) : this.local.blindTransfer(callId, participantId, destination);
  }

  divert(callId: string, participantId: string, destination: string): Promise<void> {
    return this.isRemote(callId) ? this.forward('divert', [callId, participantId, destination]) : this.local.divert(callId, participantId, destination);
  }

  transferTo(callId: string, participantId: string, destination: string): Promise<void> {
    return this.isRemote(callId) ? this.forward('transferTo', [callId, participantId, destination]) : this.local.transferTo(callId, participantId, destination);
  }

  routeTo(callId: string, participantId: string, destination: string): Promise<void> {
    return this.isRemote(callId) ? this.forward('routeTo', [callId, participantId, destination]) : this.local.routeTo(callId, participantId, destination);
  }

  consult(callId: string, participantId: string, destination: string): Promise<CallInfo> {
    return this.isRemote(callId) ? this.forward('consult', [callId, participantId, destination]) : this.local.consult(callId, participantId, destination);
  }

  attendedTransfer(callId: string, participantId: string, consultCallId: string): Promise<void> {
    return this.isRemote(callId) ? this.forward('attendedTransfer', [callId, participantId, consultCallId]) : this.local.attendedTransfer(callId, participantId, consultCallId);
  }

  /** Barge-in, listen, whisper: the supervisor's phones are rung by the node holding the call. */
  supervise(supervisor: string, callId: string, mode: 'speak+hear' | 'hear' | 'whisper', whisperTo?: string, device?: string): Promise<CallInfo> {
    return this.isRemote(callId) ? this.forward('supervise', [supervisor, callId, mode, whisperTo, device], callId) : this.local.supervise(supervisor, callId, mode, whisperTo, device);
  }

  park(callId: string, participantId: string): Promise<ParkedCall> {
    return this.isRemote(callId) ? this.forward('park', [callId, participantId]) : this.local.park(callId, participantId);
  }

  /** Park orbits live on each node: this node's parked calls. */
  parked(): ParkedCall[] {
    return this.local.parked();
  }

  /** A conference room lives on the node its callers reached (rooms are not shared across nodes yet). */
  conference(number: string): ConferenceRoom {
    return this.local.conference(number);
  }

  private isRemote(callId: string): boolean {
    return this.local.get(callId) === undefined && this.remote.get(callId) !== undefined;
  }

  /** `callId`: the call whose node carries the command out (the first argument, for most commands). */
  private async forward<T>(command: Forwarded, args: unknown[], callId = String(args[0])): Promise<T> {
    const owner = this.remote.get(callId);
    if (!owner) throw new PbxError('SB_NOT_FOUND', `call ${callId} does not exist`);
    let raw;
    try {
      raw = await this.nc.request(this.names.commandSubject(owner.node), requestCodec.encode({ command, args }), { timeout: COMMAND_TIMEOUT_MS });
    } catch (e) {
      if (e instanceof NatsError && e.code === NatsErrorCode.NoResponders) {
        // Nobody listens for that node any more: it is gone, and its calls with it.
        this.remote.forgetNode(owner.node);
        throw new PbxError('SB_NOT_FOUND', `call ${callId} does not exist (node ${owner.node} is gone)`);
      }
      throw new PbxError('SB_NOT_READY', `node ${owner.node}, which holds call ${callId}, did not answer`);
    }
    const reply = replyCodec.decode(raw.data);
    if (reply.ok) return reply.result as T;
    const code: ErrorCode = reply.code in ERRORS ? (reply.code as ErrorCode) : 'SB_INTERNAL';
    throw new PbxError(code, reply.message);
  }
}
