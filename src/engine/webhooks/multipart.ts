// multipart/form-data bodies of plain text fields (RFC 7578): each field is
// one part with `Content-Disposition: form-data; name="…"` (§4.2), values in
// UTF-8 (§5.1.2), parts separated by a boundary that appears in no value
// (RFC 2046 §5.1.1).
import { randomBytes } from 'node:crypto';

export function encodeMultipart(fields: Record<string, string>): { contentType: string; body: string } {
  let boundary = `----switchboard${randomBytes(12).toString('hex')}`;
  const values = Object.values(fields).join('\n');
  while (values.includes(boundary)) boundary = `----switchboard${randomBytes(12).toString('hex')}`;
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name.replace(/["\r\n]/g, '')}"\r\n\r\n${value}\r\n`);
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: `${parts.join('')}--${boundary}--\r\n` };
}
