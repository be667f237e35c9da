// The e-mail telling an extension's owner about a new voicemail message
// (seed 000 `vmemail`): RFC 5322 headers, a MIME multipart/mixed body
// (RFC 2045/2046) with a text part and, for vmemail 2 and 3, the WAV as a
// base64 attachment. Non-ASCII in headers is RFC 2047 encoded-word.
import { randomBytes } from 'node:crypto';
import type { VoicemailMessage } from '../../core/voicemail.ts';

/** Seed 000 vmemail: 0 none, 1 text notification, 2 with the audio attached, 3 attached and removed from the box. */
export type VoicemailEmailMode = 0 | 1 | 2 | 3;

function header(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

function wrapped(base64: string): string {
  return base64.replace(/.{1,76}/g, '$&\r\n');
}

export interface VoicemailMail {
  from: string;
  to: string;
  /** Our host name, for the Message-ID. */
  host: string;
  message: VoicemailMessage;
  /** The WAV, when the mode attaches it. */
  audio?: { name: string; data: Buffer };
}

export function composeVoicemailMail(m: VoicemailMail): string {
  const v = m.message;
  const caller = v.callerName !== '' ? `${v.callerName} (${v.callerNumber || 'unknown'})` : v.callerNumber || 'an unknown caller';
  const seconds = Math.round(v.durationMs / 1000);
  const boundary = `sb-${randomBytes(12).toString('hex')}`;
  const text = [
    `New voicemail message for extension ${v.extension}.`,
    '',
    `From: ${caller}`,
    `Left: ${v.createdAt}`,
    `Length: ${String(seconds)} s`,
    '',
    m.audio ? 'The message is attached.' : `Dial *97 from extension ${v.extension} to listen to it.`,
  ].join('\r\n');
  const parts = [`--${boundary}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', wrapped(Buffer.from(text, 'utf8').toString('base64'))];
  if (m.audio) {
    parts.push(`--${boundary}`, `Content-Type: audio/wav; name="${m.audio.name}"`, 'Content-Transfer-Encoding: base64', `Content-Disposition: attachment; filename="${m.audio.name}"`, '', wrapped(m.audio.data.toString('base64')));
  }
  parts.push(`--${boundary}--`, '');
  return [
    `From: ${header('Switchboard voicemail')} <${m.from}>`,
    `To: <${m.to}>`,
    `Subject: ${header(`Voicemail from ${caller}, ${String(seconds)} s`)}`,
    `Date: ${new Date(v.createdAt).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <voicemail-${v.id}@${m.host}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    parts.join('\r\n'),
  ].join('\r\n');
}
