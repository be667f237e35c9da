// A small but real SMPP 3.4 SMSC for the tests, over TCP: it accepts
// bind_transceiver with one system_id/password, answers submit_sm with a
// message_id, sends a delivery receipt (deliver_sm, esm_class 0x04) for each
// part a moment later, answers enquire_link and unbind, and can send its own
// enquire_link. Its PDU code is written here on purpose, apart from
// src/engine/sms, so a mistake there is not mirrored here.
import { createServer, type Server, type Socket } from 'node:net';

export interface Submitted {
  serviceType: string;
  sourceTon: number;
  sourceNpi: number;
  source: string;
  destTon: number;
  destNpi: number;
  destination: string;
  esmClass: number;
  registeredDelivery: number;
  dataCoding: number;
  shortMessage: Buffer;
  messageId: string;
}

export interface SmscOptions {
  systemId: string;
  password: string;
  /** Receipt `stat` per submitted part; undefined: no receipt. */
  receiptFor?: (s: Submitted) => string | undefined;
  receiptDelayMs?: number;
}

const BIND_TRANSCEIVER = 0x00000009;
const SUBMIT_SM = 0x00000004;
const DELIVER_SM = 0x00000005;
const UNBIND = 0x00000006;
const ENQUIRE_LINK = 0x00000015;
const RESP = 0x80000000;

function pdu(id: number, status: number, seq: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(16 + body.length);
  b.writeUInt32BE(b.length, 0);
  b.writeUInt32BE(id >>> 0, 4);
  b.writeUInt32BE(status, 8);
  b.writeUInt32BE(seq, 12);
  body.copy(b, 16);
  return b;
}

const z = (s: string): Buffer => Buffer.from(`${s}\0`, 'latin1');

function yymmddhhmm(d: Date): string {
  return d.toISOString().replace(/[-T:]/g, '').slice(2, 12);
}

export class Smsc {
  readonly submitted: Submitted[] = [];
  readonly binds: { systemId: string; ok: boolean }[] = [];
  enquireLinksAnswered = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private nextId = 0x1000;
  private mySeq = 0;
  private readonly pending = new Map<number, () => void>();
  port = 0;

  constructor(private readonly opts: SmscOptions) {}

  /** Listens on 127.0.0.1 (on `port` when given, to come back where a client expects us). */
  async start(port = 0): Promise<number> {
    const server = createServer((s) => this.session(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : port;
    return this.port;
  }

  /** Goes away: the listener and every session close at once. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  get sessions(): number {
    return this.sockets.size;
  }

  /** Sends enquire_link on every bound session; resolves when all have answered. */
  async enquireLink(): Promise<void> {
    await Promise.all(
      [...this.sockets].map(
        (s) =>
          new Promise<void>((resolve) => {
            this.mySeq += 1;
            this.pending.set(this.mySeq, resolve);
            s.write(pdu(ENQUIRE_LINK, 0, this.mySeq));
          }),
      ),
    );
  }

  private session(s: Socket): void {
    this.sockets.add(s);
    let buf = Buffer.alloc(0);
    let bound = false;
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
    s.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 16 && buf.length >= buf.readUInt32BE(0)) {
        const len = buf.readUInt32BE(0);
        const id = buf.readUInt32BE(4);
        const seq = buf.readUInt32BE(12);
        const body = buf.subarray(16, len);
        buf = buf.subarray(len);
        if (id & RESP) {
          this.pending.get(seq)?.();
          this.pending.delete(seq);
          continue;
        }
        if (id === BIND_TRANSCEIVER) {
          const [systemId = '', password = ''] = body.toString('latin1').split('\0');
          const ok = systemId === this.opts.systemId && password === this.opts.password;
          this.binds.push({ systemId, ok });
          bound = ok;
          // ESME_RINVPASWD (0x0E) for a wrong password.
          s.write(pdu(BIND_TRANSCEIVER | RESP, ok ? 0 : 0x0e, seq, z('TestSMSC')));
        } else if (id === ENQUIRE_LINK) {
          s.write(pdu(ENQUIRE_LINK | RESP, 0, seq));
        } else if (id === UNBIND) {
          s.write(pdu(UNBIND | RESP, 0, seq));
          s.end();
        } else if (id === SUBMIT_SM) {
          if (!bound) {
            s.write(pdu(SUBMIT_SM | RESP, 0x04 /* ESME_RINVBNDSTS */, seq));
            continue;
          }
          const sm = this.parseSubmit(body);
          this.submitted.push(sm);
          s.write(pdu(SUBMIT_SM | RESP, 0, seq, z(sm.messageId)));
          const stat = this.opts.receiptFor?.(sm);
          if (stat !== undefined) setTimeout(() => this.receipt(s, sm, stat), this.opts.receiptDelayMs ?? 100);
        } else {
          s.write(pdu(RESP, 0x03 /* ESME_RINVCMDID */, seq));
        }
      }
    });
  }

  private parseSubmit(b: Buffer): Submitted {
    let o = 0;
    const str = (): string => {
      const end = b.indexOf(0, o);
      const v = b.subarray(o, end).toString('latin1');
      o = end + 1;
      return v;
    };
    const byte = (): number => b.readUInt8(o++);
    const serviceType = str();
    const sourceTon = byte();
    const sourceNpi = byte();
    const source = str();
    const destTon = byte();
    const destNpi = byte();
    const destination = str();
    const esmClass = byte();
    byte(); // protocol_id
    byte(); // priority_flag
    str(); // schedule_delivery_time
    str(); // validity_period
    const registeredDelivery = byte();
    byte(); // replace_if_present_flag
    const dataCoding = byte();
    byte(); // sm_default_msg_id
    const smLength = byte();
    const shortMessage = Buffer.from(b.subarray(o, o + smLength));
    this.nextId += 1;
    return { serviceType, sourceTon, sourceNpi, source, destTon, destNpi, destination, esmClass, registeredDelivery, dataCoding, shortMessage, messageId: this.nextId.toString(16) };
  }

  private receipt(s: Socket, sm: Submitted, stat: string): void {
    if (s.destroyed) return;
    const now = yymmddhhmm(new Date());
    const text = `id:${sm.messageId} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} submit date:${now} done date:${now} stat:${stat} err:000 text:`;
    const body = Buffer.concat([
      z(''),
      Buffer.from([sm.destTon, sm.destNpi]),
      z(sm.destination),
      Buffer.from([sm.sourceTon, sm.sourceNpi]),
      z(sm.source),
      Buffer.from([0x04, 0, 0]),
      z(''),
      z(''),
      Buffer.from([0, 0, 0, 0, text.length]),
      Buffer.from(text, 'latin1'),
    ]);
    this.mySeq += 1;
    s.write(pdu(DELIVER_SM, 0, this.mySeq, body));
  }
}
