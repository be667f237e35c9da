// A conference mixer in linear PCM: N relay legs, 8 kHz, 20 ms frames.
//
// Each 20 ms tick every member's jitter buffer gives one frame (silence when
// it sent nothing), and each member is sent the sum of the frames it may
// hear, minus its own, saturated to 16 bits and encoded in its leg's G.711
// law (ITU-T G.711; RFC 3551 §4.5.14). Who hears whom follows the member's
// mode (mixer-member.ts): speak+hear members are heard by all, a whisperer
// only by its target, a listener by nobody; everyone hears.
//
// RFC 3550 §7.1 calls this a mixer: its output is a new synchronisation
// source per receiver, so the output streams are the member's own (SSRC,
// sequence, timestamp), not the talkers'. CSRC lists are not sent: G.711
// phones ignore them, and a listener's presence must not show in them.
//
// Pacing follows the clock, as the player's does: each tick mixes the frames
// due since the start, and the next tick is set for the next frame's due time; a stall of more than 100 ms is skipped (the jitter
// buffers and output timestamps move on) rather than sent as a burst.
//
// Members are legs of any relay (a barge-in's legs share the call's relay; a
// conference room's callers each have their own): the mixer reads a leg
// through relay.setMixerInput and writes to it through relay.sendToLeg, so
// the legs must not be bridged meanwhile.
import { PbxMediaError } from './errors.ts';
import { FRAME, MixerMember, encodeFrame, type MixerMode } from './mixer-member.ts';
import type { MediaRelay, RtpTap } from './relay.ts';
import { RtpHeader, serializeRtpHeader } from './rtp-packet.ts';

export type { MixerMode } from './mixer-member.ts';

const FRAME_MS = 20;
/** Frames a tick may catch up; beyond that the lost time is skipped. */
const MAX_CATCH_UP = 5;

export interface MixerOptions {
  /** Milliseconds; Date.now by default. */
  now?: () => number;
}

export interface MixerMemberInfo {
  id: string;
  legId: string;
  mode: MixerMode;
  target?: string;
  packetsIn: number;
  packetsOut: number;
}

export class AudioMixer {
  private readonly members = new Map<string, MixerMember>();
  /** The same members as an array, for the tick's loops. */
  private list: MixerMember[] = [];
  private readonly now: () => number;
  private readonly total = new Int32Array(FRAME);
  private readonly out = new Int32Array(FRAME);
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private startedAt = 0;
  private mixed = 0;
  private closed = false;
  private tap: RtpTap | undefined;
  private readonly tapHeader = new RtpHeader();
  private readonly tapPacket = Buffer.alloc(12 + FRAME);
  private tapSeq = 0;
  private tapTs = 0;
  /** Frames mixed 20 ms or more after they were due, or skipped (the event loop was late); for the benchmark. */
  lateFrames = 0;
  /** Frames due so far (mixed or skipped). */
  get frames(): number {
    return this.mixed;
  }

  constructor(opts: MixerOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.members.size;
  }

  has(id: string): boolean {
    return this.members.has(id);
  }

  info(): MixerMemberInfo[] {
    return this.list.map((m) => ({ id: m.id, legId: m.legId, mode: m.mode, ...(m.target !== undefined ? { target: m.target } : {}), packetsIn: m.packetsIn, packetsOut: m.packetsOut }));
  }

  /**
   * Adds a relay leg as a member (it must not be bridged: the mixer is its
   * only peer now). `target` is the member a whisperer speaks to;
   * `continues` the member whose stream the leg's phone was hearing (its
   * bridge partner), whose SSRC and sequence the member's stream takes up.
   */
  add(id: string, relay: MediaRelay, legId: string, mode: MixerMode = 'speak+hear', target?: string, opts: { continues?: string } = {}): void {
    if (this.closed) throw new PbxMediaError('the mixer is closed', 'MEDIA_CLOSED');
    if (this.members.has(id)) throw new PbxMediaError(`mixer member ${id} already exists`, 'MEDIA_LEG_EXISTS');
    checkMode(mode, target, id);
    const m = new MixerMember(id, relay, legId, mode, mode === 'whisper' ? target : undefined);
    m.continues = opts.continues;
    if (!relay.setMixerInput(legId, m.input)) throw new PbxMediaError(`no media leg ${legId}`, 'MEDIA_UNKNOWN_LEG');
    relay.unbridge(legId);
    this.members.set(id, m);
    this.list = [...this.members.values()];
    this.start();
  }

  setMode(id: string, mode: MixerMode, target?: string): void {
    const m = this.members.get(id);
    if (!m) throw new PbxMediaError(`no mixer member ${id}`, 'MEDIA_UNKNOWN_LEG');
    checkMode(mode, target, id);
    m.mode = mode;
    m.target = mode === 'whisper' ? target : undefined;
  }

