// Registered baresip phones for call tests: each extension's SIP password is
// read through the admin API, the phone registers and is ready to call.
import { Baresip, type BaresipOptions } from '../peers/baresip.ts';
import { api, startTestServer, type TestServer } from './server.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallInfo } from '../../src/core/calls.ts';
import { makeToneWav } from '../peers/audio.ts';

export async function registeredPhone(t: TestServer, ext: string, opts: Partial<BaresipOptions> = {}): Promise<Baresip> {
  const res = await api(t.base, t.adminKey, 'GET', `/api/v1/extensions/${ext}`);
  const phone = await Baresip.start({ user: ext, password: res.body.authPassword as string, registrar: `127.0.0.1:${String(t.sipPort)}`, regint: 600, ...opts });
  await phone.waitRegistered(5000);
  return phone;
}

export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 8000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Audio flows both ways through a call's relay from now on: each side's leg
 * receives more than 25 packets from its phone and sends more than 25 to it.
 */
export async function audioFlowsBothWays(t: TestServer, callId: string, what = 'audio both ways'): Promise<void> {
  const call = t.server.sip.b2bua.get(callId);
  if (!call) throw new Error(`no live call ${callId}`);
  const before = call.mediaStats();
  const grew = (a: number | undefined, b: number | undefined): boolean => (a ?? 0) - (b ?? 0) > 25;
  await eventually(async () => {
    const now = call.mediaStats();
    return grew(now.caller?.packetsOut, before.caller?.packetsOut) && grew(now.callee?.packetsOut, before.callee?.packetsOut) && grew(now.caller?.packetsIn, before.caller?.packetsIn) && grew(now.callee?.packetsIn, before.callee?.packetsIn);
  }, 5000, what);
}

/**
 * The file of what a baresip phone heard in its latest call (its sndfile
 * recording of received audio), once the phone has closed it: libsndfile
 * writes the RIFF and data sizes at close, and a file read before (the phone
 * still tearing the call down, on a loaded machine) parses as no audio at all.
 */
export async function lastHeard(phone: Baresip): Promise<string> {
  return eventually(async () => {
    const last = (await phone.receivedRecordings()).at(-1);
    if (last === undefined) return undefined;
    const b = await readFile(last);
    return b.length > 44 && b.readUInt32LE(4) === b.length - 8 ? last : undefined;
  }, 10_000, 'a closed recording');
}

/**
 * Auto-answering phones, each sending its own tone (`tones`: extension → Hz),
 * quiet enough that two tones summed do not clip; the tone files go in `dir`.
 */
export async function tonePhones(t: TestServer, tones: Record<string, number>, dir: string): Promise<Record<string, Baresip>> {
  const phones: Record<string, Baresip> = {};
  for (const [dn, hz] of Object.entries(tones)) {
    const file = join(dir, `${dn}.wav`);
    await makeToneWav(file, { hz, seconds: 120, volume: 0.25 });
    phones[dn] = await registeredPhone(t, dn, { audioFile: file, answermode: 'auto' });
  }
  return phones;
}

/** A test server with tone phones (tonePhones) and the directory of their tone files. */
export interface ToneRig {
  t: TestServer;
  dir: string;
  phones: Record<string, Baresip>;
  /** Phones first, then the server (a phone stopped after its registrar waits ~31 s to un-REGISTER), then the files. */
  stop(): Promise<void>;
}

export async function startToneRig(tones: Record<string, number>, dirPrefix: string, env: Record<string, string> = {}): Promise<ToneRig> {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  const t = await startTestServer(env);
  const phones = await tonePhones(t, tones, dir);
  return {
    t,
    dir,
    phones,
    stop: async () => {
      for (const p of Object.values(phones)) await p.stop();
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `from` dials `number` (through the PBX) and both `from` and `to` report the call established. */
export async function dialUntilUp(t: TestServer, from: Baresip, to: Baresip, number: string): Promise<void> {
  const up = Promise.all([from.waitForType('CALL_ESTABLISHED', 10_000), to.waitForType('CALL_ESTABLISHED', 10_000)]);
  await from.dial(`sip:${number}@127.0.0.1:${String(t.sipPort)}`);
  await up;
}

/** `from` dials `number` and `to` (answering by hand) rings. */
export async function dialUntilRinging(t: TestServer, from: Baresip, to: Baresip, number: string): Promise<void> {
  const ringing = to.waitForType('CALL_INCOMING', 10_000);
  await from.dial(`sip:${number}@127.0.0.1:${String(t.sipPort)}`);
  await ringing;
}

/**
 * `from` dials `to` (auto-answering phones) and both have the call up: the
 * PBX's only call, its id, when it came up, and each DN's participant id.
 * Waits 1.1 s first: baresip names its recordings by the second, so two
 * calls within one would share a file.
 */
export async function callBetween(t: TestServer, phones: Record<string, Baresip>, from = '101', to = '102'): Promise<{ callId: string; up: number; pid: Record<string, string> }> {
  await new Promise((r) => setTimeout(r, 1100));
  await dialUntilUp(t, phones[from]!, phones[to]!, to);
  const at = Date.now();
  const calls = (await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body as CallInfo[];
  if (calls.length !== 1) throw new Error(`expected one live call, got ${String(calls.length)}: ${JSON.stringify(calls)}`);
  const call = calls[0]!;
  return { callId: call.id, up: at, pid: Object.fromEntries(call.participants.map((p) => [p.dn, p.id])) };
}

/** Registered phones that answer by themselves, one per extension, in order. */
export async function autoAnswerPhones<const E extends readonly string[]>(t: TestServer, extensions: E): Promise<{ [K in keyof E]: Baresip }> {
  const phones: Baresip[] = [];
  for (const ext of extensions) phones.push(await registeredPhone(t, ext, { answermode: 'auto' }));
  return phones as { [K in keyof E]: Baresip };
}

/** The phones first, then their server: a phone stopped after its registrar waits ~31 s to un-REGISTER. */
export async function stopPhonesThenServer(t: TestServer | undefined, phones: (Baresip | undefined)[]): Promise<void> {
  for (const p of phones) await p?.stop();
  await t?.stop();
}

/** callBetween, then audio flows both ways through the PBX; participant ids as `caller` and `callee` too. */
export async function talkingBetween(t: TestServer, phones: Record<string, Baresip>, from = '101', to = '102'): Promise<{ callId: string; up: number; pid: Record<string, string>; caller: string; callee: string }> {
  const c = await callBetween(t, phones, from, to);
  await audioFlowsBothWays(t, c.callId);
  return { ...c, caller: c.pid[from]!, callee: c.pid[to]! };
}

/** `phone` hangs up and each of `others` sees its call close. */
export async function hangUpSeenBy(phone: Baresip, others: Baresip | Baresip[]): Promise<void> {
  const closed = Promise.all((Array.isArray(others) ? others : [others]).map((o) => o.waitForType('CALL_CLOSED', 10_000)));
  await phone.hangup();
  await closed;
}

/** `phone` hangs up, `others` see their call close, and the PBX has no call left. */
export async function hangUpAndSettle(t: TestServer, phone: Baresip, others: Baresip | Baresip[]): Promise<void> {
  await hangUpSeenBy(phone, others);
  await eventually(async () => ((await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body as unknown[]).length === 0, 5000, 'no calls');
}
