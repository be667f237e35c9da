// A WebSocket client that can say anything (RFC 6455 framing by hand), so a
// test can send what a well-behaved library never would: unmasked frames,
// reserved bits, unknown opcodes, oversized control frames, declared lengths
// of exabytes, invalid UTF-8 in text frames.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface FrameOptions {
  fin?: boolean;
  /** RSV1-3 as a 3-bit value (§5.2: must be 0 without a negotiated extension). */
  rsv?: number;
  /** §5.3: a client MUST mask its frames; false sends it in the clear. */
  masked?: boolean;
  /** The payload length to declare, when it should lie. */
  declaredLength?: number;
}

/** §5.2 base framing. */
export function frame(opcode: number, payload: Buffer, o: FrameOptions = {}): Buffer {
  const masked = o.masked ?? true;
  const len = o.declaredLength ?? payload.length;
  const head: number[] = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | (opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (len < 126) head.push(maskBit | len);
  else if (len < 65536) {
    head.push(maskBit | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(len);
  } else {
    head.push(maskBit | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(BigInt(len));
  }
  const key = masked ? randomBytes(4) : Buffer.alloc(0);
  const body = Buffer.from(payload);
  if (masked) for (let i = 0; i < body.length; i++) body[i] = (body[i] as number) ^ (key[i % 4] as number);
  return Buffer.concat([Buffer.from(head), ext, key, body]);
}

export interface RawWs {
  socket: Socket;
  /** Bytes the server sent after the handshake. */
  received(): Buffer;
  /** Resolves when the server has closed the connection (or after `ms`). */
  closedWithin(ms: number): Promise<boolean>;
  /** The status code of the server's close frame, if one came. */
  closeCode(): number | undefined;
}

/** Opens a WebSocket by hand (§4.1); rejects unless the server answers 101. */
export function openRaw(port: number, path: string, headers: Record<string, string> = {}): Promise<RawWs> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let closed = false;
    const closeWaiters: (() => void)[] = [];
    socket.on('close', () => {
      closed = true;
      for (const w of closeWaiters) w();
    });
    socket.on('error', (err) => {
      if (!upgraded) reject(err);
    });
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (upgraded) return;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = buf.subarray(0, end).toString('latin1').split('\r\n')[0] ?? '';
      if (!/^HTTP\/1\.1 101/.test(status)) {
        socket.destroy();
        return reject(new Error(`upgrade refused: ${status}`));
      }
      upgraded = true;
      buf = buf.subarray(end + 4);
      resolve({
        socket,
        received: () => buf,
        closedWithin: (ms) =>
          closed
            ? Promise.resolve(true)
            : new Promise((r) => {
                const t = setTimeout(() => r(false), ms);
                closeWaiters.push(() => {
                  clearTimeout(t);
                  r(true);
                });
              }),
        closeCode: () => {
          // The server's frames are unmasked (§5.1); find a close frame (opcode 8) among them.
          let at = 0;
          while (at + 2 <= buf.length) {
            const op = (buf[at] as number) & 0x0f;
            let len = (buf[at + 1] as number) & 0x7f;
            let off = at + 2;
            if (len === 126) {
              len = buf.readUInt16BE(off);
              off += 2;
            } else if (len === 127) {
              len = Number(buf.readBigUInt64BE(off));
              off += 8;
            }
            if (op === 8) return len >= 2 ? buf.readUInt16BE(off) : 1005;
            at = off + len;
          }
          return undefined;
        },
      });
    });
    const lines = [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''];
    socket.write(lines.join('\r\n'));
  });
}
