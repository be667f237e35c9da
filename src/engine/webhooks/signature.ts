// Standard Webhooks signatures (https://www.standardwebhooks.com, spec
// "Signature scheme"): HMAC-SHA256, keyed with the base64-decoded part of a
// `whsec_…` secret, over `${webhook-id}.${webhook-timestamp}.${body}`; sent as
// `webhook-signature: v1,<base64>` with the id and the Unix timestamp in
// seconds beside it. The timestamp is that of the attempt, so a receiver's
// replay window (5 minutes by the spec) holds for retries too.
import { createHmac, randomBytes } from 'node:crypto';

const SECRET = /^whsec_([A-Za-z0-9+/]{32,}={0,2})$/;

export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export function isValidSecret(secret: string): boolean {
  const m = SECRET.exec(secret);
  if (!m?.[1]) return false;
  const bytes = Buffer.from(m[1], 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function sign(secret: string, messageId: string, body: string, at: Date): SignedHeaders {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const mac = createHmac('sha256', key).update(`${messageId}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': messageId, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${mac}` };
}
