// Call recordings as every API sees them. A recording is fetched only through
// its link: `/recordings/{token}.mp3` (or `.wav`), where the token is random,
// stored with the row, never expires and stops working once revoked.

export const RECORDING_ACTIONS = ['start', 'stop'] as const;
export type RecordingAction = (typeof RECORDING_ACTIONS)[number];

export const RECORDING_FORMATS = ['mp3', 'wav'] as const;
export type RecordingFormat = (typeof RECORDING_FORMATS)[number];

export interface RecordingParticipant {
  dn: string;
  number: string;
  name: string;
  direction: 'inbound' | 'outbound';
}

export interface RecordingInfo {
  id: string;
  callId: string;
  /** The CDR row of the call (seed 003 uniqueid). */
  cdrUniqueid: string;
  /** The CDR row's src and dst (empty while the row is not written). */
  src: string;
  dst: string;
  participants: RecordingParticipant[];
  startedAt: string;
  durationMs: number;
  /** Octets of the MP3 file. */
  size: number;
  format: RecordingFormat;
  /** Path of the permanent link, `/recordings/{token}.mp3`; null once revoked. */
  link: string | null;
  revokedAt: string | null;
}

/** A recording in progress: the call it belongs to, from when. */
export interface ActiveRecording {
  callId: string;
  recordingId: string;
  startedAt: string;
}

/** What the download route streams. */
export interface RecordingFile {
  path: string;
  size: number;
  contentType: string;
  /** A file name for Content-Disposition. */
  name: string;
}
