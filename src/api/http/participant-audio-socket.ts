// A live participant's raw audio over one WebSocket (issue 9, beyond 3CX's
// chunked HTTP streams), onto PbxControl.media:
// - out: binary frames of PCM s16le 8 kHz mono, exactly 20 ms (320 bytes)
//   each, of what the participant's phone says;
// - in: binary frames of the same PCM, any length, played to the
//   participant, replacing what it hears from the other side while they
//   flow (the partner is heard again once the client pauses).
// Back-pressure: a client that does not read loses the oldest frames — at
// most `maxQueuedFrames` wait here once the socket holds `highWaterBytes`
// unsent — so a slow reader never grows our memory. Frames in more than
// `maxAheadMs` ahead of real time are dropped likewise. The socket closes
// (1000) when the participant leaves or the call ends.
import type { FastifyBaseLogger } from 'fastify';
import type { AudioUpload, PbxControl } from '../../core/pbx-control.ts';
import { PbxError } from '../../core/errors.ts';
import { keepAlive } from './ws-keepalive.ts';

/** The part of a `ws` WebSocket this bridge uses (`ws` ships no type declarations). */
export interface AudioSocket {
  readonly bufferedAmount: number;
  send(data: Buffer, options: { binary: true }, cb: (err?: Error) => void): void;
  ping(): void;
  close(code: number, reason: string): void;
  terminate(): void;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): void;
  on(event: 'close' | 'pong', listener: () => void): void;
}

export interface AudioSocketLimits {
  /** Bytes the socket may hold unsent before frames wait here (default 32 KB, 1 s of audio). */
  highWaterBytes: number;
  /** Frames that may wait here; one more and the oldest is dropped (default 50, 1 s). */
  maxQueuedFrames: number;
  /** Audio in that is this far ahead of real time is dropped (default 2000 ms). */
  maxAheadMs: number;
  pingIntervalMs: number;
}

export const AUDIO_SOCKET_DEFAULTS: AudioSocketLimits = { highWaterBytes: 32 * 1024, maxQueuedFrames: 50, maxAheadMs: 2000, pingIntervalMs: 30_000 };

/** 20 ms at 8000 samples/s, 2 bytes a sample. */
export const AUDIO_FRAME_BYTES = 320;

/** Close code (RFC 6455 §7.4.1): data of a type the endpoint cannot accept (a text frame). */
const CLOSE_UNSUPPORTED = 1003;
/** Close code (private range, RFC 6455 §7.4.2): audio cannot be played to this participant now. */
export const CLOSE_UNPROCESSABLE = 4422;

export class ParticipantAudioSocket {
  /** Frames out dropped because the client did not read; frames in dropped for being too far ahead. */
  droppedOut = 0;
  droppedIn = 0;
  private readonly queue: Buffer[] = [];
  private partial: Buffer = Buffer.alloc(0);
  private upload: AudioUpload | undefined;
  private closed = false;
  private readonly listening: { close(): void };
  private readonly stopPinging: () => void;

  /** Throws the PbxError of `media.listen` when the participant cannot be streamed (unknown, not connected). */
  constructor(
    private readonly socket: AudioSocket,
    private readonly control: PbxControl,
    private readonly callId: string,
    private readonly participantId: string,
    private readonly log: FastifyBaseLogger,
    private readonly limits: AudioSocketLimits = AUDIO_SOCKET_DEFAULTS,
  ) {
    this.listening = control.media.listen(callId, participantId, {
      pcm: (chunk) => this.out(chunk),
      end: () => this.close(1000, 'the participant left or the call ended'),
    });
    socket.on('message', (data, isBinary) => this.in(data, isBinary));
    socket.on('close', () => this.dispose());
    this.stopPinging = keepAlive(socket, limits.pingIntervalMs, () => {
      this.log.info('audio socket client did not answer a ping; dropping it');
      this.dispose();
      socket.terminate();
    });
  }

  /** Frames waiting for the socket to take them. */
  get queuedFrames(): number {
    return this.queue.length;
  }

  private out(chunk: Buffer): void {
    if (this.closed) return;
    const data = this.partial.length > 0 ? Buffer.concat([this.partial, chunk]) : chunk;
    let at = 0;
    for (; data.length - at >= AUDIO_FRAME_BYTES; at += AUDIO_FRAME_BYTES) this.queue.push(data.subarray(at, at + AUDIO_FRAME_BYTES));
    this.partial = data.subarray(at);
    while (this.queue.length > this.limits.maxQueuedFrames) {
      this.queue.shift();
      this.droppedOut++;
    }
    this.flush();
  }

  private flush(): void {
    while (!this.closed && this.queue.length > 0 && this.socket.bufferedAmount < this.limits.highWaterBytes) {
      this.socket.send(this.queue.shift()!, { binary: true }, () => undefined);
    }
  }

  private in(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.closed) return;
    if (!isBinary) return this.close(CLOSE_UNSUPPORTED, 'send binary frames of PCM s16le 8000 Hz mono');
    const pcm = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    try {
      if (!this.upload || this.upload.isClosed) this.upload = this.control.media.speak(this.callId, this.participantId, { whilePlaying: true });
    } catch (err) {
      this.log.info({ err }, 'audio socket: the participant cannot be played to');
      // 4422: the request cannot be carried out now (a mixed call), as HTTP's 422; the reason says why.
      const refused = err instanceof PbxError && err.status === 422;
      return this.close(refused ? CLOSE_UNPROCESSABLE : 1000, refused ? err.message.slice(0, 120) : 'the participant left or the call ended');
    }
    if (this.upload.bufferedMs > this.limits.maxAheadMs) {
      this.droppedIn++;
      return;
    }
    this.upload.write(pcm);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.dispose();
    this.socket.close(code, reason);
  }

  /** Idempotent: the socket's close, our close and an unanswered ping all end here. */
  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopPinging();
    this.listening.close();
    this.upload?.close();
    this.queue.length = 0;
  }
}
