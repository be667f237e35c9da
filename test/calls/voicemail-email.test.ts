// Voicemail to e-mail (seed 000 vmemail) with real phones and a real SMTP
// receiver: 101 leaves 102 a message of its 440 Hz tone; 102 has vmemail 3,
// so the mail carries the WAV (which holds the tone) and the box is empty
// after. With the SMTP server down, a vmemail 1 notice for 103 waits and is
// sent once the server is back, the message staying in the box.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import { startSmtpServer, mimeParts, mailHeader, type SmtpServer } from '../helpers/smtp-server.ts';
import { bandRmsRatio, soxStat } from '../peers/audio.ts';
import type { Baresip } from '../peers/baresip.ts';

describe('voicemail to e-mail', () => {
  let t: TestServer;
  let smtp: SmtpServer;
  let p101: Baresip;
  const admin = (method: string, path: string, body?: unknown) => api(t.base, t.adminKey, method, path, body);
  const box = async (n: string): Promise<{ id: string }[]> => (await admin('GET', `/api/v1/extensions/${n}/voicemail`)).body as { id: string }[];
  const toVoicemail = (n: string, vmEmail: number) =>
    admin('PATCH', `/api/v1/extensions/${n}`, {
      vmEnabled: true,
      vmEmail,
      email: `owner${n}@example.test`,
      forwarding: [{ profile: 'Available', condition: 'notRegistered', destination: { type: 'voicemail', number: n } }],
    });
  const leaveMessage = async (n: string): Promise<void> => {
    const up = p101.waitForType('CALL_ESTABLISHED', 10_000);
    await p101.dial(`sip:${n}@127.0.0.1:${String(t.sipPort)}`);
    await up;
    // # skips the greeting; the beep, then three seconds of the tone.
    await new Promise((r) => setTimeout(r, 800));
    await p101.sendDtmf('#');
    await new Promise((r) => setTimeout(r, 3500));
    await p101.hangup();
  };

  before(async () => {
    smtp = await startSmtpServer({ user: 'vm', password: 'mail-secret' });
    t = await startTestServer({ SWITCHBOARD_SMTP_URL: `smtp://vm:mail-secret@127.0.0.1:${String(smtp.port)}`, SWITCHBOARD_SMTP_FROM: 'pbx@example.test' });
    p101 = await registeredPhone(t, '101', { toneHz: 440 });
  });
  after(async () => {
    await p101?.stop();
    await t?.stop();
    await smtp?.stop();
  });

  it('vmemail 3: the mail carries the message as WAV (the caller tone in it); the box is emptied', { timeout: 60_000 }, async () => {
    assert.equal((await toVoicemail('102', 3)).status, 200);
    await leaveMessage('102');
    const mail = await eventually(async () => smtp.mails.find((m) => m.to.includes('owner102@example.test')), 15_000, 'the mail to 102');
    assert.equal(mail.from, 'pbx@example.test');
    assert.equal(mail.user, 'vm', 'authenticated with the URL credentials');
    assert.match(mailHeader(mail, 'Subject') ?? '', /^Voicemail from .*\(101\), [2-5] s$/);
    assert.match(mailHeader(mail, 'From') ?? '', /<pbx@example\.test>$/);
    const parts = mimeParts(mail);
    assert.equal(parts.length, 2);
    assert.match(parts[0]!.body.toString('utf8'), /New voicemail message for extension 102\.[\s\S]*From: .*\(101\)/);
    const wavPart = parts[1]!;
    assert.equal(wavPart.headers['content-type']?.split(';')[0], 'audio/wav');
    assert.match(wavPart.headers['content-disposition'] ?? '', /^attachment; filename="voicemail-102-/);
    assert.equal(wavPart.body.subarray(0, 4).toString('ascii'), 'RIFF');
    const wav = join(await mkdtemp(join(tmpdir(), 'sb-vm-mail-')), 'attached.wav');
    await writeFile(wav, wavPart.body);
    assert.ok((await soxStat(wav)).lengthSeconds > 1.5);
    const ratio = await bandRmsRatio(wav, 400, 480);
    assert.ok(ratio > 0.8, `the caller's 440 Hz tone in the attachment (band ratio ${ratio.toFixed(2)})`);
    await eventually(async () => ((await box('102')).length === 0 ? true : undefined), 5000, 'vmemail 3 removes the message once mailed');
  });

  it('vmemail 1 with the SMTP server down: the notice is sent when it is back; the message stays', { timeout: 60_000 }, async () => {
    assert.equal((await toVoicemail('103', 1)).status, 200);
    const port = smtp.port;
    await smtp.stop();
    await leaveMessage('103');
    await eventually(async () => ((await box('103')).length === 1 ? true : undefined), 8000, 'the message listed');
    await new Promise((r) => setTimeout(r, 1500));
    smtp = await startSmtpServer({ port, user: 'vm', password: 'mail-secret' });
    const mail = await eventually(async () => smtp.mails.find((m) => m.to.includes('owner103@example.test')), 20_000, 'the notice after the outage');
    const parts = mimeParts(mail);
    assert.equal(parts.length, 1, 'a text notice, no attachment');
    assert.match(parts[0]!.body.toString('utf8'), /Dial \*97 from extension 103/);
    assert.equal((await box('103')).length, 1);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(smtp.mails.filter((m) => m.to.includes('owner103@example.test')).length, 1, 'sent once');
  });
});
