// SMPP 3.4 PDUs (SMPP v3.4 Issue 1.2, section 3 and 4): the 16-octet header
// and the bodies an ESME sending SMS needs — bind_transceiver, submit_sm,
// deliver_sm, enquire_link, unbind, generic_nack — with their responses.

/** §5.1.2.1 command_id values. */
export const CMD = {
  generic_nack: 0x80000000,
  bind_transceiver: 0x00000009,
  bind_transceiver_resp: 0x80000009,
  submit_sm: 0x00000004,
  submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  unbind: 0x00000006,
  unbind_resp: 0x80000006,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
} as const;

/** §5.1.3 command_status values we act on. */
export const STATUS = {
  ESME_ROK: 0x00000000,
  ESME_RINVCMDID: 0x00000003,
  ESME_RBINDFAIL: 0x0000000d,
  ESME_RINVPASWD: 0x0000000e,
  ESME_RMSGQFUL: 0x00000014,
  ESME_RTHROTTLED: 0x00000058,
} as const;

export interface Pdu {
  commandId: number;
  status: number;
  sequence: number;
  body: Buffer;
}

/** §3.2: command_length includes the header itself. */
export const HEADER_LENGTH = 16;
/** Larger PDUs are refused; a submit_sm is at most a few hundred octets. */
export const MAX_PDU_LENGTH = 64 * 1024;

export function encodePdu(commandId: number, sequence: number, body: Buffer = Buffer.alloc(0), status = 0): Buffer {
  const head = Buffer.alloc(HEADER_LENGTH);
  head.writeUInt32BE(HEADER_LENGTH + body.length, 0);
  head.writeUInt32BE(commandId >>> 0, 4);
  head.writeUInt32BE(status >>> 0, 8);
  head.writeUInt32BE(sequence >>> 0, 12);
  return Buffer.concat([head, body]);
}

/**
 * Splits a TCP byte stream into PDUs by their command_length (§3.2). Returns
 * the PDUs complete so far and the bytes left over for the next chunk.
 */
export function splitPdus(buffer: Buffer): { pdus: Pdu[]; rest: Buffer } {
  const pdus: Pdu[] = [];
  let offset = 0;
  while (buffer.length - offset >= HEADER_LENGTH) {
    const length = buffer.readUInt32BE(offset);
    if (length < HEADER_LENGTH || length > MAX_PDU_LENGTH) throw new Error(`SMPP command_length ${String(length)} out of range`);
    if (buffer.length - offset < length) break;
    pdus.push({
      commandId: buffer.readUInt32BE(offset + 4),
      status: buffer.readUInt32BE(offset + 8),
      sequence: buffer.readUInt32BE(offset + 12),
      body: buffer.subarray(offset + HEADER_LENGTH, offset + length),
    });
    offset += length;
  }
  return { pdus, rest: buffer.subarray(offset) };
}

/** §3.1 C-Octet String: ASCII ending in one NUL octet. */
function cString(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'latin1'), Buffer.from([0])]);
}

class Reader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}
  cString(): string {
    const end = this.buf.indexOf(0, this.offset);
    if (end === -1) throw new Error('SMPP C-Octet String without its NUL');
    const s = this.buf.subarray(this.offset, end).toString('latin1');
    this.offset = end + 1;
    return s;
  }
  octet(): number {
    if (this.offset >= this.buf.length) throw new Error('SMPP body too short');
    return this.buf.readUInt8(this.offset++);
  }
  octets(n: number): Buffer {
    if (this.offset + n > this.buf.length) throw new Error('SMPP body too short');
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }
  /** §3.3 optional parameters (TLVs) after the mandatory ones. */
  tlvs(): Map<number, Buffer> {
    const out = new Map<number, Buffer>();
    while (this.buf.length - this.offset >= 4) {
      const tag = this.buf.readUInt16BE(this.offset);
      const len = this.buf.readUInt16BE(this.offset + 2);
      this.offset += 4;
      out.set(tag, this.octets(len));
    }
    return out;
  }
}

export interface BindBody {
  systemId: string;
  password: string;
  systemType: string;
}

/** §4.1.5 bind_transceiver: interface_version 0x34, no address range. */
export function bindTransceiverBody(b: BindBody): Buffer {
  return Buffer.concat([cString(b.systemId), cString(b.password), cString(b.systemType), Buffer.from([0x34, 0, 0]), cString('')]);
}

export interface ShortMessage {
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
  message: Buffer;
  tlvs?: Map<number, Buffer>;
}

/** §4.4.1 submit_sm (and §4.6.1 deliver_sm, which has the same mandatory layout). */
export function shortMessageBody(m: ShortMessage): Buffer {
  if (m.message.length > 254) throw new Error('short_message is at most 254 octets');
  return Buffer.concat([
    cString(m.serviceType),
    Buffer.from([m.sourceTon, m.sourceNpi]),
    cString(m.source),
    Buffer.from([m.destTon, m.destNpi]),
    cString(m.destination),
    Buffer.from([m.esmClass, 0 /* protocol_id */, 0 /* priority_flag */]),
    cString('') /* schedule_delivery_time: immediate */,
    cString('') /* validity_period: SMSC default */,
    Buffer.from([m.registeredDelivery, 0 /* replace_if_present */, m.dataCoding, 0 /* sm_default_msg_id */, m.message.length]),
    m.message,
  ]);
}

export function parseShortMessage(body: Buffer): ShortMessage {
  const r = new Reader(body);
  const serviceType = r.cString();
  const sourceTon = r.octet();
  const sourceNpi = r.octet();
  const source = r.cString();
  const destTon = r.octet();
  const destNpi = r.octet();
  const destination = r.cString();
  const esmClass = r.octet();
  r.octet();
  r.octet();
  r.cString();
  r.cString();
  const registeredDelivery = r.octet();
  r.octet();
  const dataCoding = r.octet();
  r.octet();
  const message = r.octets(r.octet());
  return { serviceType, sourceTon, sourceNpi, source, destTon, destNpi, destination, esmClass, registeredDelivery, dataCoding, message, tlvs: r.tlvs() };
}

/** The message_id of a submit_sm_resp (§4.4.2), or the system_id of a bind response. */
export function firstCString(body: Buffer): string {
  return body.length === 0 ? '' : new Reader(body).cString();
}

export function messageIdBody(id: string): Buffer {
  return cString(id);
}

/** §5.3.2.12 receipted_message_id TLV tag. */
export const TLV_RECEIPTED_MESSAGE_ID = 0x001e;
/** §5.2.12 esm_class bits 5-2 = 0001: this deliver_sm is an SMSC delivery receipt. */
export const ESM_DELIVERY_RECEIPT = 0x04;
/** §5.2.12 esm_class bit 6: short_message begins with a user data header. */
export const ESM_UDHI = 0x40;
