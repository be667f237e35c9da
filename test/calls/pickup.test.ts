// Call pickup with real phones sending their own tones: 101 calls 102, whose
// phone rings; 103 dials **102 (directed) or *8 (group: 102 and 103 are both
// in the demo's ring group 600) and talks to 101; 102 stops ringing. 104 is
// in no group with 102: its *8 finds nothing (404).
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { tonePhones, registeredPhone, eventually, lastHeard, audioFlowsBothWays } from '../helpers/phones.ts';
import { bandShareIn, soxStat } from '../peers/audio.ts';
import type { Baresip } from '../peers/baresip.ts';

const TONE = { '101': 500, '103': 1500 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('call pickup', () => {
  let t: TestServer;
  let dir: string;
  const phones: Record<string, Baresip> = {};
  const calls = async (): Promise<any[]> => (await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body as any[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-pickup-'));
    t = await startTestServer();
    Object.assign(phones, await tonePhones(t, TONE, dir));
    phones['102'] = await registeredPhone(t, '102', { answermode: 'manual' });
    phones['104'] = await registeredPhone(t, '104', { answermode: 'manual' });
  });
  after(async () => {
    for (const p of Object.values(phones)) await p.stop();
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** 101 calls 102; resolves once 102's phone rings (the participant is Ringing). */
  async function ring102(): Promise<string> {
    const ringing = phones['102']!.waitForType('CALL_INCOMING', 10_000);
    await phones['101']!.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await ringing;
    const call = await eventually(async () => (await calls()).find((c) => c.participants.some((p: any) => p.dn === '102' && p.status === 'Ringing')), 8000, '102 ringing');
    return call.id as string;
  }

  async function pickUpWith(code: string, callId: string): Promise<void> {
    const stopped = phones['102']!.waitForType('CALL_CLOSED', 10_000);
    const up = Promise.all([phones['103']!.waitForType('CALL_ESTABLISHED', 10_000), phones['101']!.waitForType('CALL_ESTABLISHED', 10_000)]);
    await phones['103']!.dial(`sip:${code}@127.0.0.1:${String(t.sipPort)}`);
    await up;
    await stopped;
    const call = await eventually(async () => (await calls()).find((c) => c.id === callId && c.state === 'Talking'), 8000, 'the picked-up call talking');
    assert.deepEqual(call.participants.map((p: any) => `${p.dn as string}:${p.status as string}`).sort(), ['101:Connected', '103:Connected'], '102 is gone, 103 answered');
    assert.equal((await calls()).length, 1, "the picker's own call ended");
    await sleep(3000);
    const down = phones['101']!.waitForType('CALL_CLOSED', 10_000);
    await phones['103']!.hangup();
    await down;
    for (const [listener, speaker] of [['101', '103'], ['103', '101']] as const) {
      const heard = await lastHeard(phones[listener]!);
      const length = (await soxStat(heard)).lengthSeconds;
      const share = await bandShareIn(heard, length - 2, 1.5, TONE[speaker] - 120, TONE[speaker] + 120);
      assert.ok(share > 0.8, `${listener} heard ${speaker}'s tone: ${Math.round(share * 100)}% near ${TONE[speaker]} Hz`);
    }
    await eventually(async () => (await calls()).length === 0, 8000, 'no call left');
  }

  it('directed pickup: 103 dials **102 and talks to 101; 102 stops ringing; both CDRs ANSWERED', async () => {
    const callId = await ring102();
    await pickUpWith('**102', callId);
    const cdr = await eventually(async () => {
      const rows = (await api(t.base, t.adminKey, 'GET', '/api/v1/cdr')).body as any[];
      return rows.length === 2 ? rows : undefined;
    }, 8000, 'two CDR rows');
    assert.deepEqual(cdr.map((r) => `${r.src as string}>${r.dst as string}:${r.disposition as string}`).sort(), ['101>102:ANSWERED', '103>**102:ANSWERED']);
    assert.match(cdr.find((r) => r.callId === callId)?.dstchannel as string, /^SIP\/103-[0-9a-f]{8}$/, 'the picker answered the call');
  });

  it('group pickup: 104 (not in 102\'s groups) gets 404 from *8; 103 (ring group 600 with 102) picks the call up', async () => {
    const callId = await ring102();
    const refused = phones['104']!.waitForType('CALL_CLOSED', 10_000);
    await phones['104']!.dial(`sip:*8@127.0.0.1:${String(t.sipPort)}`);
    assert.match(JSON.stringify(await refused), /404|Not Found/i);
    assert.ok((await calls()).find((c) => c.id === callId)?.participants.some((p: any) => p.dn === '102' && p.status === 'Ringing'), '102 still rings');
    await pickUpWith('*8', callId);
  });

  it('nothing ringing: **102 is refused (404)', async () => {
    const closed = phones['103']!.waitForType('CALL_CLOSED', 10_000);
    await phones['103']!.dial(`sip:**102@127.0.0.1:${String(t.sipPort)}`);
    assert.match(JSON.stringify(await closed), /404|Not Found/i);
  });

  it('from the API: click-to-call from 103 to **102 rings 103, which then takes the call ringing 102', async () => {
    const callId = await ring102();
    const stopped = phones['102']!.waitForType('CALL_CLOSED', 10_000);
    const up = Promise.all([phones['103']!.waitForType('CALL_ESTABLISHED', 10_000), phones['101']!.waitForType('CALL_ESTABLISHED', 10_000)]);
    const made = await api(t.base, t.adminKey, 'POST', '/api/v1/calls', { from: '103', to: '**102' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await up;
    await stopped;
    const call = await eventually(async () => (await calls()).find((c) => c.id === callId && c.state === 'Talking'), 8000, 'the picked-up call talking');
    assert.deepEqual(call.participants.map((p: any) => `${p.dn as string}:${p.status as string}`).sort(), ['101:Connected', '103:Connected']);
    await audioFlowsBothWays(t, callId, 'audio both ways between 101 and 103');
    const down = phones['101']!.waitForType('CALL_CLOSED', 10_000);
    await phones['103']!.hangup();
    await down;
  });
});
