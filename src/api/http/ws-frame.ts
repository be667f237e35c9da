// A WebSocket text frame built once and written as it is to many sockets.
//
// `ws` builds a header and issues a corked two-buffer write for every send;
// a stream that sends the same message to a thousand sockets can build the
// whole frame once and hand the same Buffer to each socket's own write.
// `ws` keeps the socket for everything else (pings, pongs, the closing
// handshake), so the two must never interleave out of order: a frame goes
// straight to the socket only while ws's sender holds nothing back
// (`rawSink`).

/** RFC 6455 §11.8: text frame. */
const OPCODE_TEXT = 0x1;
/** RFC 6455 §5.2: FIN — this frame is the whole message. */
const FIN = 0x80;

/**
 * The complete frame of one text message, as a server sends it.
 * https://datatracker.ietf.org/doc/html/rfc6455#section-5.2: "Payload length:
 * 7 bits, 7+16 bits, or 7+64 bits … If 0-125, that is the payload length. If
 * 126, the following 2 bytes … If 127, the following 8 bytes". RFC 6455 §5.1:
 * "A server MUST NOT mask any frames that it sends to the client", so no
 * masking key and the payload goes as it is. No RSV bit: the message is not
 * compressed, which is valid whatever extension was negotiated (RFC 7692 §6:
 * a message without RSV1 is uncompressed).
 */
export function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const headerLength = n < 126 ? 2 : n < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + n);
  frame[0] = FIN | OPCODE_TEXT;
  if (n < 126) {
    frame[1] = n;
  } else if (n < 0x10000) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(frame, headerLength);
  return frame;
}

/** The message a frame of `textFrame` carries (a view, not a copy). */
export function payloadOf(frame: Buffer): Buffer {
  const length7 = (frame[1] ?? 0) & 0x7f;
  return frame.subarray(length7 < 126 ? 2 : length7 === 126 ? 4 : 10);
}

/** The underlying TCP socket, as far as a frame's write needs it (net.Socket). */
export interface FrameSink {
  write(data: Buffer, cb?: (err?: Error | null) => void): boolean;
  readonly writable?: boolean;
}

/**
 * The parts of a `ws` (8.x) WebSocket that tell whether a frame may bypass it.
 * They are not public API: when a later `ws` lacks them, `rawSink` answers
 * undefined and the caller sends through ws as before.
 */
export interface RawFrameSocket {
  readonly readyState: number;
  readonly _socket?: FrameSink | null;
  readonly _sender?: { _state?: number; _queue?: unknown[] } | null;
}

/** `WebSocket.OPEN`. */
const OPEN = 1;

/**
 * The TCP socket to write a frame to directly, or undefined when the frame must go
 * through ws: the connection is not open (RFC 6455 §5.5.1: no data frame
 * after a Close frame, and ws may have sent one), or ws's sender is holding
 * frames of its own back (a compression or a Blob read in progress) that a
 * direct write would overtake.
 */
export function rawSink(ws: RawFrameSocket): FrameSink | undefined {
  if (ws.readyState !== OPEN) return undefined;
  const socket = ws._socket;
  const sender = ws._sender;
  if (!socket || socket.writable === false || !sender || sender._state !== 0 || sender._queue === undefined || sender._queue.length > 0) return undefined;
  return socket;
}
