// Transfers to outside numbers, with SIPp as the provider: the transferred
// party goes out through the outbound rule the transferring extension would
// get dialling the number (digits stripped and prepended, the route's caller
// ID), hears ringback while the far end rings, then talks to it (SIPp echoes
// the RTP it gets, so 101 hears its own tone come back through the trunk).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api } from '../helpers/server.ts';
import { audioFlowsBothWays, eventually, lastHeard, startToneRig, talkingBetween, type ToneRig } from '../helpers/phones.ts';
import { toneRuns, toneTimeline } from '../helpers/tone-timeline.ts';
import { startSipp, type SippRun } from '../peers/sipp.ts';
import type { CallInfo } from '../../src/core/calls.ts';

const RINGING_UAS = new URL('./scenarios/provider-uas-ringing.xml', import.meta.url).pathname;
const TONE = { '101': 700, '102': 1100 } as const;
/** What 101 can hear: 102, the ringback tone, its own tone echoed by the provider. */
const HEARD = { '102': TONE['102'], ringback: 425, echo: TONE['101'] };
const OUTSIDE = '0600100200';
/** The rule strips the 0 and prepends 48. */
const AS_SENT = '48600100200';

describe('transfers to outside numbers', () => {
  let rig: ToneRig;
  let trunkId: number;
  let runs = 0;
  const admin = (method: string, path: string, body?: unknown) => api(rig.t.base, rig.t.adminKey, method, path, body);
  const calls = async (): Promise<CallInfo[]> => (await admin('GET', '/api/v1/calls')).body as CallInfo[];

  /** A provider for one call; the trunk is pointed at it. */
  const provider = async (): Promise<{ sipp: SippRun; log: string }> => {
    const log = join(rig.dir, `provider-${String(runs++)}.log`);
    const sipp = await startSipp({ scenarioFile: RINGING_UAS, timeoutMs: 60_000, calls: 1, args: ['-trace_logs', '-log_file', log, '-rtp_echo'] });
    const res = await admin('PATCH', `/api/v1/trunks/${String(trunkId)}`, { port: sipp.localPort });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { sipp, log };
  };

  /** The transferred call rings the provider, then talks to it; 101 hangs up; what 101 heard, in order. */
  const throughProvider = async (callId: string, sipp: SippRun, log: string): Promise<string[]> => {
    const far = (c: CallInfo | undefined, status: string) => c?.participants.some((p) => p.dn === AS_SENT && p.dnType === 'ExternalLine' && p.status === status);
    await eventually(async () => far((await calls()).find((c) => c.id === callId), 'Ringing'), 10_000, 'the provider ringing');
    const up = await eventually(async () => {
      const c = (await calls()).find((x) => x.id === callId);
      return far(c, 'Connected') && c?.state === 'Talking' ? c : undefined;
    }, 10_000, 'the provider answered');
    assert.deepEqual(up.participants.map((p) => `${p.dn}:${p.status}`), ['101:Connected', `${AS_SENT}:Connected`]);
    await audioFlowsBothWays(rig.t, callId, 'audio both ways between 101 and the provider');
    await new Promise((r) => setTimeout(r, 1000));
    await rig.phones['101']!.hangup();
    const result = await sipp.done;
    assert.equal(result.code, 0, result.screen);
    assert.match(await readFile(log, 'utf8'), new RegExp(`INVITE number=${AS_SENT} callerid=221234567`));
    await eventually(async () => (await calls()).length === 0, 5000, 'no calls');
    return toneRuns(await toneTimeline(await lastHeard(rig.phones['101']!), HEARD));
  };

  before(async () => {
    rig = await startToneRig(TONE, 'sb-xfer-out-');
    const trunk = await admin('POST', '/api/v1/trunks', { name: 'Provider', host: '127.0.0.1', port: 5, transport: 'udp', register: false, enabled: true, mainNumber: '221000000' });
    assert.equal(trunk.status, 201, JSON.stringify(trunk.body));
    trunkId = trunk.body.id as number;
    // Only 102 may call mobiles: a transfer is allowed by the transferring extension's rights.
    const rule = await admin('POST', '/api/v1/outbound-rules', { name: 'Mobile', priority: 10, prefix: '0', numberLength: '10', extRanges: ['102'], routes: [{ trunkId, strip: 1, prepend: '48', callerId: '221234567' }] });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
  });
  after(() => rig?.stop());

  it('102 transfers 101 by REFER to a mobile: the provider gets 48600100200 from 221234567; 101 hears ringback, then the far end', async () => {
    const { sipp, log } = await provider();
    const { callId } = await talkingBetween(rig.t, rig.phones);
    const left = rig.phones['102']!.waitForType('CALL_CLOSED', 10_000);
    await rig.phones['102']!.transfer(`sip:${OUTSIDE}@127.0.0.1:${String(rig.t.sipPort)}`);
    await left;
    const heard = (await throughProvider(callId, sipp, log)).filter((x) => x !== 'silence');
    assert.deepEqual(heard, ['102', 'ringback', 'echo'], `101 heard 102, then ringback while the provider rang, then itself through the provider: ${heard.join(' ')}`);
    const cdr = (await admin('GET', '/api/v1/cdr')).body as { dst: string; disposition: string }[];
    assert.deepEqual(cdr.map((r) => `${r.dst}:${r.disposition}`), ['102:ANSWERED'], 'one call, one row');
  });

  it('the API transfers 101 (102 leaves) to the mobile: the same rule, digits and caller ID', async () => {
    const { sipp, log } = await provider();
    const { callId, caller } = await talkingBetween(rig.t, rig.phones);
    const left = rig.phones['102']!.waitForType('CALL_CLOSED', 10_000);
    const res = await admin('POST', `/api/v1/calls/${callId}/participants/${caller}/transfer`, { destination: OUTSIDE });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await left;
    const heard = await throughProvider(callId, sipp, log);
    assert.ok(heard.includes('ringback') && heard.indexOf('ringback') < heard.lastIndexOf('echo'), `ringback, then the far end: ${heard.join(' ')}`);
  });

  it('the API diverts 101\'s call ringing 102 to the mobile: 102\'s rule, and 101 (still ringing itself) reaches the far end', async () => {
    const { sipp, log } = await provider();
    const p102 = rig.phones['102']!;
    await p102.setAnswermode('manual');
    try {
      await new Promise((r) => setTimeout(r, 1100)); // baresip names recordings by the second
      const ringing = p102.waitForType('CALL_INCOMING', 10_000);
      await rig.phones['101']!.dial(`sip:102@127.0.0.1:${String(rig.t.sipPort)}`);
      await ringing;
      const call = await eventually(async () => (await calls()).find((c) => c.participants.some((p) => p.dn === '102' && p.status === 'Ringing')), 5000, '102 ringing');
      const pid = call.participants.find((p) => p.dn === '102')!.id;
      const stopped = p102.waitForType('CALL_CLOSED', 10_000);
      const up = rig.phones['101']!.waitForType('CALL_ESTABLISHED', 15_000);
      const res = await admin('POST', `/api/v1/calls/${call.id}/participants/${pid}/divert`, { destination: OUTSIDE });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      await stopped;
      const heard = throughProvider(call.id, sipp, log);
      await up;
      const runs = await heard;
      // 101's own INVITE was still unanswered: its phone rings for it, the PBX plays no ringback.
      assert.ok(runs.includes('echo') && !runs.includes('ringback'), `101 heard the far end and no ringback from the PBX: ${runs.join(' ')}`);
    } finally {
      await p102.setAnswermode('auto');
    }
  });

  it('refused by the transferring extension\'s rights, and the call goes on: no rule for 101 (404), 102 without allowExternal (403)', async () => {
    const { callId, caller, callee } = await talkingBetween(rig.t, rig.phones);
    // Keeping 102, the transferor is 101: the Mobile rule is not 101's.
    const no101 = await admin('POST', `/api/v1/calls/${callId}/participants/${callee}/transfer`, { destination: OUTSIDE });
    assert.equal(no101.status, 404, JSON.stringify(no101.body));
    assert.equal((await admin('PATCH', '/api/v1/extensions/102', { allowExternal: false })).status, 200);
    try {
      const no102 = await admin('POST', `/api/v1/calls/${callId}/participants/${caller}/transfer`, { destination: OUTSIDE });
      assert.equal(no102.status, 403, JSON.stringify(no102.body));
    } finally {
      await admin('PATCH', '/api/v1/extensions/102', { allowExternal: true });
    }
    const still = (await calls()).find((c) => c.id === callId);
    assert.deepEqual(still?.participants.map((p) => `${p.dn}:${p.status}`), ['101:Connected', '102:Connected']);
    const closed = rig.phones['102']!.waitForType('CALL_CLOSED', 10_000);
    await rig.phones['101']!.hangup();
    await closed;
    await eventually(async () => (await calls()).length === 0, 5000, 'no calls');
  });
});
