// Errors of the media plane. `media` knows nothing of the API error catalogue
// (core/errors.ts): the engine maps these codes onto PbxError where a client
// can see them (e.g. MEDIA_NO_PORTS → SB_NOT_READY).

export type PbxMediaErrorCode =
  /** Every RTP/RTCP port pair of the configured range is taken or refused by the OS. */
  | 'MEDIA_NO_PORTS'
  /** No leg with this id on this relay. */
  | 'MEDIA_UNKNOWN_LEG'
  /** A leg with this id already exists. */
  | 'MEDIA_LEG_EXISTS'
  /** The arguments cannot describe a media stream (bad range, a leg bridged to itself…). */
  | 'MEDIA_INVALID'
  /** The relay or allocator was closed. */
  | 'MEDIA_CLOSED';

export class PbxMediaError extends Error {
  override readonly name = 'PbxMediaError';

  constructor(
    message: string,
    readonly code: PbxMediaErrorCode = 'MEDIA_INVALID',
  ) {
    super(message);
  }
}