  /** The member leaves; its leg stays in its relay, unbridged. Unknown ids are ignored. */
  remove(id: string): void {
    const m = this.members.get(id);
    if (!m) return;
    m.relay.setMixerInput(m.legId, undefined);
    this.members.delete(id);
    this.list = [...this.members.values()];
  }

  /**
   * Sets (or clears) one tap on the mix of everything said (speak+hear members
   * and whisperers; listeners say nothing), as 20 ms µ-law RTP packets of one
   * stream: what a recording of a mixed call records.
   */
  setTap(tap: RtpTap | undefined): void {
    this.tap = tap;
  }

  /** Idempotent; releases the members' inputs, sends nothing more. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    for (const id of [...this.members.keys()]) this.remove(id);
    this.tap = undefined;
  }

  private start(): void {
    if (this.timer || this.immediate) return;
    this.startedAt = this.now();
    this.schedule();
  }

  /**
   * A timeout to the next frame's due time rather than an interval: Node
   * reschedules an interval from when its callback ran, so it drifts later
   * by a millisecond or so per tick. Behind time (the event loop stalled),
   * one frame is mixed per loop turn (setImmediate): timers run before
   * pending I/O, so mixing every overdue frame at once would read the jitter
   * buffers before the packets that arrived during the stall were taken in.
   */
  private schedule(): void {
    if (this.closed) return;
    const wait = this.startedAt + (this.mixed + 1) * FRAME_MS - this.now();
    const run = (): void => {
      this.step();
      this.schedule();
    };
    if (wait <= 0) this.immediate = setImmediate(run);
    else this.timer = setTimeout(run, wait);
  }

  /** Mixes the next frame if it is due (frame j is due (j + 1)·20 ms after the start). */
  private step(): void {
    if (this.closed) return;
    const elapsed = this.now() - this.startedAt;
    const due = Math.floor(elapsed / FRAME_MS);
    if (due - this.mixed > MAX_CATCH_UP) {
      const skip = due - this.mixed - 1;
      for (const m of this.list) m.skip(skip);
      this.tapSeq = (this.tapSeq + skip) & 0xffff;
      this.tapTs = (this.tapTs + skip * FRAME) >>> 0;
      this.mixed += skip;
      this.lateFrames += skip;
    }
    if (this.mixed >= due) return;
    if (elapsed - (this.mixed + 1) * FRAME_MS >= FRAME_MS) this.lateFrames++;
    this.mixFrame();
    this.mixed++;
  }

  /** One 20 ms frame for every member. */
  mixFrame(): void {
    const list = this.list;
    const total = this.total;
    const out = this.out;
    total.fill(0);
    for (const m of list) {
      m.read();
      if (m.mode !== 'speak+hear') continue;
      const f = m.frame;
      for (let i = 0; i < FRAME; i++) total[i] = total[i]! + f[i]!;
    }
    for (const listener of list) {
      if (!listener.receives) continue;
      const own = listener.mode === 'speak+hear' ? listener.frame : undefined;
      for (let i = 0; i < FRAME; i++) out[i] = total[i]! - (own ? own[i]! : 0);
      for (const w of list) {
        if (w.mode !== 'whisper' || w.target !== listener.id || w === listener) continue;
        const f = w.frame;
        for (let i = 0; i < FRAME; i++) out[i] = out[i]! + f[i]!;
      }
      listener.send(out, listener.continues === undefined ? undefined : this.members.get(listener.continues));
    }
    if (this.tap) this.feedTap();
  }

  private feedTap(): void {
    const out = this.out;
    out.set(this.total);
    for (const w of this.list) {
      if (w.mode !== 'whisper') continue;
      const f = w.frame;
      for (let i = 0; i < FRAME; i++) out[i] = out[i]! + f[i]!;
    }
    const p = this.tapPacket;
    serializeRtpHeader({ payloadType: 0, sequenceNumber: this.tapSeq, timestamp: this.tapTs, ssrc: 0x6d697865, marker: false }, p);
    encodeFrame(out, 'PCMU', p, 12);
    const h = this.tapHeader;
    h.payloadType = 0;
    h.sequenceNumber = this.tapSeq;
    h.timestamp = this.tapTs;
    h.ssrc = 0x6d697865;
    h.payloadOffset = 12;
    h.payloadLength = FRAME;
    h.headerLength = 12;
    this.tapSeq = (this.tapSeq + 1) & 0xffff;
    this.tapTs = (this.tapTs + FRAME) >>> 0;
    try {
      this.tap!(p, h, 'PCMU');
    } catch {
      // a tap's failure is its own
    }
  }
}

function checkMode(mode: MixerMode, target: string | undefined, id: string): void {
  if (mode !== 'speak+hear' && mode !== 'hear' && mode !== 'whisper') throw new PbxMediaError(`mixer mode ${String(mode)} is unknown`, 'MEDIA_INVALID');
  if (mode === 'whisper' && (target === undefined || target === id)) throw new PbxMediaError('a whisperer needs another member as its target', 'MEDIA_INVALID');
}
