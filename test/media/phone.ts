// A fake phone for relay tests: one UDP socket on 127.0.0.1 that sends RTP
// built here and records what reaches it.
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { linearToAlaw, linearToUlaw } from '../../src/media/g711.ts';
import { RtpHeader, parseRtpHeader, serializeRtpHeader } from '../../src/media/rtp-packet.ts';
import type { Codec } from '../../src/media/relay.ts';

export const HOST = '127.0.0.1';

export interface Received {
  buf: Buffer;
  header: RtpHeader;
  payload: Buffer;
  from: { address: string; port: number };
}

export class Phone {
  readonly received: Received[] = [];
  /** Raw datagrams, including ones that do not parse as RTP (RTCP). */
  readonly raw: Buffer[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('message', (buf, rinfo) => {
      this.raw.push(buf);
      const header = new RtpHeader();
      if (parseRtpHeader(buf, header)) {
        this.received.push({ buf, header, payload: buf.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength), from: { address: rinfo.address, port: rinfo.port } });
      }
    });
  }

  static async open(): Promise<Phone> {
    const socket = createSocket('udp4');
    socket.bind(0, HOST);
    await once(socket, 'listening');
    return new Phone(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(buf: Uint8Array, port: number): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(buf, port, HOST, (err) => (err ? reject(err) : resolve())));
  }

  close(): void {
    this.socket.close();
  }
}

/** 160 samples (20 ms at 8 kHz) of a 1 kHz tone at amplitude 8000, starting at sample `start`. */
export function toneSamples(start: number, count = 160, frequency = 1000, amplitude = 8000): Int16Array {
  const s = new Int16Array(count);
  for (let i = 0; i < count; i++) s[i] = Math.round(amplitude * Math.sin((2 * Math.PI * frequency * (start + i)) / 8000));
  return s;
}

export function encode(samples: Int16Array, codec: Codec): Buffer {
  const out = Buffer.alloc(samples.length);
  const enc = codec === 'PCMU' ? linearToUlaw : linearToAlaw;
  for (let i = 0; i < samples.length; i++) out[i] = enc(samples[i]!);
  return out;
}

export function rtpPacket(opts: { payloadType: number; sequenceNumber: number; timestamp: number; ssrc: number; marker?: boolean; payload: Uint8Array }): Buffer {
  const buf = Buffer.alloc(12 + opts.payload.length);
  const n = serializeRtpHeader(opts, buf);
  buf.set(opts.payload, n);
  return buf;
}

/** The n-th 20 ms packet of a tone stream. */
export function tonePacket(n: number, codec: Codec, payloadType: number, ssrc: number): Buffer {
  return rtpPacket({ payloadType, sequenceNumber: (1000 + n) & 0xffff, timestamp: (n * 160) >>> 0, ssrc, marker: n === 0, payload: encode(toneSamples(n * 160), codec) });
}

export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets datagrams in flight arrive (loopback delivers within microseconds; this leaves margin). */
export function settle(ms = 60): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
