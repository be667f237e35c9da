// A small authoritative DNS server on 127.0.0.1 for tests (RFC 1035 wire
// format over UDP): A, SRV (RFC 2782) and NAPTR (RFC 3403) records from a
// zone given as data. An unknown name is NXDOMAIN; a known name without
// records of the asked type is an empty NOERROR answer. It counts the
// questions it got, so a test can see which lookups happened.
import { createSocket, type Socket } from 'node:dgram';

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}
export interface NaptrData {
  order: number;
  preference: number;
  flags: string;
  service: string;
  regexp: string;
  replacement: string;
}
export interface Zone {
  a?: Record<string, string[]>;
  srv?: Record<string, SrvData[]>;
  naptr?: Record<string, NaptrData[]>;
}

const TYPE = { A: 1, SRV: 33, NAPTR: 35 } as const;

export interface DnsServer {
  /** `127.0.0.1:port`, for SWITCHBOARD_DNS_SERVERS. */
  address: string;
  /** Questions asked, as "TYPE name". */
  questions: string[];
  stop(): Promise<void>;
}

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter((p) => p !== '');
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])), Buffer.from([0])]);
}

function charString(s: string): Buffer {
  return Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'ascii')]);
}

function u16(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeUInt16BE(v, i * 2));
  return b;
}

function readQuestion(msg: Buffer): { name: string; type: number; end: number } | undefined {
  let at = 12;
  const labels: string[] = [];
  while (at < msg.length) {
    const len = msg[at]!;
    if (len === 0) {
      at++;
      break;
    }
    if (len >= 0xc0) return undefined;
    labels.push(msg.subarray(at + 1, at + 1 + len).toString('ascii'));
    at += 1 + len;
  }
  if (at + 4 > msg.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(at), end: at + 4 };
}

function rdataOf(zone: Zone, name: string, type: number): Buffer[] | undefined {
  const known = (m?: Record<string, unknown>) => m !== undefined && Object.keys(m).some((k) => k.toLowerCase() === name);
  if (!known(zone.a) && !known(zone.srv) && !known(zone.naptr)) return undefined;
  const get = <T>(m?: Record<string, T[]>): T[] => Object.entries(m ?? {}).find(([k]) => k.toLowerCase() === name)?.[1] ?? [];
  if (type === TYPE.A) return get(zone.a).map((ip) => Buffer.from(ip.split('.').map(Number)));
  if (type === TYPE.SRV) return get(zone.srv).map((r) => Buffer.concat([u16(r.priority, r.weight, r.port), encodeName(r.target)]));
  if (type === TYPE.NAPTR) {
    return get(zone.naptr).map((r) => Buffer.concat([u16(r.order, r.preference), charString(r.flags), charString(r.service), charString(r.regexp), encodeName(r.replacement)]));
  }
  return [];
}

export async function startDnsServer(zone: Zone): Promise<DnsServer> {
  const socket: Socket = createSocket('udp4');
  const questions: string[] = [];
  socket.on('message', (msg, rinfo) => {
    if (msg.length < 12) return;
    const q = readQuestion(msg);
    if (!q) return;
    const typeName = Object.entries(TYPE).find(([, v]) => v === q.type)?.[0] ?? String(q.type);
    questions.push(`${typeName} ${q.name}`);
    const answers = rdataOf(zone, q.name, q.type);
    // QR, opcode 0, AA, RD copied; RA; rcode 0 or 3 (NXDOMAIN).
    const flags = 0x8400 | (msg.readUInt16BE(2) & 0x0100) | 0x0080 | (answers === undefined ? 3 : 0);
    const header = Buffer.concat([msg.subarray(0, 2), u16(flags, 1, answers?.length ?? 0, 0, 0)]);
    const question = msg.subarray(12, q.end);
    const records = (answers ?? []).map((rdata) => Buffer.concat([u16(0xc00c, q.type, 1), Buffer.from([0, 0, 0, 30]), u16(rdata.length), rdata]));
    socket.send(Buffer.concat([header, question, ...records]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${String(port)}`,
    questions,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
