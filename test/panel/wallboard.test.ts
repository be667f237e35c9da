// The queues wallboard in a real Chromium: a real baresip caller waits in the
// demo queue 800 while no agent can take it (102 logged out, 103 and 104 have
// no phone); the board shows the caller waiting with the wait counting up.
// Logging 102 in from the board makes the ACD ring 102's real phone; its
// answer moves the counts. All of it through the event stream, no polling.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';
import { launchPanelBrowser, signIn, type Page, type PanelBrowser } from './browser.ts';

describe('panel: queues wallboard', () => {
  let t: TestServer;
  let b: PanelBrowser;
  let page: Page;
  let p101: Baresip;
  let p102: Baresip;
  let controlKey: string;
  const agentOf = async (ext: string): Promise<{ loggedIn: boolean } | undefined> => ((await api(t.base, t.adminKey, 'GET', '/api/v1/queues/800')).body.agents as { extension: string; loggedIn: boolean }[]).find((a) => a.extension === ext);
  const board = () => page.getByTestId('queue-800');
  const agent = (ext: string, state: string, timeout = 10_000) => page.locator(`[data-testid="agent-800-${ext}"][data-state="${state}"]`).waitFor({ timeout });

  before(async () => {
    t = await startTestServer();
    assert.equal((await api(t.base, t.adminKey, 'POST', '/api/v1/queues/800/agents/102/logout')).status, 204);
    controlKey = (await t.server.control.keys.create('control', 'wallboard screen')).key;
    [b, p101, p102] = await Promise.all([launchPanelBrowser(), registeredPhone(t, '101', { answermode: 'auto' }), registeredPhone(t, '102', { answermode: 'manual' })]);
    page = await b.newPage();
    await page.setViewportSize({ width: 1920, height: 1080 });
  });
  after(async () => {
    await b?.close();
    for (const p of [p101, p102]) await p?.stop();
    await t?.stop();
  });

  it('shows every queue with its agents: 102 logged out, 103 and 104 unavailable (no phone), nobody waiting', async () => {
    await signIn(page, t.base, controlKey);
    await page.getByRole('link', { name: 'Wallboard' }).click();
    await board().waitFor();
    assert.match((await board().locator('h3').textContent()) ?? '', /800\s*Support/);
    await agent('102', 'loggedOut');
    await agent('103', 'unavailable');
    await agent('104', 'unavailable');
    assert.equal(await board().getByTestId('waiting').textContent(), '0');
    assert.match((await board().getByTestId('agent-counts').textContent()) ?? '', /0 free · 0 busy · 0 wrap-up · 1 logged out · 2 unavailable/);
    // Dark whatever the system prefers: the wallboard's own background.
    const bg = await page.locator('.app-wallboard').evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor);
    assert.equal(bg, 'rgb(11, 13, 16)');
  });

  it('a real call into queue 800 with no agent to take it shows 1 waiting caller, the longest wait counting up', async () => {
    const up = p101.waitForType('CALL_ESTABLISHED', 10_000);
    await p101.dial(`sip:800@127.0.0.1:${String(t.sipPort)}`);
    await up; // the queue answers the caller and plays music
    await board().getByTestId('waiting').filter({ hasText: /^1$/ }).waitFor();
    assert.match((await board().getByRole('list', { name: 'Callers waiting in 800' }).textContent()) ?? '', /101/);
    const first = await board().getByTestId('longest-wait').textContent();
    await eventually(async () => (await board().getByTestId('longest-wait').textContent()) !== first, 4000, 'the longest wait to count up');
    assert.match((await board().getByTestId('longest-wait').textContent()) ?? '', /^0:0[1-9]$/);
    await b.screenshot(page, 'wallboard-waiting');
  });

  it('logging 102 in from the wallboard makes the ACD offer it the caller; its answer empties the queue and counts one answered', async () => {
    const ringing = p102.waitForType('CALL_INCOMING', 10_000);
    await page.getByRole('button', { name: 'Log 102 into queue 800' }).click();
    await ringing;
    await agent('102', 'ringing');
    assert.equal((await agentOf('102'))?.loggedIn, true);
    const up = p102.waitForType('CALL_ESTABLISHED', 10_000);
    await p102.accept();
    await up;
    await agent('102', 'busy');
    await board().getByTestId('waiting').filter({ hasText: /^0$/ }).waitFor();
    await board().getByTestId('answered').filter({ hasText: /^1$/ }).waitFor();
    assert.equal(await board().getByTestId('longest-wait').textContent(), '0:00');
    assert.equal(await board().getByTestId('service-level').textContent(), '100 %', 'answered within the 20 s target');
    assert.match((await board().getByText(/^Service level/).textContent()) ?? '', /Service level \(20 s\)/);
    await b.screenshot(page, 'wallboard-answered');
    const closed = Promise.all([p101.waitForType('CALL_CLOSED', 10_000), p102.waitForType('CALL_CLOSED', 10_000)]);
    await p101.hangup();
    await closed;
    await page.locator('[data-testid="agent-800-102"]:not([data-state="busy"])').waitFor();
  });

  it('logs 102 out again from the wallboard', async () => {
    await page.getByRole('button', { name: 'Log 102 out of queue 800' }).click();
    await agent('102', 'loggedOut');
    assert.equal((await agentOf('102'))?.loggedIn, false);
    assert.equal((await agentOf('103'))?.loggedIn, true, 'the other agents stay');
  });

  it('moved only by the event stream: the page read each queue status once, at load', () => {
    const reads = b.requests.filter((u) => u.includes('/api/v1/queues/800/status'));
    assert.equal(reads.length, 1, reads.join('\n'));
  });

  it('a read key sees the wallboard without log-in buttons', async () => {
    const readKey = (await t.server.control.keys.create('read', 'lobby screen')).key;
    const reader = await b.newPage();
    await signIn(reader, t.base, readKey);
    await reader.goto(`${t.base}/#/wallboard`);
    await reader.locator('[data-testid="agent-800-102"][data-state="loggedOut"]').waitFor();
    assert.equal(await reader.getByRole('button', { name: /^Log / }).count(), 0);
    await reader.close();
  });
});
