// Type-ahead with real phones: the keys a caller presses right after the PBX
// answers, before the first prompt is ready, are kept for that prompt. The
// prompts are spoken by the real espeak-ng, made slow here (1.5 s per
// sentence, as on a loaded machine, where the voicemail test lost its #):
// 101 presses # at once and its message is recorded, the greeting skipped;
// 102 types its PIN at once and hears its message.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import { voicemailFor102 } from '../helpers/voicemail.ts';
import type { Baresip } from '../peers/baresip.ts';

const SPEECH_DELAY_S = 1.5;

/** The real espeak-ng on PATH. */
function espeak(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const file = join(dir, 'espeak-ng');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  throw new Error('espeak-ng is not installed');
}

describe('type-ahead before a slow prompt', () => {
  let t: TestServer;
  const phones: Baresip[] = [];
  const slowBin = mkdtempSync(join(tmpdir(), 'sb-slow-espeak-'));
  const path = process.env.PATH;
  const admin = (method: string, p: string, body?: unknown) => api(t.base, t.adminKey, method, p, body);
  const messages = async (): Promise<{ id: string; durationMs: number; heard: boolean }[]> => (await admin('GET', '/api/v1/extensions/102/voicemail')).body as { id: string; durationMs: number; heard: boolean }[];

  before(async () => {
    // The server runs in this process: its espeak-ng is this wrapper, the real one after a pause.
    writeFileSync(join(slowBin, 'espeak-ng'), `#!/bin/sh\nsleep ${String(SPEECH_DELAY_S)}\nexec '${espeak()}' "$@"\n`, { mode: 0o755 });
    process.env.PATH = `${slowBin}${delimiter}${path ?? ''}`;
    t = await startTestServer();
    await voicemailFor102(t);
  });
  after(async () => {
    for (const p of phones) await p.stop();
    await t?.stop();
    process.env.PATH = path;
    rmSync(slowBin, { recursive: true, force: true });
  });

  it('a # pressed before the greeting is ready skips it; a PIN typed before its prompt opens the mailbox', { timeout: 120_000 }, async () => {
    const p101 = await registeredPhone(t, '101', { toneHz: 440 });
    phones.push(p101);
    const up = p101.waitForType('CALL_ESTABLISHED', 10_000);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await up;
    // At once: the greeting is still being spoken by espeak.
    await p101.sendDtmf('#');
    // The greeting (about 6 s) would still be playing when 101 hangs up, had the # been lost.
    await new Promise((r) => setTimeout(r, SPEECH_DELAY_S * 1000 + 3500));
    await p101.hangup();
    const [m] = await eventually(async () => {
      const list = await messages();
      return list.length === 1 ? list : undefined;
    }, 8000, 'the message listed: the # typed ahead skipped the greeting');
    assert.ok(m && m.durationMs > 1500, `about three seconds recorded, got ${String(m?.durationMs)} ms`);

    const p102 = await registeredPhone(t, '102', { toneHz: 1000 });
    phones.push(p102);
    const answered = p102.waitForType('CALL_ESTABLISHED', 10_000);
    await p102.dial(`sip:*97@127.0.0.1:${String(t.sipPort)}`);
    await answered;
    const closed = p102.waitForType('CALL_CLOSED', 90_000);
    // At once: the PIN prompt is still being spoken.
    await p102.sendDtmf('1234#');
    await closed;
    assert.equal((await messages())[0]?.heard, true, 'the PIN typed ahead was accepted and the message played');
  });
});
