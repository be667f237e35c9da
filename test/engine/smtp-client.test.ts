// The voicemail mailer's SMTP client against a real SMTP receiver on
// 127.0.0.1: STARTTLS (RFC 3207) with a certificate we trust, AUTH PLAIN,
// dot-stuffing of a line that starts with "."; a wrong password and an
// untrusted certificate fail with what the notifier needs to decide.
import { describe, it, before, after } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { sendMail, parseSmtpUrl, SmtpError } from '../../src/engine/voicemail/smtp-client.ts';
import { startSmtpServer, type SmtpServer } from '../helpers/smtp-server.ts';
import { selfSignedCertificate } from '../helpers/callcontrol-client.ts';

describe('SMTP client', () => {
  let smtp: SmtpServer;
  let ca: string;

  before(async () => {
    const pair = await selfSignedCertificate();
    ca = pair.ca;
    smtp = await startSmtpServer({ user: 'vm', password: 'pw', tls: { cert: readFileSync(pair.cert, 'utf8'), key: readFileSync(pair.key, 'utf8') } });
  });
  after(async () => {
    await smtp?.stop();
  });

  it('upgrades to TLS when offered, authenticates, and keeps a leading dot', async () => {
    const target = { ...parseSmtpUrl(`smtp://vm:pw@localhost:${String(smtp.port)}`, 'pbx.test'), ca: [ca] };
    await sendMail(target, { from: 'a@pbx.test', to: ['b@example.test'] }, 'Subject: hi\r\n\r\nline one\r\n.line two starts with a dot\r\n.\r\n');
    const mail = smtp.mails.at(-1);
    assert.ok(mail);
    assert.equal(mail.secure, true, 'sent after STARTTLS');
    assert.equal(mail.user, 'vm');
    assert.deepEqual(mail.to, ['b@example.test']);
    assert.match(mail.data, /\r\n\.line two starts with a dot\r\n\.$/);
  });

  it('a wrong password is a 535 (permanent); an untrusted certificate a network failure (code 0)', async () => {
    const bad = { ...parseSmtpUrl(`smtp://vm:nope@localhost:${String(smtp.port)}`, 'pbx.test'), ca: [ca] };
    await assert.rejects(sendMail(bad, { from: 'a@pbx.test', to: ['b@example.test'] }, 'x'), (err: unknown) => err instanceof SmtpError && err.code === 535);
    const untrusted = parseSmtpUrl(`smtp://vm:pw@localhost:${String(smtp.port)}`, 'pbx.test');
    await assert.rejects(sendMail(untrusted, { from: 'a@pbx.test', to: ['b@example.test'] }, 'x'), (err: unknown) => err instanceof SmtpError && err.code === 0);
  });

  it('URLs: smtps:// means TLS from the start on 465; credentials are URL-decoded; other schemes are refused', () => {
    assert.deepEqual(parseSmtpUrl('smtps://user%40x:p%3Ass@mail.test', 'h'), { host: 'mail.test', port: 465, implicitTls: true, user: 'user@x', password: 'p:ss', helo: 'h' });
    assert.deepEqual(parseSmtpUrl('smtp://mail.test', 'h'), { host: 'mail.test', port: 25, implicitTls: false, helo: 'h' });
    assert.throws(() => parseSmtpUrl('http://mail.test', 'h'), /smtp:\/\/ or smtps:\/\//);
  });
});
