// Ringback from the PBX to a caller who already hears us: a party blind-
// transferred to a phone that rings, and the originator of a click-to-call
// while the called phone rings. Their own phones cannot play a ringing tone
// (their calls are answered), so the PBX plays 425 Hz, 1 s on / 4 s off,
// into their relay leg until the new party answers; then they hear it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../helpers/server.ts';
import { audioFlowsBothWays, eventually, lastHeard, startToneRig, talkingBetween, type ToneRig } from '../helpers/phones.ts';
import { toneRuns, toneTimeline } from '../helpers/tone-timeline.ts';
import type { CallInfo } from '../../src/core/calls.ts';

const TONE = { '101': 700, '102': 1100, '103': 1500 } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ringback to a caller who is already connected', () => {
  let rig: ToneRig;
  const calls = async (): Promise<CallInfo[]> => (await api(rig.t.base, rig.t.adminKey, 'GET', '/api/v1/calls')).body as CallInfo[];
  /** What a phone heard in its last call, as runs of known tones (silence left out). */
  const heard = async (dn: keyof typeof TONE): Promise<string[]> => {
    const tones = { ...Object.fromEntries(Object.entries(TONE).filter(([d]) => d !== dn)), ringback: 425 };
    return toneRuns(await toneTimeline(await lastHeard(rig.phones[dn]!), tones)).filter((x) => x !== 'silence');
  };
  /** 103 rings for 2 s (a whole ringback burst and part of the pause), then answers; the two talk a second; 101 hangs up. */
  const answerAfterRinging = async (callId: string, ringing: Promise<unknown>): Promise<void> => {
    const p103 = rig.phones['103']!;
    await ringing;
    await sleep(2000);
    const up = p103.waitForType('CALL_ESTABLISHED', 10_000);
    await p103.accept();
    await up;
    await audioFlowsBothWays(rig.t, callId, 'audio both ways with 103');
    await sleep(1000);
    const closed = p103.waitForType('CALL_CLOSED', 10_000);
    await rig.phones['101']!.hangup();
    await closed;
    await eventually(async () => (await calls()).length === 0, 5000, 'no calls');
  };

  before(async () => {
    rig = await startToneRig(TONE, 'sb-ringback-');
    await rig.phones['103']!.setAnswermode('manual');
  });
  after(() => rig?.stop());

  it('102 transfers 101 (REFER) to 103, which rings: 101 hears 102, then ringback, then 103; 103 never hears the ringback', async () => {
    const { callId } = await talkingBetween(rig.t, rig.phones);
    const left = rig.phones['102']!.waitForType('CALL_CLOSED', 10_000);
    const ringing = rig.phones['103']!.waitForType('CALL_INCOMING', 10_000);
    await rig.phones['102']!.transfer(`sip:103@127.0.0.1:${String(rig.t.sipPort)}`);
    await left;
    await answerAfterRinging(callId, ringing);
    assert.deepEqual(await heard('101'), ['102', 'ringback', '103'], 'what 101 heard, in order');
    assert.deepEqual(await heard('103'), ['101'], 'what 103 heard');
  });

  it('click-to-call from 101 to 103: 101 answers first and hears ringback while 103 rings, then 103', async () => {
    await sleep(1100); // baresip names recordings by the second
    const ringing = rig.phones['103']!.waitForType('CALL_INCOMING', 10_000);
    const res = await api(rig.t.base, rig.t.adminKey, 'POST', '/api/v1/calls', { from: '101', to: '103' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await answerAfterRinging((res.body as CallInfo).id, ringing);
    assert.deepEqual(await heard('101'), ['ringback', '103'], 'what 101 heard, in order');
  });
});
