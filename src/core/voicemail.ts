// Voicemail as every API sees it: a box per extension (enabled, PIN and
// options are extension fields, seed 000 ext.update vm*), messages listed
// newest first and fetched as WAV with an API key.

export interface VoicemailMessage {
  id: string;
  extension: string;
  callerNumber: string;
  callerName: string;
  /** The call that left it. */
  callId: string;
  durationMs: number;
  heard: boolean;
  createdAt: string;
}
