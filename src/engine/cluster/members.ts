// The cluster's members as each node sees them: every node publishes a beat
// on `switchboard.<cluster>.members` every BEAT_MS with its SIP address; a
// node not heard for `deadAfterMs` is gone (killed, cut off), and so is one
// that said goodbye (a clean stop). Who is alive decides two things: where a
// queue caller is handed to (the owner's SIP address, queue-handover.ts), and
// which INVITEs are trusted as coming from the cluster itself.
import { JSONCodec, type NatsConnection, type Subscription } from 'nats';
import type { ClusterNames } from './names.ts';

const BEAT_MS = 1000;

export interface SipAddress {
  host: string;
  port: number;
}

interface Beat {
  node: string;
  sip: SipAddress;
  /** A clean stop: the node is gone now, not after the silence. */
  leaving?: true;
  /** A node that just joined asks the others to beat at once rather than within a beat. */
  hello?: true;
}
const codec = JSONCodec<Beat>();

export interface MembersOptions {
  node: string;
  /** Silence after which a node counts as gone (default 5 beats). */
  deadAfterMs?: number;
  /** A node is gone (silence or goodbye). */
  onGone(node: string): void;
}

export class ClusterMembers {
  private readonly alive = new Map<string, { sip: SipAddress; heardAt: number }>();
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private own: SipAddress | undefined;
  private readonly deadAfterMs: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: ClusterNames,
    private readonly o: MembersOptions,
  ) {
    this.deadAfterMs = o.deadAfterMs ?? 5 * BEAT_MS;
  }

  /** Listens from the start, so the other nodes are known before this one beats. */
  listen(): void {
    this.subscription = this.nc.subscribe(this.names.membersSubject, {
      callback: (err, msg) => {
        if (err) return;
        const beat = codec.decode(msg.data);
        if (beat.node === this.o.node) return;
        if (beat.leaving) {
          if (this.alive.delete(beat.node)) this.o.onGone(beat.node);
          return;
        }
        const known = this.alive.has(beat.node);
        this.alive.set(beat.node, { sip: beat.sip, heardAt: Date.now() });
        if ((!known || beat.hello) && this.own) this.publish({});
      },
    });
  }

  /** Starts beating once this node's SIP listens (its port is known only then). */
  announce(sip: SipAddress): void {
    this.own = sip;
    this.publish({ hello: true });
    this.timer = setInterval(() => {
      this.publish({});
      this.sweep();
    }, BEAT_MS);
    this.timer.unref();
  }

  /** Says goodbye, so the others forget this node at once. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.subscription?.unsubscribe();
    if (this.own) {
      this.publish({ leaving: true });
      await this.nc.flush().catch(() => undefined);
    }
  }

  /** The SIP address of a live node (undefined: not heard of, or gone). */
  sipOf(node: string): SipAddress | undefined {
    return this.alive.get(node)?.sip;
  }

  /** The live node whose SIP listens at this address (the source of a hand-over leg). */
  nodeAt(host: string, port: number): string | undefined {
    for (const [node, m] of this.alive) if (m.sip.host === host && m.sip.port === port) return node;
    return undefined;
  }

  isAlive(node: string): boolean {
    return node === this.o.node || this.alive.has(node);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [node, m] of this.alive) {
      if (now - m.heardAt <= this.deadAfterMs) continue;
      this.alive.delete(node);
      this.o.onGone(node);
    }
  }

  private publish(extra: Partial<Beat>): void {
    if (!this.own || this.nc.isClosed()) return;
    this.nc.publish(this.names.membersSubject, codec.encode({ node: this.o.node, sip: this.own, ...extra }));
  }
}
