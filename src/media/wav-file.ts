// The RIFF/WAVE container for 16-bit linear PCM ("WAVE_FORMAT_PCM", Microsoft's
// Multimedia Programming Interface and Data Specifications 1.0, 1991, ch. 3):
// a 12-octet RIFF header, a 16-octet "fmt " chunk, then the "data" chunk.
//
//   0  "RIFF"  4  file size − 8   8  "WAVE"
//  12  "fmt "  16 16 (chunk size) 20 1 (PCM)  22 channels  24 sample rate
//  28  byte rate  32 block align  34 bits per sample
//  36  "data"  40 data size       44 samples (little-endian, interleaved)

export const WAV_HEADER_LENGTH = 44;

export interface WavFormat {
  channels: number;
  sampleRate: number;
}

/** The 44-octet header of a PCM16 file holding `dataBytes` of samples. */
export function wavHeader(format: WavFormat, dataBytes: number, into: Buffer = Buffer.alloc(WAV_HEADER_LENGTH)): Buffer {
  const blockAlign = format.channels * 2;
  into.write('RIFF', 0, 'ascii');
  into.writeUInt32LE(36 + dataBytes, 4);
  into.write('WAVE', 8, 'ascii');
  into.write('fmt ', 12, 'ascii');
  into.writeUInt32LE(16, 16);
  into.writeUInt16LE(1, 20);
  into.writeUInt16LE(format.channels, 22);
  into.writeUInt32LE(format.sampleRate, 24);
  into.writeUInt32LE(format.sampleRate * blockAlign, 28);
  into.writeUInt16LE(blockAlign, 32);
  into.writeUInt16LE(16, 34);
  into.write('data', 36, 'ascii');
  into.writeUInt32LE(dataBytes, 40);
  return into;
}

export interface ParsedWav extends WavFormat {
  bitsPerSample: number;
  /** Where the samples start and how many octets of them there are (clipped to the file). */
  dataOffset: number;
  dataBytes: number;
}

/**
 * Finds the format and the data chunk of a PCM WAV file, walking the chunks
 * (other writers put LIST or fact chunks in between). A data size larger than
 * the file — a writer that died before fixing its header — is clipped.
 */
export function parseWav(buf: Uint8Array): ParsedWav | undefined {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 12 || b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let format: { channels: number; sampleRate: number; bitsPerSample: number; tag: number } | undefined;
  let at = 12;
  while (at + 8 <= b.length) {
    const id = b.toString('ascii', at, at + 4);
    const size = b.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ' && body + 16 <= b.length) {
      format = { tag: b.readUInt16LE(body), channels: b.readUInt16LE(body + 2), sampleRate: b.readUInt32LE(body + 4), bitsPerSample: b.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!format || format.tag !== 1) return undefined;
      return { channels: format.channels, sampleRate: format.sampleRate, bitsPerSample: format.bitsPerSample, dataOffset: body, dataBytes: Math.min(size, b.length - body) };
    }
    at = body + size + (size & 1); // chunks are padded to an even size
  }
  return undefined;
}
