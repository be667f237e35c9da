// An SMPP 3.4 ESME session over TCP (SMPP v3.4 §2): connect, bind as a
// transceiver, submit messages and take delivery receipts on the same
// session, keep it alive with enquire_link, and reconnect when it drops.
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import {
  CMD,
  STATUS,
  encodePdu,
  splitPdus,
  bindTransceiverBody,
  shortMessageBody,
  parseShortMessage,
  firstCString,
  messageIdBody,
  ESM_DELIVERY_RECEIPT,
  TLV_RECEIPTED_MESSAGE_ID,
  type Pdu,
  type ShortMessage,
} from './smpp-pdu.ts';
import { parseDeliveryReceipt, type DeliveryReceipt } from './delivery-receipt.ts';

export interface SmppTarget {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType?: string;
}

export interface SmppClientOptions {
  reconnectMs?: number;
  enquireLinkMs?: number;
  responseTimeoutMs?: number;
}

export interface SmppClientEvents {
  bound: [];
  unbound: [reason: string];
  receipt: [receipt: DeliveryReceipt];
}

interface Waiting {
  expect: number;
  resolve: (pdu: Pdu) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class SmppClient extends EventEmitter<SmppClientEvents> {
  private socket: Socket | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private sequence = 0;
  private readonly waiting = new Map<number, Waiting>();
  private isBound = false;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private enquireTimer: NodeJS.Timeout | undefined;
  private readonly opts: Required<SmppClientOptions>;

  constructor(
    private readonly target: SmppTarget,
    opts: SmppClientOptions = {},
  ) {
    super();
    this.opts = { reconnectMs: opts.reconnectMs ?? 2000, enquireLinkMs: opts.enquireLinkMs ?? 30_000, responseTimeoutMs: opts.responseTimeoutMs ?? 10_000 };
  }

  get bound(): boolean {
    return this.isBound;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const s = this.socket;
    if (s && this.isBound) {
      // §4.2: unbind, then close once the SMSC has answered (or a moment has passed).
      await this.request(CMD.unbind, Buffer.alloc(0), CMD.unbind_resp).catch(() => undefined);
    }
    this.drop('stopped');
  }

  /** §4.4 submit_sm; resolves with the SMSC's answer (its status and message_id). */
  async submit(m: ShortMessage): Promise<{ status: number; messageId: string }> {
    if (!this.isBound) throw new Error('not bound to the SMSC');
    const resp = await this.request(CMD.submit_sm, shortMessageBody(m), CMD.submit_sm_resp);
    return { status: resp.status, messageId: resp.status === STATUS.ESME_ROK ? firstCString(resp.body) : '' };
  }

  private open(): void {
    if (this.stopped) return;
    const socket = connect({ host: this.target.host, port: this.target.port });
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    socket.setNoDelay(true);
    socket.on('connect', () => void this.bind());
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => undefined); // 'close' follows and reconnects
    socket.on('close', () => {
      if (this.socket === socket) this.drop('connection closed');
    });
  }

  private async bind(): Promise<void> {
    try {
      const resp = await this.request(
        CMD.bind_transceiver,
        bindTransceiverBody({ systemId: this.target.systemId, password: this.target.password, systemType: this.target.systemType ?? '' }),
        CMD.bind_transceiver_resp,
      );
      if (resp.status !== STATUS.ESME_ROK) {
        this.drop(`bind refused with status 0x${resp.status.toString(16)}`);
        return;
      }
      this.isBound = true;
      this.enquireTimer = setInterval(() => {
        this.request(CMD.enquire_link, Buffer.alloc(0), CMD.enquire_link_resp).catch(() => this.drop('enquire_link unanswered'));
      }, this.opts.enquireLinkMs);
      this.enquireTimer.unref();
      this.emit('bound');
    } catch (err) {
      this.drop(`bind failed: ${(err as Error).message}`);
    }
  }

  private request(commandId: number, body: Buffer, expect: number): Promise<Pdu> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error('not connected'));
    // §3.2 sequence_number: 0x00000001 to 0x7FFFFFFF, then wraps.
    this.sequence = this.sequence >= 0x7fffffff ? 1 : this.sequence + 1;
    const seq = this.sequence;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(seq);
        reject(new Error('the SMSC did not answer in time'));
      }, this.opts.responseTimeoutMs);
      this.waiting.set(seq, { expect, resolve, reject, timer });
      socket.write(encodePdu(commandId, seq, body));
    });
  }

  private onData(chunk: Buffer): void {
    let pdus: Pdu[];
    try {
      ({ pdus, rest: this.buffer } = splitPdus(Buffer.concat([this.buffer, chunk])));
    } catch (err) {
      this.drop((err as Error).message);
      return;
    }
    for (const pdu of pdus) this.onPdu(pdu);
  }

  private onPdu(pdu: Pdu): void {
    const waiter = this.waiting.get(pdu.sequence);
    if (waiter && (pdu.commandId === waiter.expect || pdu.commandId === CMD.generic_nack)) {
      this.waiting.delete(pdu.sequence);
      clearTimeout(waiter.timer);
      waiter.resolve(pdu);
      return;
    }
    const reply = (commandId: number, body?: Buffer, status = 0) => this.socket?.write(encodePdu(commandId, pdu.sequence, body, status));
    switch (pdu.commandId) {
      case CMD.enquire_link:
        reply(CMD.enquire_link_resp);
        return;
      case CMD.deliver_sm: {
        reply(CMD.deliver_sm_resp, messageIdBody(''));
        try {
          const sm = parseShortMessage(pdu.body);
          if ((sm.esmClass & 0x3c) !== ESM_DELIVERY_RECEIPT) return; // a mobile-originated message: not ours to handle
          const receipt = parseDeliveryReceipt(sm.message.toString('latin1'));
          const tlvId = sm.tlvs?.get(TLV_RECEIPTED_MESSAGE_ID);
          if (receipt) this.emit('receipt', tlvId ? { ...receipt, messageId: firstCString(Buffer.concat([tlvId, Buffer.from([0])])) } : receipt);
        } catch {
          // A malformed deliver_sm was acknowledged; there is nothing in it to act on.
        }
        return;
      }
      case CMD.unbind:
        reply(CMD.unbind_resp);
        this.drop('the SMSC unbound');
        return;
      default:
        // §4.3: a PDU we do not know (or an answer nobody waits for) gets generic_nack, unless it is itself a response.
        if ((pdu.commandId & 0x80000000) === 0) reply(CMD.generic_nack, undefined, STATUS.ESME_RINVCMDID);
    }
  }

  private drop(reason: string): void {
    const wasBound = this.isBound;
    this.isBound = false;
    clearInterval(this.enquireTimer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
    for (const [seq, w] of this.waiting) {
      clearTimeout(w.timer);
      w.reject(new Error(reason));
      this.waiting.delete(seq);
    }
    if (wasBound) this.emit('unbound', reason);
    if (!this.stopped) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = setTimeout(() => this.open(), this.opts.reconnectMs);
      this.reconnectTimer.unref();
    }
  }
}
