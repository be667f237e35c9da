// The media side of one call: its relay, the relay leg of every SIP leg,
// what each phone said in SDP and what we say back. SDP toward a phone always
// points at that phone's own relay port, so it never changes when the far
// side does; a leg can move to another call's media with its state.
import type { MediaRelay, Codec as RelayCodec, LegStats } from '../../media/relay.ts';
import { writeAudio, type AudioOffer, type Codec, type Direction } from './sdp-media.ts';

/** The o= line of our SDP toward one leg (RFC 4566 §5.2: the version grows with each change). */
interface SdpOrigin {
  id: number;
  version: number;
}

export class CallMedia {
  private readonly ports = new Map<string, number>();
  /** The last SDP each leg's phone sent (its codecs, address, direction). */
  private readonly remotes = new Map<string, AudioOffer>();
  private readonly origins = new Map<string, SdpOrigin>();
  /** Legs we put on hold (re-INVITE sendonly), as opposed to a phone holding. */
  private readonly heldByUs = new Set<string>();
  /** The direction each phone last asked for in its own SDP (absent: sendrecv). */
  private readonly phoneDirections = new Map<string, Direction>();
  /** Legs muted from the API: heard by nobody, still hearing. */
  private readonly muted = new Set<string>();

  constructor(
    readonly relay: MediaRelay,
    private readonly host: string,
    /** Seeds the o= session ids of this call's legs. */
    private readonly sessionBase: number,
  ) {}

  /** Binds the leg's port pair unless it has one. */
  async addLeg(mediaId: string): Promise<number> {
    const known = this.ports.get(mediaId);
    if (known !== undefined) return known;
    const { port } = await this.relay.addLeg(mediaId);
    this.ports.set(mediaId, port);
    return port;
  }

  /** A leg bound before the call existed (makeCall offers it to the originator). */
  knownPort(mediaId: string, port: number): void {
    this.ports.set(mediaId, port);
  }

  /** An offer to remember before its leg has a port (the caller's INVITE). */
  offered(mediaId: string, sdp: AudioOffer): void {
    this.remotes.set(mediaId, sdp);
  }

  remote(mediaId: string): AudioOffer | undefined {
    return this.remotes.get(mediaId);
  }

  /** What a leg's phone said in SDP: where its media goes and in which codec. */
  setRemote(mediaId: string, sdp: AudioOffer): void {
    const codec = sdp.codecs[0];
    if (!codec) return;
    this.remotes.set(mediaId, sdp);
    this.relay.setRemote(mediaId, {
      address: sdp.address,
      port: sdp.port,
      codec: codec.codec as RelayCodec,
      payloadType: codec.pt,
      ...(sdp.telephoneEvent !== undefined ? { telephoneEventPayloadType: sdp.telephoneEvent } : {}),
    });
  }

  /** Our SDP toward a leg, offering these codecs. */
  sdp(mediaId: string, codecs: Codec[], telephoneEvent: number | undefined, direction: Direction = 'sendrecv'): string {
    let origin = this.origins.get(mediaId);
    if (!origin) {
      origin = { id: this.sessionBase * 1000 + this.origins.size, version: 0 };
      this.origins.set(mediaId, origin);
    }
    origin.version++;
    return writeAudio({ host: this.host, port: this.ports.get(mediaId) ?? 0, codecs, telephoneEvent, direction, sessionId: origin.id, version: origin.version });
  }

  /** Our SDP toward a leg that has negotiated: its own first codec. */
  answerSdp(mediaId: string, direction: Direction = 'sendrecv'): string {
    const remote = this.remotes.get(mediaId);
    const first = remote?.codecs[0];
    return this.sdp(mediaId, first ? [first.codec] : ['PCMU'], remote?.telephoneEvent, direction);
  }

  /** Hold from our side: no audio either way on this leg; resuming is sendrecv (the phone answered our offer). */
  setHeldByUs(mediaId: string, held: boolean): void {
    if (held) this.heldByUs.add(mediaId);
    else {
      this.heldByUs.delete(mediaId);
      this.phoneDirections.delete(mediaId);
    }
    this.applyDirection(mediaId);
  }

  isHeldByUs(mediaId: string): boolean {
    return this.heldByUs.has(mediaId);
  }

  /** The phone's own SDP direction (it holds or resumes). */
  setPhoneDirection(mediaId: string, direction: Direction): void {
    this.phoneDirections.set(mediaId, direction);
    this.heldByUs.delete(mediaId);
    this.applyDirection(mediaId);
  }

  /**
   * Mute from the API: what the phone sends goes nowhere (bridge, mixer) and
   * reaches recordings and taps as silence; it still hears (relay.setMuted).
   */
  setMuted(mediaId: string, muted: boolean): void {
    if (muted) this.muted.add(mediaId);
    else this.muted.delete(mediaId);
    this.applyDirection(mediaId);
  }

  /** The relay's state for a leg: our hold, else the phone's own direction; and our mute beside it. */
  private applyDirection(mediaId: string): void {
    const own = this.heldByUs.has(mediaId) ? 'inactive' : (this.phoneDirections.get(mediaId) ?? 'sendrecv');
    this.relay.setDirection(mediaId, own);
    this.relay.setMuted(mediaId, this.muted.has(mediaId));
  }

  bridge(a: string, b: string): void {
    this.relay.bridge(a, b);
  }

  unbridge(mediaId: string): void {
    this.relay.unbridge(mediaId);
  }

  remove(mediaId: string): void {
    this.relay.removeLeg(mediaId);
    this.ports.delete(mediaId);
    this.remotes.delete(mediaId);
    this.origins.delete(mediaId);
    this.heldByUs.delete(mediaId);
    this.phoneDirections.delete(mediaId);
    this.muted.delete(mediaId);
  }

  /** Takes a leg of another call's media, port, SDP state and all (attended transfer). */
  adopt(from: CallMedia, mediaId: string, asId: string): void {
    this.relay.adoptLeg(from.relay, mediaId, asId);
    const port = from.ports.get(mediaId);
    if (port !== undefined) this.ports.set(asId, port);
    const remote = from.remotes.get(mediaId);
    if (remote) this.remotes.set(asId, remote);
    const origin = from.origins.get(mediaId);
    if (origin) this.origins.set(asId, origin);
    if (from.heldByUs.has(mediaId)) this.heldByUs.add(asId);
    const phone = from.phoneDirections.get(mediaId);
    if (phone !== undefined) this.phoneDirections.set(asId, phone);
    for (const state of [from.ports, from.remotes, from.origins, from.phoneDirections]) state.delete(mediaId);
    from.heldByUs.delete(mediaId);
    from.muted.delete(mediaId);
    // A participant moving into another call arrives unmuted (it is a new participant there).
    this.applyDirection(asId);
  }

  stats(mediaId: string): LegStats | undefined {
    return this.relay.stats(mediaId);
  }

  close(): void {
    this.relay.close();
  }
}
