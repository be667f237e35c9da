// A conference room with three baresip phones playing their own tones: 101,
// 102 and 103 each dial 900 (SWITCHBOARD_CONFERENCE_ROOMS' default range
// 900-909); once all are in, each hears the two others and not itself. The
// room lists its callers; each caller's call ends ANSWERED with its own CDR.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, type TestServer } from '../helpers/server.ts';
import { startToneRig, type ToneRig, eventually } from '../helpers/phones.ts';
import { bandShareIn } from '../peers/audio.ts';
import type { Baresip } from '../peers/baresip.ts';
import { PbxClient } from '../api/cloudpbx/ws-client.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TONE: Record<string, number> = { '101': 500, '102': 1000, '103': 1700 };

describe('conference room', () => {
  let rig: ToneRig;
  let t: TestServer;
  let phones: Record<string, Baresip>;
  before(async () => {
    rig = await startToneRig(TONE, 'sb-room-');
    ({ t, phones } = rig);
  });
  after(() => rig?.stop());

  it('three callers dial 900: each hears the two others, not itself; the room lists them; each call has its CDR', async () => {
    // Seed 003 §2.3.5: the CloudPBX channel tells who joins and leaves the room.
    const ws = new PbxClient(`${t.base.replace('http', 'ws')}/ws/pbx_${t.server.config.pbxName}?pbxkey=${t.adminKey}`);
    await ws.opened;
    const cmembers = (): any[] => ws.events.map((f) => f.text.cmember).filter((c) => c !== undefined);
    const up: Record<string, number> = {};
    for (const dn of ['101', '102', '103']) {
      const established = phones[dn]!.waitForType('CALL_ESTABLISHED', 10_000);
      await phones[dn]!.dial(`sip:900@127.0.0.1:${String(t.sipPort)}`);
      await established;
      up[dn] = Date.now();
    }
    const room = await eventually(async () => {
      const r = (await api(t.base, t.adminKey, 'GET', '/api/v1/conferences/900')).body;
      return r.members?.length === 3 ? r : undefined;
    }, 5000, 'three in the room');
    assert.deepEqual(room.members.map((p: any) => p.dn).sort(), ['101', '102', '103']);
    assert.ok(room.members.every((p: any) => p.status === 'Connected'));
    assert.equal((await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body.length, 3, 'one call per caller');
    await sleep(3000);
    const end = Date.now();
    for (const dn of ['101', '102', '103']) {
      const closed = phones[dn]!.waitForType('CALL_CLOSED', 10_000);
      await phones[dn]!.hangup();
      await closed;
    }
    await eventually(async () => (await api(t.base, t.adminKey, 'GET', '/api/v1/conferences/900')).body.members?.length === 0, 5000, 'an empty room');
    await ws.until(() => cmembers().length === 6, 'three cmember add and three remove');
    const frames = cmembers();
    assert.deepEqual(frames.map((c) => `${String(c.action)}:${String(c.callerIDNum)}`), ['add:101', 'add:102', 'add:103', 'remove:101', 'remove:102', 'remove:103']);
    for (const c of frames) {
      assert.equal(c.conference, '900');
      assert.match(c.channel, new RegExp(`^SIP/${t.server.config.pbxName}-${String(c.callerIDNum)}-[0-9a-f]{8}$`));
      assert.equal(typeof c.callerIDName, 'string');
    }
    ws.close();

    const allIn = up['103']! + 600;
    for (const dn of ['101', '102', '103']) {
      const files = await phones[dn]!.receivedRecordings();
      const file = files[files.length - 1]!;
      const start = (allIn - up[dn]!) / 1000;
      const seconds = (end - allIn) / 1000 - 0.3;
      const l: Record<string, number> = {};
      for (const [other, hz] of Object.entries(TONE)) l[other] = Math.round((await bandShareIn(file, start, seconds, hz - 120, hz + 120)) * 100);
      for (const other of Object.keys(TONE)) {
        if (other === dn) assert.ok(l[other]! <= 12, `${dn} does not hear itself: ${JSON.stringify(l)}`);
        else assert.ok(l[other]! >= 35, `${dn} hears ${other}: ${JSON.stringify(l)}`);
      }
    }
    const cdr = await eventually(async () => {
      const rows = ((await api(t.base, t.adminKey, 'GET', '/api/v1/cdr')).body as any[]).filter((r) => r.dst === '900');
      return rows.length === 3 ? rows : undefined;
    }, 5000, 'three CDRs');
    assert.deepEqual(cdr.map((r: any) => r.src).sort(), ['101', '102', '103']);
    assert.ok(cdr.every((r: any) => r.disposition === 'ANSWERED' && r.billsec >= 3));
  });

  it('a number outside the rooms is not a room (404), a malformed one is 400, an empty room has no members', async () => {
    const r = await api(t.base, t.adminKey, 'GET', '/api/v1/conferences/910');
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'SB_NOT_FOUND');
    assert.equal((await api(t.base, t.adminKey, 'GET', '/api/v1/conferences/9a')).status, 400);
    assert.deepEqual((await api(t.base, t.adminKey, 'GET', '/api/v1/conferences/905')).body, { number: '905', members: [] });
  });
});
