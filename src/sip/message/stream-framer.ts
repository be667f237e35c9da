// RFC 3261 §18.3 — Framing on stream transports (TCP, TLS): "In the case of
// stream-oriented transports such as TCP, the Content-Length header field
// indicates the size of the body. All SIP implementations MUST use the header
// field in messages sent over stream-oriented transports."
// RFC 5626 §4.4.1 — CRLF keep-alives: a client sends CRLFCRLF ("ping") between
// messages and the server answers with CRLF ("pong").
//
// The framer only cuts the byte stream into messages; parse each one with
// parseMessage(data, { transport: 'stream' }). It never throws. After an
// error the stream cannot be resynchronised (there is no way to find the next
// start line), so the buffer is dropped and the transport should close the
// connection.

export interface FramerOptions {
  /** Largest message (header section + body) accepted, in octets. Default 64 KiB. */
  maxMessageSize?: number;
}

export type FramerOutput =
  | { kind: 'message'; data: Buffer }
  /** CRLFCRLF between messages: answer with a single CRLF (RFC 5626 §4.4.1). */
  | { kind: 'ping' }
  /** A lone CRLF between messages. */
  | { kind: 'pong' }
  | { kind: 'error'; error: string };

const DEFAULT_MAX = 64 * 1024;

export class SipStreamFramer {
  readonly maxMessageSize: number;
  private buf: Buffer = Buffer.allocUnsafe(0);
  private start = 0;
  private end = 0;
  /** Where to resume looking for the end of the header section. */
  private scanFrom = 0;
  /** Total size of the message being assembled, once its header section is known. */
  private expected = -1;

  constructor(options: FramerOptions = {}) {
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX;
  }

  /** Octets held waiting for the rest of a message. */
  get buffered(): number {
    return this.end - this.start;
  }

  reset(): void {
    this.buf = Buffer.allocUnsafe(0);
    this.start = this.end = this.scanFrom = 0;
    this.expected = -1;
  }

  push(chunk: Buffer): FramerOutput[] {
    const out: FramerOutput[] = [];
    this.append(chunk);
    for (;;) {
      if (this.expected < 0) {
        if (!this.skipKeepAlives(out)) break;
        const r = this.findMessageLength();
        if (r === undefined) {
          if (this.end - this.start > this.maxMessageSize) return this.fail(out, 'header section exceeds the maximum message size');
          break;
        }
        if (typeof r === 'string') return this.fail(out, r);
        if (r > this.maxMessageSize) return this.fail(out, `message of ${r} octets exceeds the maximum of ${this.maxMessageSize}`);
        this.expected = r;
      }
      if (this.end - this.start < this.expected) break;
      // A copy: the internal buffer is reused for the next messages.
      out.push({ kind: 'message', data: Buffer.from(this.buf.subarray(this.start, this.start + this.expected)) });
      this.start += this.expected;
      this.scanFrom = this.start;
      this.expected = -1;
    }
    if (this.start === this.end) this.start = this.end = this.scanFrom = 0;
    return out;
  }

  private fail(out: FramerOutput[], error: string): FramerOutput[] {
    this.reset();
    out.push({ kind: 'error', error });
    return out;
  }

  private append(chunk: Buffer): void {
    const live = this.end - this.start;
    if (this.end + chunk.length > this.buf.length) {
      if (live + chunk.length <= this.buf.length && this.start > 0) {
        this.buf.copy(this.buf, 0, this.start, this.end);
      } else {
        // Doubling keeps byte-at-a-time delivery linear overall.
        const grown = Buffer.allocUnsafe(Math.max(1024, this.buf.length * 2, live + chunk.length));
        this.buf.copy(grown, 0, this.start, this.end);
        this.buf = grown;
      }
      this.scanFrom -= this.start;
      this.start = 0;
      this.end = live;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  /**
   * Consumes CR/LF between messages. Returns false when it needs more octets
   * to tell a ping from a pong.
   */
  private skipKeepAlives(out: FramerOutput[]): boolean {
    const b = this.buf;
    while (this.start < this.end) {
      const c = b[this.start];
      if (c === 0x0d) {
        const left = this.end - this.start;
        if (left < 2) return false;
        if (b[this.start + 1] !== 0x0a) {
          this.start += 1; // stray CR: ignore
          continue;
        }
        if (left < 3) return false;
        if (b[this.start + 2] === 0x0d) {
          if (left < 4) return false;
          if (b[this.start + 3] === 0x0a) {
            out.push({ kind: 'ping' });
            this.start += 4;
            continue;
          }
        }
        out.push({ kind: 'pong' });
        this.start += 2;
      } else if (c === 0x0a) {
        this.start += 1; // LF-only keep-alive from a sloppy peer
      } else {
        break;
      }
    }
    if (this.scanFrom < this.start) this.scanFrom = this.start;
    return this.start < this.end;
  }

  /**
   * Total length of the message at `start` once its header section is complete,
   * undefined while it is not, or an error string.
   */
  private findMessageLength(): number | string | undefined {
    const b = this.buf;
    let p = this.scanFrom;
    let bodyStart = -1;
    for (;;) {
      const lf = b.indexOf(0x0a, p);
      if (lf < 0 || lf >= this.end) break;
      if (lf + 1 >= this.end) break;
      const next = b[lf + 1];
      if (next === 0x0a) {
        bodyStart = lf + 2;
        break;
      }
      if (next === 0x0d) {
        if (lf + 2 >= this.end) break;
        if (b[lf + 2] === 0x0a) {
          bodyStart = lf + 3;
          break;
        }
      }
      p = lf + 1;
    }
    if (bodyStart < 0) {
      // Resume just before the unfinished tail next time (no quadratic rescans).
      this.scanFrom = Math.max(this.start, this.end - 3);
      return undefined;
    }
    const length = contentLength(b.toString('latin1', this.start, bodyStart));
    if (typeof length === 'string') return length;
    return bodyStart - this.start + length;
  }
}

/**
 * Finds Content-Length (or its compact form `l`) in a header section: a light
 * scan, since the full parse happens later in parseMessage.
 */
function contentLength(head: string): number | string {
  let found: number | undefined;
  let lineStart = head.indexOf('\n') + 1; // skip the start line
  while (lineStart < head.length) {
    let lineEnd = head.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = head.length;
    const first = head.charCodeAt(lineStart);
    if (first !== 0x20 && first !== 0x09) {
      const colon = head.indexOf(':', lineStart);
      if (colon > 0 && colon < lineEnd) {
        const name = head.slice(lineStart, colon).trim().toLowerCase();
        if (name === 'content-length' || name === 'l') {
          // Gather continuation lines too: `Content-Length:\r\n 42` is legal.
          let value = head.slice(colon + 1, lineEnd);
          let next = lineEnd + 1;
          while (next < head.length && (head.charCodeAt(next) === 0x20 || head.charCodeAt(next) === 0x09)) {
            let e = head.indexOf('\n', next);
            if (e < 0) e = head.length;
            value += ' ' + head.slice(next, e);
            next = e + 1;
          }
          value = value.trim();
          if (!/^[0-9]{1,10}$/.test(value)) return 'invalid Content-Length';
          if (found !== undefined) return 'more than one Content-Length header field';
          found = Number(value);
        }
      }
    }
    lineStart = lineEnd + 1;
  }
  // §18.3 — mandatory on streams: without it the next message cannot be found.
  return found ?? 'missing Content-Length on a stream transport';
}
