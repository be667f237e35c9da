// Call park with real phones, each sending its own tone: 101 calls 102 and
// parks it (API, or a phone's REFER to *70); 102 waits in orbit *71 hearing
// music on hold; 103 dials *71 and talks to 102 (hears 102's tone). Nobody
// retrieving: at the timeout the parker's phone rings again.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, type TestServer } from '../helpers/server.ts';
import { startToneRig, type ToneRig, eventually, lastHeard, audioFlowsBothWays } from '../helpers/phones.ts';
import { bandShareIn, soxStat } from '../peers/audio.ts';
import type { Baresip } from '../peers/baresip.ts';

const TONE = { '101': 500, '102': 1000, '103': 1500 };
const PARK_TIMEOUT = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('call park', () => {
  let rig: ToneRig;
  let t: TestServer;
  let control: string;
  let read: string;
  let phones: Record<string, Baresip>;
  const calls = async (): Promise<any[]> => (await api(t.base, control, 'GET', '/api/v1/calls')).body as any[];
  const eventsOf = async (type: string): Promise<any[]> => ((await api(t.base, control, 'GET', '/api/v1/events?limit=1000')).body.events as any[]).filter((e) => e.type === type);

  before(async () => {
    rig = await startToneRig(TONE, 'sb-park-', { SWITCHBOARD_PARK_TIMEOUT: String(PARK_TIMEOUT) });
    ({ t, phones } = rig);
    control = (await t.server.control.keys.create('control', 'operator')).key;
    read = (await t.server.control.keys.create('read', 'viewer')).key;
  });
  after(() => rig?.stop());

  async function call101to102(): Promise<any> {
    const up = Promise.all([phones['101']!.waitForType('CALL_ESTABLISHED', 15_000), phones['102']!.waitForType('CALL_ESTABLISHED', 15_000)]);
    await phones['101']!.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await up;
    return eventually(async () => (await calls()).find((c) => c.state === 'Talking'), 10_000, 'a talking call');
  }

  /** Once the call shows exactly these participants, as sorted `dn:status` joined by commas. */
  function showsParticipants(callId: string, want: string, what: string): Promise<any> {
    return eventually(async () => {
      const c = (await calls()).find((x) => x.id === callId);
      return (c?.participants ?? []).map((p: any) => `${p.dn as string}:${p.status as string}`).sort().join() === want ? c : undefined;
    }, 10_000, what);
  }

  /** With no call left, 101 calls 102 and the API parks 102 (101's partner); once 101 has left. */
  async function parkedByApi(): Promise<{ call: any; parked: { status: number; body: any } }> {
    await eventually(async () => (await calls()).length === 0, 10_000, 'no call left');
    const call = await call101to102();
    const left = phones['101']!.waitForType('CALL_CLOSED', 10_000);
    const parked = await api(t.base, control, 'POST', `/api/v1/calls/${call.id as string}/participants/${call.owner as string}/park`);
    assert.equal(parked.status, 202, JSON.stringify(parked.body));
    await left;
    return { call, parked };
  }

  it('the API parks 102 in *71 (music on hold, 101 leaves); 103 dials *71 and hears 102', async () => {
    const call = await call101to102();
    const by101 = call.owner as string;
    const path = `/api/v1/calls/${call.id as string}/participants/${by101}/park`;
    assert.equal((await api(t.base, read, 'POST', path)).status, 403, 'a read key cannot park');
    assert.equal((await api(t.base, control, 'POST', `/api/v1/calls/${call.id as string}/participants/nope/park`)).status, 404, 'an unknown participant');
    assert.equal((await calls())[0]?.participants.length, 2, 'refusals changed nothing');

    const left = phones['101']!.waitForType('CALL_CLOSED', 10_000);
    const res = await api(t.base, control, 'POST', path);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.orbit, '*71');
    assert.equal(res.body.callId, call.id);
    assert.equal(res.body.participant.dn, '102');
    assert.equal(res.body.participant.status, 'Held');
    assert.equal(res.body.parkedBy, '101');
    assert.ok(Date.parse(res.body.timeoutAt) - Date.parse(res.body.parkedAt) === PARK_TIMEOUT * 1000, 'the timeout is the configured one');
    await left;

    const parked = (await api(t.base, read, 'GET', '/api/v1/parked')).body as any[];
    assert.deepEqual(parked.map((p) => `${p.orbit}:${p.callId as string}:${p.participant.dn as string}:${p.participant.status as string}`), [`*71:${call.id as string}:102:Held`]);
    const live = (await calls()).find((c) => c.id === call.id);
    assert.deepEqual(live.participants.map((p: any) => `${p.dn as string}:${p.dnType as string}:${p.status as string}`).sort(), ['*71:Parking:Connected', '102:Extension:Held']);
    await eventually(async () => t.server.sip.musicOnHold.size === 1, 5000, 'music on hold for the parked party');
    const again = await api(t.base, control, 'POST', `/api/v1/calls/${call.id as string}/participants/${res.body.participant.id as string}/park`);
    assert.equal(again.status, 422, 'a parked call cannot be parked again');
    assert.equal(((await api(t.base, read, 'GET', '/api/v1/parked')).body as any[]).length, 1, 'still one parked call');

    const up = phones['103']!.waitForType('CALL_ESTABLISHED', 10_000);
    await phones['103']!.dial(`sip:*71@127.0.0.1:${String(t.sipPort)}`);
    await up;
    const retrieved = await showsParticipants(call.id as string, '102:Connected,103:Connected', '102 and 103 connected in the parked call');
    assert.equal(retrieved.state, 'Talking');
    assert.deepEqual((await api(t.base, read, 'GET', '/api/v1/parked')).body, [], 'the orbit is free again');
    await eventually(async () => t.server.sip.musicOnHold.size === 0, 5000, 'the music stopped');
    await sleep(3000);
    const down = phones['102']!.waitForType('CALL_CLOSED', 10_000);
    await phones['103']!.hangup();
    await down;

    const heard = await lastHeard(phones['103']!);
    const length = (await soxStat(heard)).lengthSeconds;
    const share = await bandShareIn(heard, length - 2, 1.5, TONE['102'] - 120, TONE['102'] + 120);
    assert.ok(share > 0.8, `103 heard 102's tone: ${Math.round(share * 100)}% near ${TONE['102']} Hz in the last seconds`);

    const parkedEvents = await eventsOf('call.parked');
    assert.equal(parkedEvents.length, 1);
    assert.equal(parkedEvents[0].payload.parked.orbit, '*71');
    const unparked = await eventsOf('call.unparked');
    assert.deepEqual(unparked.map((e) => `${e.payload.parked.orbit as string}:${e.payload.reason as string}:${String(e.payload.by)}`), ['*71:retrieved:103']);
    const cdr = await eventually(async () => {
      const rows = (await api(t.base, control, 'GET', '/api/v1/cdr')).body as any[];
      return rows.length === 2 ? rows : undefined;
    }, 8000, 'two CDR rows');
    assert.deepEqual(cdr.map((r) => `${r.src as string}>${r.dst as string}:${r.disposition as string}`).sort(), ['101>102:ANSWERED', '103>*71:ANSWERED']);
  });

  it('dialling an empty orbit is refused (404)', async () => {
    const closed = phones['103']!.waitForType('CALL_CLOSED', 10_000);
    await phones['103']!.dial(`sip:*72@127.0.0.1:${String(t.sipPort)}`);
    assert.match(JSON.stringify(await closed), /404|Not Found/i);
  });

  it('a phone transfers its call to *70: parked; nobody comes, and at the timeout the parker (101) rings and talks to 102 again', async () => {
    await eventually(async () => (await calls()).length === 0, 10_000, 'no call left');
    const call = await call101to102();
    const left = phones['101']!.waitForType('CALL_CLOSED', 10_000);
    await phones['101']!.transfer(`sip:*70@127.0.0.1:${String(t.sipPort)}`);
    await left;
    const parked = await eventually(async () => {
      const list = (await api(t.base, read, 'GET', '/api/v1/parked')).body as any[];
      return list.length === 1 ? list[0] : undefined;
    }, 8000, 'a parked call');
    assert.equal(parked.orbit, '*71');
    assert.equal(parked.participant.dn, '102');
    assert.equal(parked.parkedBy, '101');

    const back = await phones['101']!.waitForType('CALL_ESTABLISHED', (PARK_TIMEOUT + 15) * 1000);
    assert.ok(back, 'the parker was rung back');
    const again = await showsParticipants(call.id as string, '101:Connected,102:Connected', '101 and 102 together again in the same call');
    assert.equal(again.state, 'Talking');
    const timeouts = (await eventsOf('call.unparked')).filter((e) => e.payload.reason === 'timeout');
    assert.equal(timeouts.length, 1);
    const down = phones['102']!.waitForType('CALL_CLOSED', 10_000);
    await phones['101']!.hangup();
    await down;
  });

  it('click-to-call retrieves: POST /calls {from: 103, to: *71} rings 103, which then talks to the parked 102', async () => {
    const { call, parked } = await parkedByApi();
    const up = phones['103']!.waitForType('CALL_ESTABLISHED', 10_000);
    const made = await api(t.base, control, 'POST', '/api/v1/calls', { from: '103', to: parked.body.orbit });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await up;
    await showsParticipants(call.id as string, '102:Connected,103:Connected', '102 and 103 connected in the parked call');
    await audioFlowsBothWays(t, call.id as string, 'audio both ways between 102 and 103');
    const down = phones['102']!.waitForType('CALL_CLOSED', 10_000);
    await phones['103']!.hangup();
    await down;
  });

  it('the API transfers the parked party elsewhere: the orbit is free (call.unparked transferred) and 102 talks to 103', async () => {
    const { call, parked } = await parkedByApi();
    const up = phones['103']!.waitForType('CALL_ESTABLISHED', 10_000);
    const moved = await api(t.base, control, 'POST', `/api/v1/calls/${call.id as string}/participants/${parked.body.participant.id as string}/transfer`, { destination: '103' });
    assert.equal(moved.status, 202, JSON.stringify(moved.body));
    await up;
    await showsParticipants(call.id as string, '102:Connected,103:Connected', '102 (resumed) and 103 connected');
    assert.deepEqual((await api(t.base, read, 'GET', '/api/v1/parked')).body, [], 'the orbit is free');
    const transferred = (await eventsOf('call.unparked')).filter((e) => e.payload.reason === 'transferred');
    assert.equal(transferred.length, 1);
    const down = phones['102']!.waitForType('CALL_CLOSED', 10_000);
    await phones['103']!.hangup();
    await down;
  });
});
