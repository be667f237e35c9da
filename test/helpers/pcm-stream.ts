// Raw PCM over the Call Control stream endpoints, the way a voice bot does
// it: a chunked GET read as it arrives, a chunked POST written in bursts
// ahead of real time and never ended unless asked; and a tone detector
// (Goertzel) for what comes back.
import { request as httpsRequest } from 'node:https';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { readReply, type CallControlClient } from './callcontrol-client.ts';

/** A sine as PCM s16le 8 kHz mono. */
export function sinePcm(hz: number, seconds: number, amplitude = 12000): Buffer {
  const n = Math.round(seconds * 8000);
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) out.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 8000)), i * 2);
  return out;
}

/** Share of the signal's power at `hz` (Goertzel), 0..1: near 1 for that pure tone. */
export function toneShare(pcm: Buffer, hz: number): number {
  const n = Math.floor(pcm.length / 2);
  if (n === 0) return 0;
  const k = (2 * Math.PI * hz) / 8000;
  const coeff = 2 * Math.cos(k);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const x = pcm.readInt16LE(i * 2) / 32768;
    energy += x * x;
    const s = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  // A pure sine of amplitude A over n samples: power = (A·n/2)², energy = A²·n/2.
  return energy > 0 ? Math.min(1, (2 * power) / (n * energy)) : 0;
}

export interface PcmReader {
  status: number;
  headers: IncomingMessage['headers'];
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves once at least `bytes` have arrived. */
  waitFor(bytes: number, timeoutMs?: number): Promise<Buffer>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  abort(): void;
  /** Stops reading without closing (a reader that never reads). */
  pause(): void;
  resume(): void;
}

export function openPcmReader(client: CallControlClient, path: string, token = client.token): Promise<PcmReader> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${client.base}${path}`, { method: 'GET', ca: client.ca, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      const chunks: Buffer[] = [];
      let total = 0;
      let waiters: (() => void)[] = [];
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        total += c.length;
        for (const w of waiters.splice(0)) w();
      });
      const ended = new Promise<void>((r) => {
        res.once('end', () => r());
        res.once('close', () => r());
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        received: () => Buffer.concat(chunks),
        waitFor: async (bytes, timeoutMs = 10_000) => {
          const end = Date.now() + timeoutMs;
          while (total < bytes) {
            if (Date.now() > end) throw new Error(`only ${String(total)} of ${String(bytes)} bytes within ${String(timeoutMs)} ms`);
            await new Promise<void>((r) => {
              waiters.push(r);
              setTimeout(r, 100);
            });
          }
          waiters = [];
          return Buffer.concat(chunks);
        },
        ended,
        abort: () => req.destroy(),
        pause: () => res.pause(),
        resume: () => res.resume(),
      });
    });
    req.on('error', (err) => reject(err));
    req.end();
  });
}

export interface PcmWriter {
  /** Resolves with the response once the server answers. */
  response: Promise<{ status: number; body: unknown }>;
  write(chunk: Buffer): void;
  end(): void;
  abort(): void;
  request: ClientRequest;
}

export function openPcmWriter(client: CallControlClient, path: string, contentType: string | undefined = 'application/octet-stream', token = client.token): PcmWriter {
  const headers: Record<string, string> = { 'transfer-encoding': 'chunked' };
  if (contentType !== undefined) headers['content-type'] = contentType;
  if (token) headers.authorization = `Bearer ${token}`;
  let req!: ClientRequest;
  const response = new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    req = httpsRequest(`${client.base}${path}`, { method: 'POST', ca: client.ca, headers }, (res) => void readReply(res).then(resolve, reject));
    req.on('error', reject);
  });
  response.catch(() => undefined);
  return { response, write: (c) => req.write(c), end: () => req.end(), abort: () => req.destroy(), request: req };
}

/** Writes `pcm` in bursts of `burstSeconds`, each sent that long before it is due (as real clients do). */
export async function writeInBursts(writer: PcmWriter, pcm: Buffer, burstSeconds = 0.5): Promise<void> {
  const burst = Math.round(burstSeconds * 16000);
  for (let at = 0; at < pcm.length; at += burst) {
    writer.write(pcm.subarray(at, at + burst));
    await new Promise((r) => setTimeout(r, burstSeconds * 1000));
  }
}
