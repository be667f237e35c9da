// The call card's newer actions in a real Chromium, with a control key,
// against a live Switchboard and real baresip phones: Park puts a caller in
// an orbit and the "Parked calls" list follows it live; Retrieve rings
// another phone into the parked call; Mute / Unmute with the indicator; a
// supervisor who listens switches to whisper from its row (one leg).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';
import { launchPanelBrowser, signIn, type Page, type PanelBrowser } from './browser.ts';
import { dialAnswered, hangUpAll as hangUpEverything, liveCalls as allLiveCalls, liveParticipants, type CallBody, type ParticipantBody } from './live-calls.ts';

interface ParkedBody {
  orbit: string;
  callId: string;
  participant: ParticipantBody;
  parkedBy: string;
}

describe('panel: park, mute and supervisor mode', () => {
  let t: TestServer;
  let b: PanelBrowser;
  let page: Page;
  let controlKey: string;
  let p101: Baresip;
  let p102: Baresip;
  let p103: Baresip;
  const liveCalls = (): Promise<CallBody[]> => allLiveCalls(t);
  const parked = async (): Promise<ParkedBody[]> => (await api(t.base, t.adminKey, 'GET', '/api/v1/parked')).body as ParkedBody[];
  const live = liveParticipants;
  const call101to102 = async (): Promise<CallBody> => {
    await dialAnswered(t, p101, p102, '102');
    return eventually(async () => (await liveCalls()).find((c) => c.state === 'Talking' && live(c).length === 2), 10_000, 'the call talking');
  };
  const hangUpAll = (): Promise<void> => hangUpEverything(t);

  before(async () => {
    t = await startTestServer();
    controlKey = (await t.server.control.keys.create('control', 'reception')).key;
    [b, p101, p102, p103] = await Promise.all([
      launchPanelBrowser(),
      registeredPhone(t, '101', { answermode: 'auto' }),
      registeredPhone(t, '102', { answermode: 'auto' }),
      registeredPhone(t, '103', { answermode: 'auto' }),
    ]);
    page = await b.newPage();
    await signIn(page, t.base, controlKey);
    assert.equal(await page.getByTestId('role').textContent(), 'control key');
  });
  after(async () => {
    await b?.close();
    for (const p of [p101, p102, p103]) await p?.stop();
    await t?.stop();
  });

  it('Park 101 from the card: 101 waits in *71, 102 leaves; the parked list shows it live, counting up; Retrieve at 103 connects 103 to 101 and empties the list', async () => {
    const list = page.getByRole('region', { name: /Parked calls/ });
    await list.getByText('Nobody is parked.').waitFor();
    const call = await call101to102();
    const card = page.getByTestId(`call-${call.id}`);
    const closed102 = p102.waitForType('CALL_CLOSED', 15_000);
    await card.getByRole('button', { name: 'Park 101', exact: true }).click();
    await closed102;

    const row = page.getByTestId('parked-*71');
    await row.waitFor();
    const [inOrbit] = await parked();
    assert.equal(inOrbit?.orbit, '*71');
    assert.equal(inOrbit?.callId, call.id);
    assert.equal(inOrbit?.participant.dn, '101');
    assert.equal(inOrbit?.parkedBy, '102');
    const text = (await row.textContent()) ?? '';
    assert.match(text, /\*71/);
    assert.match(text, /101/);
    assert.match(text, /parked by 102/);
    assert.match((await page.getByRole('heading', { name: /Parked calls/ }).textContent()) ?? '', /\(1\)/);
    const first = await row.locator('time').textContent();
    await eventually(async () => (await row.locator('time').textContent()) !== first, 4000, 'the parked time to count up');
    // The parked call's card: the orbit can only be dropped, the waiting 101 dropped or transferred; nothing to park or supervise there.
    await card.getByTestId('participant-*71').waitFor();
    assert.equal(await card.getByRole('button', { name: 'Drop *71', exact: true }).count(), 1);
    assert.equal(await card.getByRole('button', { name: 'Transfer 101', exact: true }).count(), 1);
    for (const name of [/^Hold/, /^Resume/, /^Transfer \*71/, /^Mute/, /^Consult/, /^Park/, /^Barge/]) assert.equal(await card.getByRole('button', { name }).count(), 0, `the parked call offers ${String(name)}`);
    await b.screenshot(page, 'operator-parked');

    // A read key sees the orbit but cannot retrieve it, nor park or mute.
    const readKey = (await t.server.control.keys.create('read', 'wall')).key;
    const reader = await b.newPage();
    await signIn(reader, t.base, readKey);
    await reader.getByTestId('parked-*71').waitFor();
    for (const name of [/^Retrieve/, /^Park/, /^Mute/, /^Unmute/, /^Switch/]) assert.equal(await reader.getByRole('button', { name }).count(), 0, `a read key sees ${String(name)}`);
    await reader.close();

    // An extension that does not exist: the API's 404 shows on the row, the call stays parked.
    await row.getByLabel('Extension retrieving *71').fill('199');
    await row.getByRole('button', { name: 'Retrieve *71' }).click();
    await row.getByRole('alert').waitFor();
    assert.match((await row.getByRole('alert').textContent()) ?? '', /199/);
    assert.equal((await parked()).length, 1);

    const rang103 = p103.waitForType('CALL_ESTABLISHED', 15_000);
    await row.getByLabel('Extension retrieving *71').fill('103');
    await row.getByRole('button', { name: 'Retrieve *71' }).click();
    await rang103;
    const retrieved = await eventually(async () => {
      const c = (await liveCalls()).find((x) => x.id === call.id);
      const dns = live(c).map((p) => `${p.dn}:${p.status}`).sort();
      return dns.join() === '101:Connected,103:Connected' ? dns : undefined;
    }, 15_000, '103 connected to the parked 101');
    assert.deepEqual(retrieved, ['101:Connected', '103:Connected']);
    await row.waitFor({ state: 'detached', timeout: 5000 });
    await list.getByText('Nobody is parked.').waitFor();
    assert.deepEqual(await parked(), []);
    await page.getByTestId(`call-${call.id}`).getByTestId('participant-103').waitFor();
    assert.equal(await page.getByRole('alert').count(), 0);
    await hangUpAll();
  });

  it('Mute 101 from the card: the API shows muted, the indicator is visible; Unmute clears both', async () => {
    const call = await call101to102();
    const card = page.getByTestId(`call-${call.id}`);
    const indicator = card.getByTestId('muted-101');
    assert.equal(await indicator.count(), 0);
    await card.getByRole('button', { name: 'Mute 101', exact: true }).click();
    await indicator.waitFor();
    assert.equal(await indicator.textContent(), 'muted');
    const muted = await eventually(async () => live((await liveCalls()).find((c) => c.id === call.id)).find((p) => p.dn === '101' && p.muted), 5000, '101 muted in the API');
    assert.equal(muted.muted, true);
    assert.equal(live((await liveCalls()).find((c) => c.id === call.id)).find((p) => p.dn === '102')?.muted, false, 'only 101 is muted');
    assert.equal(await card.getByTestId('muted-102').count(), 0);
    await b.screenshot(page, 'operator-muted');

    await card.getByRole('button', { name: 'Unmute 101', exact: true }).click();
    await indicator.waitFor({ state: 'detached' });
    await eventually(async () => live((await liveCalls()).find((c) => c.id === call.id)).find((p) => p.dn === '101' && !p.muted), 5000, '101 unmuted in the API');
    await card.getByRole('button', { name: 'Mute 101', exact: true }).waitFor();
    assert.equal(await card.getByRole('alert').count(), 0);
    await hangUpAll();
  });

  it('a supervisor 103 that listens switches to whisper from its row: one supervisor leg, no second ring', async () => {
    const call = await call101to102();
    const card = page.getByTestId(`call-${call.id}`);
    const incoming = (): number => p103.events.filter((e) => e.type === 'CALL_ESTABLISHED').length;
    const ringsBefore = incoming();
    const up = p103.waitForType('CALL_ESTABLISHED', 15_000);
    await card.getByLabel(`Supervisor extension for call ${call.id}`).fill('103');
    await card.getByRole('button', { name: 'Listen', exact: true }).click();
    await up;
    await card.getByTestId('participant-103').filter({ hasText: 'Connected' }).waitFor();
    const mode = card.getByTestId('mode-103');
    await mode.filter({ hasText: 'listening' }).waitFor();
    const row = card.getByTestId('participant-103');
    // The engine's own mixer says what the supervisor does (the API has no mode field).
    const supervisorMode = (): { mode: string; target?: string } | undefined => {
      const id = live(calls.find((c) => c.id === call.id)).find((p) => p.dn === '103')?.id;
      return t.server.sip.b2bua.get(call.id)?.mediaTap().mixer?.info().find((m) => m.id === id);
    };
    let calls = await liveCalls();
    assert.equal(supervisorMode()?.mode, 'hear');
    assert.equal(await row.getByRole('button', { name: 'Switch 103 to listen' }).count(), 0, 'the current mode is not offered');

    await row.getByRole('button', { name: 'Switch 103 to whisper' }).click();
    await mode.filter({ hasText: 'whispering' }).waitFor();
    await row.getByRole('button', { name: 'Switch 103 to listen' }).waitFor();
    assert.equal(await card.getByRole('alert').count(), 0, 'the switch was accepted');
    // Still one leg for 103, and its phone was not rung again.
    await new Promise((r) => setTimeout(r, 1000));
    calls = await liveCalls();
    const agent = live(calls.find((c) => c.id === call.id)).find((p) => p.dn === '102');
    const whispering = supervisorMode();
    assert.equal(whispering?.mode, 'whisper');
    assert.equal(whispering?.target, agent?.id, '103 whispers to the agent 102');
    const now = live(calls.find((c) => c.id === call.id));
    assert.deepEqual(now.map((p) => `${p.dn}:${p.status}`).sort(), ['101:Connected', '102:Connected', '103:Connected']);
    assert.equal(incoming() - ringsBefore, 1, '103 answered one call: the switch rang nothing');
    await b.screenshot(page, 'operator-supervisor-mode');
    await hangUpAll();
  });
});
