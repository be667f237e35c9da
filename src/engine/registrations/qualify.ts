// OPTIONS qualify (keep-alive probing): each registered device is sent an
// OPTIONS now and then; one that stops answering is marked unreachable (and
// reachable again when it answers), so calls skip it instead of waiting for
// a timeout. Any final response counts as alive (RFC 3261 §11: even 405/481
// prove the device is there).
import { randomBytes } from 'node:crypto';
import { SipRequest, generateBranch, generateCallId, generateTag } from '../../sip/message/index.ts';
import type { SipStack } from '../../sip/sip-stack.ts';
import type { LocationStore } from './location-store.ts';

export interface QualifyOptions {
  intervalMs: number;
  /**
   * How long a probe may go unanswered before the device counts as
   * unreachable: well short of Timer F (32 s), which is for the transaction.
   * A late answer still marks it reachable again.
   */
  timeoutMs?: number;
  domain: string;
  /** Host for our Via: responses come back there (or to the source, with rport). */
  host: string;
  onError?: (err: unknown) => void;
}

/**
 * A round's probes go out in slices, one every TICK_MS, spread over half the
 * interval, so 10,000 phones are not sent 10,000 OPTIONS (and their
 * retransmissions) in one tick while they, or a register storm, need the CPU.
 * Small rounds (up to MIN_SLICE bindings) go at once.
 */
const TICK_MS = 100;
const MIN_SLICE = 100;

export class Qualifier {
  private timer: NodeJS.Timeout | undefined;
  private readonly callId = generateCallId();
  private cseq = 1;
  private readonly fromTag = generateTag();
  private stopped = false;

  constructor(
    private readonly stack: SipStack,
    private readonly locations: LocationStore,
    private readonly options: QualifyOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.round(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Probes every binding once; resolves when all have answered or timed out. */
  async round(): Promise<void> {
    const bindings = this.locations.all();
    const ticks = Math.max(1, Math.floor(this.options.intervalMs / 2 / TICK_MS));
    const slice = Math.max(MIN_SLICE, Math.ceil(bindings.length / ticks));
    const probes: Promise<void>[] = [];
    for (let i = 0; i < bindings.length; i += slice) {
      if (i > 0) await new Promise((r) => setTimeout(r, TICK_MS).unref());
      if (this.stopped) break;
      for (const b of bindings.slice(i, i + slice)) probes.push(this.probe(b.extension, b.contact, b.flow));
    }
    await Promise.all(probes);
  }

  private probe(extension: string, contact: string, flow: Parameters<SipStack['send']>[1]): Promise<void> {
    return new Promise((resolve) => {
      const local = this.stack.transport(flow.protocol) ?? this.stack.udp;
      const via = `SIP/2.0/${flow.protocol.toUpperCase()} ${this.options.host}:${String(local.port)};branch=${generateBranch()};rport`;
      let request: SipRequest;
      try {
        request = new SipRequest({
          method: 'OPTIONS',
          uri: contact,
          headers: [
            ['Via', via],
            ['Max-Forwards', '70'],
            ['From', `<sip:qualify@${this.options.domain}>;tag=${this.fromTag}`],
            ['To', `<${contact}>`],
            ['Call-ID', `${this.callId}-${randomBytes(3).toString('hex')}`],
            ['CSeq', `${String(this.cseq++)} OPTIONS`],
            ['User-Agent', 'Switchboard'],
          ],
        });
      } catch {
        resolve();
        return;
      }
      let answered = false;
      const done = (reachable: boolean) => {
        clearTimeout(verdict);
        this.locations.markReachable(extension, contact, reachable).then(resolve, (err: unknown) => {
          this.options.onError?.(err);
          resolve();
        });
      };
      const verdict = setTimeout(() => done(false), this.options.timeoutMs ?? 5000);
      this.stack.transactions.createClientTransaction(request, flow, {
        onResponse: (res) => {
          if (res.status >= 200 && !answered) {
            answered = true;
            done(true);
          }
        },
        onTimeout: () => {
          if (!answered) done(false);
        },
        onTransportError: () => {
          if (!answered) done(false);
        },
      });
    });
  }
}
