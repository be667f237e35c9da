// The MP3 encoder's worker thread: reads a PCM16 WAV file and writes it as MP3
// with lamejs (pure JavaScript LAME), off the event loop that carries RTP.
// Plain JavaScript because a worker thread does not inherit tsx's loader.
// workerData: { wavPath, mp3Path, kbps }. Posts { ok: true, bytes, samples } or { ok: false, error }.
import { readFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Mp3Encoder } from '@breezystack/lamejs';

/** One MPEG-2.5 granule pair at 8 kHz; lamejs takes any multiple. */
const CHUNK = 1152 * 8;

function findData(buf) {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file');
  let format;
  let at = 12;
  while (at + 8 <= buf.length) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') format = { tag: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    else if (id === 'data') {
      if (!format || format.tag !== 1 || format.bits !== 16) throw new Error('not 16-bit PCM');
      return { ...format, offset: body, bytes: Math.min(size, buf.length - body) };
    }
    at = body + size + (size & 1);
  }
  throw new Error('no data chunk');
}

function encode({ wavPath, mp3Path, kbps }) {
  const buf = readFileSync(wavPath);
  const wav = findData(buf);
  const frames = Math.floor(wav.bytes / (2 * wav.channels));
  const encoder = new Mp3Encoder(wav.channels, wav.rate, kbps);
  const out = openSync(mp3Path, 'w');
  let bytes = 0;
  const put = (chunk) => {
    if (chunk.length > 0) bytes += writeSync(out, chunk);
  };
  try {
    const left = new Int16Array(CHUNK);
    const right = new Int16Array(CHUNK);
    for (let start = 0; start < frames; start += CHUNK) {
      const n = Math.min(CHUNK, frames - start);
      for (let i = 0; i < n; i++) {
        const at = wav.offset + (start + i) * 2 * wav.channels;
        left[i] = buf.readInt16LE(at);
        if (wav.channels === 2) right[i] = buf.readInt16LE(at + 2);
      }
      const l = n === CHUNK ? left : left.subarray(0, n);
      put(wav.channels === 2 ? encoder.encodeBuffer(l, n === CHUNK ? right : right.subarray(0, n)) : encoder.encodeBuffer(l));
    }
    put(encoder.flush());
  } finally {
    closeSync(out);
  }
  return { bytes, samples: frames };
}

try {
  parentPort.postMessage({ ok: true, ...encode(workerData) });
} catch (err) {
  parentPort.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
}
