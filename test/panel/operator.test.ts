// The operator view in a real Chromium against a live Switchboard with real
// baresip phones: presence tiles, a live call appearing without reload, drop,
// blind transfer (drag-and-drop and by number), click-to-call, the event
// stream resuming after a disconnect, role-aware controls and the call
// history with the recording playing in the page.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';
import { launchPanelBrowser, signIn, type Page, type PanelBrowser } from './browser.ts';
import { dialAnswered, hangUpAll as hangUpEverything, liveCalls as allLiveCalls, type CallBody } from './live-calls.ts';

describe('panel: operator view', () => {
  let t: TestServer;
  let b: PanelBrowser;
  let page: Page;
  let p101: Baresip;
  let p102: Baresip;
  let p103: Baresip;
  const liveCalls = (): Promise<CallBody[]> => allLiveCalls(t);
  const tileState = (n: string) => page.getByTestId(`tile-${n}`).getAttribute('data-state');
  const waitTile = (n: string, state: string, timeout = 10_000) => page.locator(`[data-testid="tile-${n}"][data-state="${state}"]`).waitFor({ timeout });
  const call101to102 = (): Promise<number> => dialAnswered(t, p101, p102, '102');
  const hangUpAll = (): Promise<void> => hangUpEverything(t);

  before(async () => {
    t = await startTestServer();
    // Every call of 101 is recorded, for the history's player.
    assert.equal((await api(t.base, t.adminKey, 'PATCH', '/api/v1/extensions/101', { recording: 'all' })).status, 200);
    [b, p101, p102, p103] = await Promise.all([
      launchPanelBrowser(),
      registeredPhone(t, '101', { answermode: 'auto' }),
      registeredPhone(t, '102', { answermode: 'auto' }),
      registeredPhone(t, '103', { answermode: 'manual' }),
    ]);
    page = await b.newPage();
  });
  after(async () => {
    await b?.close();
    for (const p of [p101, p102, p103]) await p?.stop();
    await t?.stop();
  });

  it('signs in with an admin key; registered phones are free, the others not registered', async () => {
    await signIn(page, t.base, t.adminKey);
    assert.equal(await page.getByTestId('role').textContent(), 'admin key');
    for (const n of ['101', '102', '103']) await waitTile(n, 'free');
    assert.equal(await tileState('104'), 'offline');
    assert.match((await page.getByTestId('tile-101').textContent()) ?? '', /registered/);
    assert.match((await page.getByTestId('tile-104').textContent()) ?? '', /not registered/);
    assert.equal(await page.evaluate('sessionStorage.length'), 1, 'the key is kept in session storage');
  });

  it('a real call 101 → 102 turns both tiles "talking" within 1 s of the answer and shows up live; Drop ends it on both phones', async () => {
    const answered = await call101to102();
    await waitTile('101', 'talking', 1000);
    assert.ok(Date.now() - answered < 1000, `101 turned talking ${String(Date.now() - answered)} ms after the answer`);
    await waitTile('102', 'talking', 1000);
    const [call] = await liveCalls();
    assert.ok(call);
    const card = page.getByTestId(`call-${call.id}`);
    await card.waitFor();
    assert.equal(await card.getByTestId('participant-101').count(), 1);
    assert.equal(await card.getByTestId('participant-102').count(), 1);
    assert.match((await card.getByTestId('call-state').textContent()) ?? '', /Talking/);
    // The duration counts up by itself.
    const first = await card.locator('time').textContent();
    await eventually(async () => (await card.locator('time').textContent()) !== first, 3000, 'the duration to count up');
    assert.ok(Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) <= 0, 'the page does not scroll sideways');
    await b.screenshot(page, 'operator-live-call');

    const closed = Promise.all([p101.waitForType('CALL_CLOSED', 10_000), p102.waitForType('CALL_CLOSED', 10_000)]);
    await card.getByRole('button', { name: 'Drop 102' }).click();
    await closed;
    await card.waitFor({ state: 'detached', timeout: 5000 });
    assert.deepEqual(await liveCalls(), []);
    await waitTile('101', 'free', 2000);
  });

  it('hold and resume from the page re-INVITE the phone: the tile shows "held", then "talking"', async () => {
    await call101to102();
    await waitTile('101', 'talking');
    await page.getByRole('button', { name: 'Hold 101' }).click();
    await waitTile('101', 'held');
    await page.getByRole('button', { name: 'Resume 101' }).click();
    await waitTile('101', 'talking');
    await hangUpAll();
  });

  it('the card shows the policy recording; Stop recording then Record turn the light off and on and make two recordings of one call', async () => {
    await call101to102();
    const [call] = await liveCalls();
    assert.ok(call);
    const card = page.getByTestId(`call-${call.id}`);
    const light = card.getByTestId('recording-indicator');
    const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 800));
    await light.waitFor(); // 101 records every call
    await pause();
    await card.getByRole('button', { name: 'Stop recording' }).click();
    await light.waitFor({ state: 'detached' });
    assert.equal((await api(t.base, t.adminKey, 'GET', '/api/v1/recordings/active')).body.length, 0);
    await pause();
    await card.getByRole('button', { name: 'Record', exact: true }).click();
    await light.waitFor();
    assert.equal(await card.getByRole('button', { name: 'Record', exact: true }).count(), 0, 'Record turned into Stop recording');
    await card.getByRole('button', { name: 'Stop recording' }).waitFor();
    await b.screenshot(page, 'operator-recording');
    await pause();
    assert.equal(await card.getByRole('alert').count(), 0, 'both actions were accepted');
    // A page loaded now learns of the recording from GET /recordings/active.
    const late = await b.newPage();
    await signIn(late, t.base, t.adminKey);
    await late.getByTestId(`call-${call.id}`).getByTestId('recording-indicator').waitFor();
    await late.close();
    await hangUpAll();
    const recs = await eventually(async () => {
      const rows = (await api(t.base, t.adminKey, 'GET', `/api/v1/recordings?callId=${call.id}`)).body as { durationMs: number }[];
      return rows.length === 2 ? rows : undefined;
    }, 15_000, 'two recordings of the call');
    for (const r of recs) assert.ok(r.durationMs > 300, `a recording of ${String(r.durationMs)} ms`);
  });

  it('dragging the caller onto the tile of 103 blind-transfers it: 103 rings, 102 leaves, 101 and 103 talk', async () => {
    await call101to102();
    await waitTile('101', 'talking');
    const ringing = p103.waitForType('CALL_INCOMING', 10_000);
    const left = p102.waitForType('CALL_CLOSED', 10_000);
    await page.getByTestId('participant-101').dragTo(page.getByTestId('tile-103'));
    await ringing;
    await waitTile('103', 'ringing', 3000);
    await left;
    const up = p103.waitForType('CALL_ESTABLISHED', 10_000);
    await p103.accept();
    await up;
    await waitTile('103', 'talking');
    const [call] = await liveCalls();
    assert.deepEqual(call?.participants.filter((p) => p.status !== 'Ended').map((p) => `${p.dn}:${p.status}`).sort(), ['101:Connected', '103:Connected']);
    await hangUpAll();
  });

  it('a blind transfer by number makes 103 ring', async () => {
    await call101to102();
    await waitTile('102', 'talking');
    const ringing = p103.waitForType('CALL_INCOMING', 10_000);
    await page.getByLabel('Transfer 101 to number').fill('103');
    await page.getByRole('button', { name: 'Transfer 101' }).click();
    await ringing;
    await waitTile('103', 'ringing', 3000);
    await hangUpAll();
  });

  it('attended transfer from the page: Consult rings 103 from 101 while 102 holds; Complete connects 102 and 103, 101 leaves both calls', async () => {
    await call101to102();
    await waitTile('102', 'talking');
    const ringing = p103.waitForType('CALL_INCOMING', 10_000);
    await page.getByLabel('Transfer 101 to number').fill('103');
    await page.getByRole('button', { name: 'Consult for 101' }).click();
    await ringing;
    const up = p103.waitForType('CALL_ESTABLISHED', 10_000);
    await p103.accept();
    await up;
    await waitTile('102', 'held');
    await waitTile('103', 'talking');
    await b.screenshot(page, 'operator-consultation');
    const left = p101.waitForType('CALL_CLOSED', 10_000);
    await page.getByRole('button', { name: 'Complete transfer of 101 to 103' }).click();
    await left;
    await waitTile('101', 'free');
    await waitTile('102', 'talking');
    const calls = await eventually(async () => {
      const live = await liveCalls();
      return live.length === 1 && live[0]?.participants.filter((p) => p.status !== 'Ended').length === 2 ? live : undefined;
    }, 10_000, 'one call left');
    assert.deepEqual(calls[0]?.participants.filter((p) => p.status !== 'Ended').map((p) => `${p.dn}:${p.status}`).sort(), ['102:Connected', '103:Connected']);
    await hangUpAll();
  });

  it('Barge from the call card rings the supervisor 103; once it answers the call has 101, 102 and 103 connected', async () => {
    await call101to102();
    const [call] = await liveCalls();
    assert.ok(call);
    const card = page.getByTestId(`call-${call.id}`);
    await card.getByRole('button', { name: 'Barge' }).waitFor();
    const ringing = p103.waitForType('CALL_INCOMING', 10_000);
    await card.getByLabel(`Supervisor extension for call ${call.id}`).fill('103');
    await card.getByRole('button', { name: 'Barge' }).click();
    await ringing;
    const up = p103.waitForType('CALL_ESTABLISHED', 10_000);
    await p103.accept();
    await up;
    // The card shows the supervisor live, and the API's call has all three.
    await card.getByTestId('participant-103').filter({ hasText: 'Connected' }).waitFor();
    const joined = await eventually(async () => {
      const c = (await liveCalls()).find((x) => x.id === call.id);
      const dns = c?.participants.filter((p) => p.status === 'Connected').map((p) => p.dn).sort();
      return dns?.length === 3 ? dns : undefined;
    }, 10_000, '103 in the call');
    assert.deepEqual(joined, ['101', '102', '103']);
    await waitTile('103', 'talking');
    await b.screenshot(page, 'operator-barge');
    await hangUpAll();
  });

  it('a supervisor extension the schema refuses is an error on the card; nothing rings', async () => {
    await call101to102();
    const [call] = await liveCalls();
    assert.ok(call);
    const card = page.getByTestId(`call-${call.id}`);
    await card.getByLabel(`Supervisor extension for call ${call.id}`).fill('9');
    await card.getByRole('button', { name: 'Listen' }).click();
    assert.equal(await card.getByLabel(`Supervisor extension for call ${call.id}`).evaluate((el) => (el as unknown as { validity: { valid: boolean } }).validity.valid), false);
    await card.getByLabel(`Supervisor extension for call ${call.id}`).fill('199');
    await card.getByRole('button', { name: 'Whisper' }).click();
    await card.getByRole('alert').waitFor();
    assert.equal((await liveCalls()).find((x) => x.id === call.id)?.participants.length, 2);
    await hangUpAll();
  });

  it("click-to-call from a tile rings 101's phone first, then connects it to 102", async () => {
    const up = Promise.all([p101.waitForType('CALL_ESTABLISHED', 10_000), p102.waitForType('CALL_ESTABLISHED', 10_000)]);
    await page.getByRole('button', { name: 'Call from 101' }).click();
    await page.getByLabel('Number to call from 101').fill('102');
    await page.getByRole('button', { name: 'Dial' }).click();
    await up;
    await waitTile('102', 'talking');
    await hangUpAll();
  });

  it('read keys see calls without any action; control keys act but do not edit the directory', async () => {
    await call101to102();
    const readKey = (await t.server.control.keys.create('read', 'wallboard')).key;
    const controlKey = (await t.server.control.keys.create('control', 'reception')).key;
    const reader = await b.newPage();
    await signIn(reader, t.base, readKey);
    assert.equal(await reader.getByTestId('role').textContent(), 'read key');
    await reader.locator('[data-testid="tile-101"][data-state="talking"]').waitFor();
    await reader.getByTestId('participant-101').waitFor();
    await reader.getByTestId('recording-indicator').waitFor(); // the light is information, for every key
    for (const name of [/^Drop/, /^Hold/, /^Transfer/, /^Call from/, /^Record/, /^Stop recording/, /^Consult/, /^Complete transfer/, /^Log /, /^Barge/, /^Listen/, /^Whisper/]) assert.equal(await reader.getByRole('button', { name }).count(), 0, `a read key sees ${String(name)}`);
    assert.equal(await reader.getByTestId('participant-101').getAttribute('draggable'), 'false');
    await b.screenshot(reader, 'operator-read-key');
    await reader.goto(`${t.base}/#/directory`);
    await reader.getByTestId('ext-row-101').waitFor();
    assert.equal(await reader.getByRole('button', { name: /New extension|^Edit|^Delete/ }).count(), 0);
    await reader.close();

    const operator = await b.newPage();
    await signIn(operator, t.base, controlKey);
    assert.equal(await operator.getByTestId('role').textContent(), 'control key');
    await operator.getByRole('button', { name: 'Drop 101' }).waitFor();
    assert.equal(await operator.getByRole('button', { name: /^Log / }).count(), 0, 'queue log-in is an admin change');
    await operator.goto(`${t.base}/#/directory`);
    await operator.getByTestId('ext-row-101').waitFor();
    assert.equal(await operator.getByRole('button', { name: /New extension|^Edit|^Delete/ }).count(), 0);
    await operator.close();
    await hangUpAll();
  });

  it('after the server drops the event stream the page reconnects with since=<last seq> and misses nothing', async () => {
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    for (const client of t.server.http.websocketServer.clients) client.terminate();
    // Changed while the page is disconnected: it arrives through the resumed stream.
    assert.equal((await api(t.base, t.adminKey, 'POST', '/api/v1/extensions', { number: '150', firstName: 'Resumed' })).status, 201);
    await page.getByTestId('tile-150').waitFor({ timeout: 10_000 });
    await page.getByTestId('stream-status').filter({ hasText: 'live' }).waitFor();
    const since = Number(new URL(sockets.at(-1) ?? 'ws://x/').searchParams.get('since'));
    assert.ok(since > 0, `reconnected with since=${String(since)}`);
    assert.match((await page.getByTestId('tile-150').textContent()) ?? '', /Resumed/);
  });

  it('the call history lists the calls; the recording plays in the page through its link; CSV export', async () => {
    await page.goto(`${t.base}/#/history`);
    const rows = (await api(t.base, t.adminKey, 'GET', '/api/v1/cdr')).body as { uniqueid: string; src: string; dst: string; disposition: string }[];
    const first = rows.find((r) => r.src === '101' && r.dst === '102');
    assert.ok(first, JSON.stringify(rows));
    const row = page.getByTestId(`cdr-${first.uniqueid}`);
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /101.*102.*ANSWERED/);
    const audio = row.locator('audio');
    await eventually(async () => {
      const recs = (await api(t.base, t.adminKey, 'GET', `/api/v1/recordings?cdrUniqueid=${first.uniqueid}`)).body as unknown[];
      return recs.length > 0;
    }, 10_000, 'the recording is ready');
    if ((await audio.count()) === 0) await page.getByRole('button', { name: 'Search' }).click();
    const played = await audio.evaluate(
      (el) =>
        new Promise<{ duration: number; src: string }>((resolve, reject) => {
          const a = el as unknown as { duration: number; readyState: number; currentSrc: string; addEventListener(t: string, f: () => void): void; load(): void };
          // No named functions in here: tsx's keepNames would wrap them in a helper the page lacks.
          if (a.readyState >= 3) resolve({ duration: a.duration, src: a.currentSrc });
          a.addEventListener('canplay', () => resolve({ duration: a.duration, src: a.currentSrc }));
          a.addEventListener('error', () => reject(new Error('audio error')));
          a.load();
        }),
    );
    assert.ok(played.duration > 0, `duration ${String(played.duration)}`);
    assert.match(played.src, /\/recordings\/[A-Za-z0-9_-]+\.mp3$/);
    // Filtering by disposition hides the answered calls.
    await page.getByLabel('Disposition').selectOption('BUSY');
    await row.waitFor({ state: 'detached' });
    await page.getByLabel('Disposition').selectOption('');
    await row.waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const file = await download;
    const csv = await new Promise<string>((resolve, reject) => {
      void file.createReadStream().then((s) => {
        let text = '';
        s.on('data', (c: Buffer) => (text += c.toString()));
        s.on('end', () => resolve(text));
        s.on('error', reject);
      });
    });
    const lines = csv.trim().split('\r\n');
    assert.equal(lines[0], 'calldate,src,dst,direction,disposition,duration,billsec,uniqueid');
    assert.equal(lines.length, rows.length + 1);
    assert.ok(lines.some((l) => l.includes(first.uniqueid)));
    await b.screenshot(page, 'call-history');
  });

  it('the page made no request outside this Switchboard', () => {
    const outside = b.requests.filter((u) => !u.startsWith(t.base) && !u.startsWith(t.base.replace('http', 'ws')) && !u.startsWith('blob:') && !u.startsWith('data:'));
    assert.deepEqual(outside, []);
    assert.ok(b.requests.some((u) => u.includes('/assets/')), 'the bundle came from the server');
  });
});
