// The CloudPBX event channel (seed 003 §2) with a real `ws` client, a real
// server and real baresip phones: refusal before the upgrade, the state of
// every extension on connect, and the subscriber/extstatus frames of a real
// call and of phones coming and going.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { registeredPhone } from '../../helpers/phones.ts';
import type { Baresip } from '../../peers/baresip.ts';
import { PbxClient, refusal, type Frame } from './ws-client.ts';

/** The statuses one extension went through, repeats collapsed, as `subscriber` frames told them. */
function statuses(frames: Frame[], ext: string): number[] {
  const out: number[] = [];
  for (const f of frames) {
    const s = f.text.subscriber as { peer: string; statusValue: number } | undefined;
    if (s?.peer === `MojaCentrala-${ext}` && out.at(-1) !== s.statusValue) out.push(s.statusValue);
  }
  return out;
}

describe('CloudPBX WebSocket', () => {
  let t: TestServer;
  let readKey: string;
  let p101: Baresip;
  let p102: Baresip;
  before(async () => {
    t = await startTestServer({ SWITCHBOARD_PBX_NAME: 'MojaCentrala' });
    readKey = (await t.server.control.keys.create('read', 'ws')).key;
    p101 = await registeredPhone(t, '101', { answermode: 'manual' });
    p102 = await registeredPhone(t, '102', { answermode: 'manual' });
  });
  after(async () => {
    await p101?.stop();
    await p102?.stop();
    await t.stop();
  });

  const url = (name: string, key: string): string => `${t.base.replace('http', 'ws')}/ws/pbx_${name}?pbxkey=${key}`;

  it('refuses a missing or wrong key and a wrong PBX name before the upgrade', async () => {
    assert.equal(await refusal(`${t.base.replace('http', 'ws')}/ws/pbx_MojaCentrala`), 401);
    assert.equal(await refusal(url('MojaCentrala', 'sb_000000000000_wrongwrongwrongwrongwrongwrongwr')), 401);
    assert.equal(await refusal(url('InnaCentrala', readKey)), 404);
  });

  it('sends every extension on connect, then the frames of a real call 101 → 102', async () => {
    const c = new PbxClient(url('MojaCentrala', readKey));
    await c.opened;
    await c.until(() => c.events.length >= 12, 'the state of six extensions');
    const first = c.events.slice(0, 12);
    assert.deepEqual(
      first.map((f) => f.id),
      Array.from({ length: 12 }, (_, i) => i + 1),
      'ids run from 1',
    );
    for (const f of first) {
      assert.equal(f.channel, 'pbx_MojaCentrala');
      assert.equal(Object.keys(f.text).length, 1, 'one event object per frame');
    }
    assert.deepEqual(
      first.map((f) => JSON.stringify(f.text)),
      ['100', '101', '102', '103', '104', '105'].flatMap((e) => {
        const s = e === '101' || e === '102' ? 0 : 4;
        return [JSON.stringify({ subscriber: { peer: `MojaCentrala-${e}`, statusValue: s } }), JSON.stringify({ extstatus: { exten: e, status: s } })];
      }),
    );

    const ringing = p102.waitForType('CALL_INCOMING', 10_000);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await ringing;
    await c.until(() => statuses(c.events, '102').at(-1) === 8, '102 ringing');
    const up = p101.waitForType('CALL_ESTABLISHED', 10_000);
    await p102.accept();
    await up;
    await c.until(() => statuses(c.events, '101').at(-1) === 1 && statuses(c.events, '102').at(-1) === 1, 'both in use');
    const closed = p102.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await closed;
    await c.until(() => statuses(c.events, '101').at(-1) === 0 && statuses(c.events, '102').at(-1) === 0, 'both idle again');

    assert.deepEqual(statuses(c.events, '101'), [0, 32, 1, 0], 'caller: idle, connecting, in use, idle');
    assert.deepEqual(statuses(c.events, '102'), [0, 8, 1, 0], 'callee: idle, ringing, in use, idle');
    const inCall = (ext: string) => c.events.map((f) => f.text.subscriber as Record<string, unknown> | undefined).find((s) => s?.peer === `MojaCentrala-${ext}` && s.statusValue === 1);
    assert.equal(inCall('101')?.connectPeerNumber, '102');
    assert.equal(inCall('102')?.connectPeerNumber, '101');
    assert.equal(typeof inCall('102')?.connectPeerName, 'string');
    const idleAgain = c.events.map((f) => f.text.subscriber as Record<string, unknown> | undefined).filter((s) => s?.peer === 'MojaCentrala-101').at(-1);
    assert.deepEqual(idleAgain, { peer: 'MojaCentrala-101', statusValue: 0 }, 'no partner once the call is over');
    // Every subscriber frame has its extstatus twin with the same number.
    for (const [i, f] of c.events.entries()) {
      const s = f.text.subscriber as { peer: string; statusValue: number } | undefined;
      if (!s) continue;
      assert.deepEqual(c.events[i + 1]?.text.extstatus, { exten: s.peer.split('-')[1], status: s.statusValue });
    }
    // Ids stay consecutive across events and keep-alives.
    assert.deepEqual(c.frames.map((f) => f.id), Array.from({ length: c.frames.length }, (_, i) => i + 1));
    c.close();
  });

  it('tells when a phone registers and when it goes away', async () => {
    const c = new PbxClient(url('MojaCentrala', readKey));
    await c.opened;
    await c.until(() => c.events.length >= 12, 'the snapshot');
    const p103 = await registeredPhone(t, '103');
    await c.until(() => statuses(c.events, '103').at(-1) === 0, '103 idle');
    await p103.stop();
    await c.until(() => statuses(c.events, '103').at(-1) === 4, '103 unavailable');
    assert.deepEqual(statuses(c.events, '103'), [4, 0, 4]);
    c.close();
  });
});
