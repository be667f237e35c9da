// Seed 001's voice bot with a spoken prompt, as the issue describes it: the
// prompt is made with espeak-ng and converted with sox to s16le 8 kHz, the
// bot POSTs it into the route point participant's stream, and what baresip
// heard is the prompt — its loudness envelope (20 ms frames) matches the
// prompt's at some lag, which no tone or silence would.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';
import { startHttpsServer, httpsRegisteredPhone, type CallControlClient, type FrameLog } from '../helpers/callcontrol-client.ts';
import { openPcmWriter, writeInBursts } from '../helpers/pcm-stream.ts';

const run = promisify(execFile);

/** RMS per 20 ms frame of s16le 8 kHz PCM. */
function envelope(pcm: Buffer): number[] {
  const out: number[] = [];
  for (let at = 0; at + 320 <= pcm.length; at += 320) {
    let sum = 0;
    for (let i = 0; i < 160; i++) sum += pcm.readInt16LE(at + i * 2) ** 2;
    out.push(Math.sqrt(sum / 160));
  }
  return out;
}

/** The best Pearson correlation of `b` against `a` shifted by 0…maxLag frames (-1: no overlap of 2 s). */
function bestCorrelation(a: number[], b: number[], maxLag: number): number {
  let best = -1;
  for (let lag = 0; lag <= maxLag; lag++) {
    const n = Math.min(a.length, b.length - lag);
    // At least two seconds in common, or it proves nothing.
    if (n < 100) break;
    const x = a.slice(0, n);
    const y = b.slice(lag, lag + n);
    const mx = x.reduce((s, v) => s + v, 0) / n;
    const my = y.reduce((s, v) => s + v, 0) / n;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < n; i++) {
      sxy += (x[i]! - mx) * (y[i]! - my);
      sxx += (x[i]! - mx) ** 2;
      syy += (y[i]! - my) ** 2;
    }
    if (sxx > 0 && syy > 0) best = Math.max(best, sxy / Math.sqrt(sxx * syy));
  }
  return best;
}

describe('a voice bot speaks an espeak-ng prompt into the stream', () => {
  let t: TestServer;
  let bot: CallControlClient;
  let p101: Baresip;
  let ws: FrameLog | undefined;

  before(async () => {
    ({ t, client: bot } = await startHttpsServer());
    await t.server.control.directory.routePoints.create({ number: '851', name: 'Speaking bot', noAppTimeout: 30, fallback: { type: 'extension', number: '103' } });
    const key = (await t.server.control.keys.create('control', 'speaking bot', '851')).key;
    assert.equal((await bot.connect('851', key)).status, 200);
    p101 = await httpsRegisteredPhone(t, '101');
  });
  after(async () => {
    ws?.close();
    await p101?.stop();
    await t?.stop();
  });

  it("101 hears the bot's spoken prompt", { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-bot-speech-'));
    const spoken = join(dir, 'prompt.wav');
    const raw = join(dir, 'prompt.raw');
    await run('espeak-ng', ['-w', spoken, 'Welcome to Switchboard. For sales press two, for support press three.']);
    await run('sox', [spoken, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', raw]);
    const prompt = await readFile(raw);
    assert.ok(prompt.length > 16_000 * 2, 'a prompt of more than two seconds');

    // The application is connected (its WebSocket open): the route point holds the call for it.
    ws = await bot.ws();
    const up = p101.waitForType('CALL_ESTABLISHED', 15_000);
    await p101.dial(`sip:851@127.0.0.1:${String(t.sipPort)}`);
    const entity = await eventually(async () => {
      const r = await bot.get('/callcontrol/851/participants');
      const p = (r.body as { id: number; status: string }[])[0];
      return p?.status === 'Ringing' ? `/callcontrol/851/participants/${String(p.id)}` : undefined;
    }, 10_000, 'the caller rings the route point');
    assert.equal((await bot.post(`${entity}/answer`)).status, 200);
    await up;

    const writer = openPcmWriter(bot, `${entity}/stream`);
    await writeInBursts(writer, prompt);
    writer.end();
    assert.equal((await writer.response).status, 200);
    await new Promise((r) => setTimeout(r, 500));
    const closed = p101.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await closed;

    const file = await eventually(async () => (await p101.receivedRecordings()).at(-1), 5000, "101's recording");
    await new Promise((r) => setTimeout(r, 300));
    const heardRaw = join(dir, 'heard.raw');
    await run('sox', [file, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', heardRaw]);
    const heard = envelope(await readFile(heardRaw));
    const said = envelope(prompt);
    const r = bestCorrelation(said, heard, Math.max(0, heard.length - 100));
    assert.ok(r > 0.8, `the loudness of what 101 heard follows the prompt (best correlation ${r.toFixed(2)})`);
  });
});
