// WAV → MP3 in a worker thread (lamejs is pure JavaScript and takes a few
// hundred ms per call-hour of CPU: never on the thread that relays RTP).
import { Worker } from 'node:worker_threads';
import { PbxMediaError } from './errors.ts';

export interface Mp3Result {
  bytes: number;
  /** Sample frames encoded. */
  samples: number;
}

/** Encodes a PCM16 WAV file to `mp3Path`. 8 kHz speech: 16 kbit/s mono, 32 kbit/s stereo by default. */
export function wavToMp3(wavPath: string, mp3Path: string, opts: { kbps?: number; channels?: 1 | 2 } = {}): Promise<Mp3Result> {
  const kbps = opts.kbps ?? (opts.channels === 2 ? 32 : 16);
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./mp3-worker.mjs', import.meta.url), { workerData: { wavPath, mp3Path, kbps } });
    let settled = false;
    worker.once('message', (m: { ok: true; bytes: number; samples: number } | { ok: false; error: string }) => {
      settled = true;
      if (m.ok) resolve({ bytes: m.bytes, samples: m.samples });
      else reject(new PbxMediaError(`MP3 encoding of ${wavPath} failed: ${m.error}`, 'MEDIA_INVALID'));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new PbxMediaError(`MP3 worker exited with ${String(code)}`, 'MEDIA_INVALID'));
    });
  });
}
