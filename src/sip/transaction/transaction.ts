// RFC 3261 §17 — what the four transaction state machines share: the request
// that created the transaction, the flow it uses, a state, named timers on an
// injected clock, and a single exit into "Terminated".
//
// §17: "a SIP transaction consists of a single request and any responses to that
// request, which include zero or more provisional responses and one or more final
// responses."

import type { SipMessage, SipRequest } from '../message/index.ts';
import { type Flow, type MessageSender, isReliable } from '../transport/flow.ts';
import type { Clock, TimerHandle, Timers } from './timers.ts';

/** The union of the states of the four machines (§17.1.1, §17.1.2, §17.2.1, §17.2.2; RFC 6026 "Accepted"). */
export type TransactionState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

export type TransactionKind = 'invite-client' | 'non-invite-client' | 'invite-server' | 'non-invite-server';

/** What a transaction needs of its owner, the TransactionLayer (or a test). */
export interface TransactionContext {
  readonly sender: MessageSender;
  readonly clock: Clock;
  readonly timers: Timers;
  /** Called exactly once, when the transaction enters "Terminated". */
  terminated(transaction: Transaction): void;
  /** A TU callback threw while a timer was running it. */
  error(error: unknown, transaction: Transaction): void;
}

export abstract class Transaction {
  abstract readonly kind: TransactionKind;
  /** The matching key (§17.1.3, §17.2.3) under which the layer files this transaction. */
  readonly key: string;
  /** The request that created the transaction. */
  readonly request: SipRequest;
  /** Where requests (client) or responses (server) go. */
  readonly flow: Flow;
  protected readonly ctx: TransactionContext;
  private currentState: TransactionState;
  private readonly running = new Map<string, TimerHandle>();

  protected constructor(ctx: TransactionContext, key: string, request: SipRequest, flow: Flow, initial: TransactionState) {
    this.ctx = ctx;
    this.key = key;
    this.request = request;
    this.flow = flow;
    this.currentState = initial;
  }

  get state(): TransactionState {
    return this.currentState;
  }

  /** §17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2 — retransmission timers run only over unreliable transports. */
  get reliable(): boolean {
    return isReliable(this.flow);
  }

  /** The transport reported that this transaction's flow failed (a TCP connection broke, say). */
  abstract transportError(): void;

  /**
   * Ends the transaction without telling the TU: the layer is closing. Idempotent.
   */
  dispose(): void {
    this.terminate();
  }

  protected setState(state: TransactionState): void {
    this.currentState = state;
  }

  /**
   * Enters "Terminated": stops every timer and tells the owner, once.
   * §17.1.1.2: "Once the transaction is in the "Terminated" state, it MUST be destroyed immediately."
   */
  protected terminate(): void {
    if (this.currentState === 'terminated') return;
    this.currentState = 'terminated';
    for (const handle of this.running.values()) this.ctx.clock.clearTimeout(handle);
    this.running.clear();
    this.ctx.terminated(this);
  }

  /**
   * Starts (or restarts) the timer `name`. A zero duration — the value of Timers
   * D, I, J and K over reliable transports — runs `fire` at once, so the
   * transaction leaves the layer's maps without waiting for a clock tick.
   */
  protected startTimer(name: string, ms: number, fire: () => void): void {
    if (this.currentState === 'terminated') return;
    this.stopTimer(name);
    if (ms <= 0) {
      fire();
      return;
    }
    const handle = this.ctx.clock.setTimeout(() => {
      this.running.delete(name);
      if (this.currentState === 'terminated') return;
      try {
        fire();
      } catch (error) {
        this.ctx.error(error, this);
      }
    }, ms);
    this.running.set(name, handle);
  }

  protected stopTimer(name: string): void {
    const handle = this.running.get(name);
    if (handle === undefined) return;
    this.ctx.clock.clearTimeout(handle);
    this.running.delete(name);
  }

  /** Names of the running timers, for tests and debugging. */
  get runningTimers(): string[] {
    return [...this.running.keys()];
  }

  /**
   * Passes a message to the transport. The MessageSender contract is not to
   * throw; should one throw anyway it is treated as the transport reporting an
   * error (§17.1.1.2, §17.2.4), which is what it is.
   */
  protected transmit(message: SipMessage): boolean {
    try {
      this.ctx.sender.send(message, this.flow);
      return true;
    } catch {
      this.transportError();
      return false;
    }
  }
}
