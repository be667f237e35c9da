// Directory admin in a real Chromium: an extension created through the form
// shows its SIP password once (and that password registers a real phone),
// the API's schema errors and a duplicate number appear next to the field,
// edit and delete go through PATCH and DELETE, and a wrong key cannot sign in.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { Baresip } from '../peers/baresip.ts';
import { launchPanelBrowser, signIn, type Page, type PanelBrowser } from './browser.ts';

describe('panel: directory admin', () => {
  let t: TestServer;
  let b: PanelBrowser;
  let page: Page;

  before(async () => {
    [t, b] = await Promise.all([startTestServer(), launchPanelBrowser()]);
    page = await b.newPage();
  });
  after(async () => {
    await b?.close();
    await t?.stop();
  });

  it('a wrong key is refused at sign-in with a message, and nothing is stored', async () => {
    await page.goto(`${t.base}/`);
    await page.getByLabel('API key').fill('sb_000000000000_wrongwrongwrongwrongwrongwrongwr');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'unknown or revoked' }).waitFor();
    assert.equal(await page.evaluate('sessionStorage.length'), 0);
  });

  it('creates an extension through the form; its SIP password is shown once and registers a real phone', async () => {
    await signIn(page, t.base, t.adminKey);
    await page.getByRole('link', { name: 'Directory' }).click();
    await page.getByRole('button', { name: 'New extension' }).click();
    await page.getByLabel('Number').fill('120');
    await page.getByLabel('First name').fill('Grace');
    await page.getByLabel('Last name').fill('Hopper');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const password = (await page.getByTestId('sip-password').textContent()) ?? '';
    assert.ok(password.length >= 8, password);
    const stored = await api(t.base, t.adminKey, 'GET', '/api/v1/extensions/120');
    assert.equal(stored.body.firstName, 'Grace');
    assert.equal(stored.body.authPassword, password);
    await page.getByTestId('ext-row-120').waitFor();
    // What to type into the phone: this host, the SIP ports actually bound, the user and the password.
    const hint = (await page.getByTestId('provisioning').textContent()) ?? '';
    assert.match(hint, /SIP server \(registrar, proxy\): 127\.0\.0\.1\n/);
    assert.match(hint, new RegExp(`Port / transport: UDP ${String(t.sipPort)}`));
    assert.match(hint, /User name: 120\n/);
    assert.ok(hint.includes(`Password: ${password}`), hint);
    assert.ok(hint.includes(`sip:120@127.0.0.1:${String(t.sipPort)}`), hint);
    // Shown once: after Done the password is nowhere on the page.
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByRole('button', { name: 'Copied', exact: true }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), password);
    await b.screenshot(page, 'directory-created');
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByText(password).count(), 0);
    // The tile appears on the presence board without a reload (directory.changed).
    await page.getByRole('link', { name: 'Operator' }).click();
    await page.locator('[data-testid="tile-120"][data-state="offline"]').waitFor();
    const phone = await Baresip.start({ user: '120', password, registrar: `127.0.0.1:${String(t.sipPort)}`, regint: 600 });
    try {
      await phone.waitRegistered(5000);
      await page.locator('[data-testid="tile-120"][data-state="free"]').waitFor({ timeout: 5000 });
    } finally {
      await phone.stop();
    }
    await page.getByRole('link', { name: 'Directory' }).click();
  });

  it('a duplicate number and values the schema refuses are shown next to their field; nothing is created', async () => {
    await page.getByRole('button', { name: 'New extension' }).click();
    await page.getByLabel('Number').fill('101');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const dup = page.getByTestId('error-number');
    await dup.waitFor();
    assert.match((await dup.textContent()) ?? '', /101 is already used/);
    assert.equal(await page.getByLabel('Number').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Number').getAttribute('aria-describedby'), 'ext-number-error');
    await b.screenshot(page, 'directory-duplicate');

    await page.getByLabel('Number').fill('121');
    await page.getByLabel('Email').fill('not an email');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const bad = page.getByTestId('error-email');
    await bad.waitFor();
    assert.match((await bad.textContent()) ?? '', /pattern/);
    assert.equal(await page.getByTestId('error-number').count(), 0, 'the number is fine now');
    assert.equal((await api(t.base, t.adminKey, 'GET', '/api/v1/extensions/121')).status, 404);

    await page.getByLabel('Number').fill('1');
    await page.getByLabel('Email').fill('');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByTestId('error-number').waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('edits and deletes an extension', async () => {
    await page.getByRole('button', { name: 'Edit 120' }).click();
    assert.equal(await page.getByLabel('Number').getAttribute('readonly'), '');
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Do not disturb').check();
    await page.getByLabel('Forwarding profile').selectOption('Away');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('ext-row-120').filter({ hasText: 'Ada Hopper' }).waitFor();
    const stored = await api(t.base, t.adminKey, 'GET', '/api/v1/extensions/120');
    assert.equal(stored.body.dnd, true);
    assert.equal(stored.body.forwardingProfile, 'Away');
    // The presence tile follows the edit live: forwarding profile and DND badges.
    await page.getByRole('link', { name: 'Operator' }).click();
    const tile = page.getByTestId('tile-120');
    await tile.filter({ hasText: 'Away' }).filter({ hasText: 'DND' }).waitFor();
    assert.match((await tile.textContent()) ?? '', /Ada Hopper/);
    await page.getByRole('link', { name: 'Directory' }).click();

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete 120' }).click();
    await page.getByTestId('ext-row-120').waitFor({ state: 'detached' });
    assert.equal((await api(t.base, t.adminKey, 'GET', '/api/v1/extensions/120')).status, 404);
  });

  it('creates an API key with a role (the secret shown once works with that role) and revokes it', async () => {
    await page.getByLabel('Role').selectOption('read');
    await page.getByLabel('Label').fill('wallboard');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('api-key-secret').textContent()) ?? '';
    assert.match(secret, /^sb_/);
    assert.equal((await api(t.base, secret, 'GET', '/api/v1/extensions')).status, 200);
    assert.equal((await api(t.base, secret, 'POST', '/api/v1/extensions', { number: '130' })).status, 403);
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByText(secret).count(), 0);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Revoke wallboard' }).click();
    await page.getByRole('button', { name: 'Revoke wallboard' }).waitFor({ state: 'detached' });
    await page.getByText(/^revoked /).waitFor();
    assert.equal((await api(t.base, secret, 'GET', '/api/v1/extensions')).status, 401);
  });

  it('an admin logs an agent out of a queue and back in from its tile', async () => {
    await page.getByRole('link', { name: 'Operator' }).click();
    const agents = async (): Promise<{ extension: string; loggedIn: boolean }[]> => (await api(t.base, t.adminKey, 'GET', '/api/v1/queues/800')).body.agents;
    assert.equal((await agents()).find((a) => a.extension === '102')?.loggedIn, true);
    await page.getByRole('button', { name: 'Log 102 out of queue 800' }).click();
    await page.getByTestId('tile-102').filter({ hasText: 'queue 800 out' }).waitFor();
    assert.equal((await agents()).find((a) => a.extension === '102')?.loggedIn, false);
    assert.equal((await agents()).find((a) => a.extension === '103')?.loggedIn, true, 'the other agents stay');
    await page.getByRole('button', { name: 'Log 102 into queue 800' }).click();
    await page.getByTestId('tile-102').filter({ hasText: 'queue 800 in' }).waitFor();
    assert.equal((await agents()).find((a) => a.extension === '102')?.loggedIn, true);
  });

  it('creates a ring group through the schema-driven form; the API stores what was typed, typed (numbers, lists, a nested destination)', async () => {
    await page.getByRole('link', { name: 'Directory' }).click();
    await page.getByRole('navigation', { name: 'Directory sections' }).getByRole('link', { name: 'Ring groups' }).click();
    await page.getByTestId('ring-groups-row-600').waitFor();
    await page.getByRole('button', { name: 'New ring group' }).click();
    const form = page.getByRole('form', { name: 'New ring group' });
    await form.getByLabel('Number', { exact: true }).fill('610');
    await form.getByLabel('Name', { exact: true }).fill('Night desk');
    await form.getByLabel('Strategy', { exact: true }).selectOption('hunt');
    await form.getByLabel('Ring time', { exact: true }).fill('15');
    await form.getByLabel('Members', { exact: true }).fill('101, 103');
    await form.getByLabel('No answer type', { exact: true }).selectOption('extension');
    await form.getByLabel('No answer number', { exact: true }).fill('100');
    await b.screenshot(page, 'directory-ring-group-form');
    await form.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByTestId('ring-groups-row-610').filter({ hasText: 'Night desk' }).waitFor();
    const stored = await api(t.base, t.adminKey, 'GET', '/api/v1/ring-groups/610');
    assert.equal(stored.status, 200);
    assert.equal(stored.body.name, 'Night desk');
    assert.equal(stored.body.strategy, 'hunt');
    assert.equal(stored.body.ringTime, 15);
    assert.deepEqual(stored.body.members, ['101', '103']);
    assert.deepEqual(stored.body.noAnswer, { type: 'extension', number: '100' });
  });

  it('a duplicate ring group number and a bad nested field show next to their field; nothing is created or changed', async () => {
    await page.getByRole('button', { name: 'New ring group' }).click();
    const form = page.getByRole('form', { name: 'New ring group' });
    await form.getByLabel('Number', { exact: true }).fill('600');
    await form.getByLabel('Name', { exact: true }).fill('Copy of sales');
    await form.getByRole('button', { name: 'Create', exact: true }).click();
    const dup = form.getByTestId('error-number');
    await dup.waitFor();
    assert.match((await dup.textContent()) ?? '', /600 is already used/);
    const number = form.getByLabel('Number', { exact: true });
    assert.equal(await number.getAttribute('aria-invalid'), 'true');
    assert.equal(await number.getAttribute('aria-describedby'), await dup.getAttribute('id'));
    assert.equal((await api(t.base, t.adminKey, 'GET', '/api/v1/ring-groups/600')).body.name, 'Sales', 'the existing group is untouched');
    await b.screenshot(page, 'directory-ring-group-duplicate');

    // A nested field's error lands on that field, not on the form.
    await number.fill('611');
    await form.getByLabel('No answer type', { exact: true }).selectOption('external');
    await form.getByLabel('No answer number', { exact: true }).fill('12ab');
    await form.getByRole('button', { name: 'Create', exact: true }).click();
    await form.getByTestId('error-noAnswer/number').waitFor();
    assert.equal(await form.getByTestId('error-number').count(), 0, 'the number is fine now');
    assert.equal(await form.getByLabel('No answer number', { exact: true }).getAttribute('aria-invalid'), 'true');
    // A member that is not a number (pointer members/1): the error is next to the members list.
    await form.getByLabel('No answer number', { exact: true }).fill('');
    await form.getByLabel('No answer type', { exact: true }).selectOption('none');
    await form.getByLabel('Members', { exact: true }).fill('101, x');
    await form.getByRole('button', { name: 'Create', exact: true }).click();
    const members = form.getByTestId('error-members');
    await members.waitFor();
    assert.match((await members.textContent()) ?? '', /pattern/);
    assert.equal(await form.getByLabel('Members', { exact: true }).getAttribute('aria-invalid'), 'true');
    assert.equal((await api(t.base, t.adminKey, 'GET', '/api/v1/ring-groups/611')).status, 404);
    await form.getByRole('button', { name: 'Cancel' }).click();
  });

  it('edits and deletes a ring group; a queue, a contact and a webhook go through the same form', async () => {
    await page.getByRole('button', { name: 'Edit ring group 610' }).click();
    const form = page.getByRole('form', { name: 'Edit ring group 610' });
    assert.equal(await form.getByLabel('Number', { exact: true }).getAttribute('readonly'), '');
    await form.getByLabel('Members', { exact: true }).fill('102');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('ring-groups-row-610').filter({ hasText: '102' }).waitFor();
    assert.deepEqual((await api(t.base, t.adminKey, 'GET', '/api/v1/ring-groups/610')).body.members, ['102']);
    // A change made elsewhere (another admin, a script) shows without a reload.
    assert.equal((await api(t.base, t.adminKey, 'PATCH', '/api/v1/ring-groups/610', { name: 'Night desk EU' })).status, 200);
    await page.getByTestId('ring-groups-row-610').filter({ hasText: 'Night desk EU' }).waitFor();
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete ring group 610' }).click();
    await page.getByTestId('ring-groups-row-610').waitFor({ state: 'detached' });
    assert.equal((await api(t.base, t.adminKey, 'GET', '/api/v1/ring-groups/610')).status, 404);

    const sections = page.getByRole('navigation', { name: 'Directory sections' });
    await sections.getByRole('link', { name: 'Queues' }).click();
    await page.getByRole('button', { name: 'New queue' }).click();
    let f = page.getByRole('form', { name: 'New queue' });
    await f.getByLabel('Number', { exact: true }).fill('810');
    await f.getByLabel('Name', { exact: true }).fill('Billing');
    await f.getByRole('button', { name: 'Add to Agents' }).click();
    await f.getByLabel('Agents 1 extension', { exact: true }).fill('104');
    await f.getByLabel('Agents 1 logged in', { exact: true }).check();
    await f.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByTestId('queues-row-810').waitFor();
    assert.deepEqual((await api(t.base, t.adminKey, 'GET', '/api/v1/queues/810')).body.agents, [{ extension: '104', loggedIn: true }]);

    await sections.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('button', { name: 'New contact' }).click();
    f = page.getByRole('form', { name: 'New contact' });
    await f.getByLabel('First name', { exact: true }).fill('Marie');
    await f.getByLabel('Mobile', { exact: true }).fill('+48 600 100 200');
    await f.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('cell', { name: 'Marie' }).waitFor();
    const contacts = (await api(t.base, t.adminKey, 'GET', '/api/v1/contacts?q=Marie')).body.items as { mobile: string }[];
    assert.equal(contacts[0]?.mobile, '+48 600 100 200');

    await sections.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('button', { name: 'New webhook' }).click();
    f = page.getByRole('form', { name: 'New webhook' });
    await f.getByLabel('Url', { exact: true }).fill('ftp://crm.example');
    await f.getByLabel('Events', { exact: true }).fill('call.*');
    await f.getByRole('button', { name: 'Create', exact: true }).click();
    await f.getByTestId('error-url').waitFor();
    assert.deepEqual((await api(t.base, t.adminKey, 'GET', '/api/v1/webhooks')).body, []);
    await f.getByRole('button', { name: 'Cancel' }).click();
  });

  it('fits a phone-sized screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const view of ['operator', 'wallboard', 'history', 'directory', 'directory/inbound-rules']) {
      await page.goto(`${t.base}/#/${view}`);
      await page.getByTestId('stream-status').filter({ hasText: 'live' }).waitFor();
      await page.locator('main h2').first().waitFor();
      const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(Number(overflow) <= 0, `${view} is ${String(overflow)} px too wide`);
    }
    await page.goto(`${t.base}/#/operator`);
    await page.getByTestId('tile-101').waitFor();
    await b.screenshot(page, 'operator-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('serves the panel with a content security policy and a bundle under 300 kB gzipped', async () => {
    const res = await fetch(`${t.base}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await res.text();
    const scripts = [...html.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    assert.ok(scripts.length > 0, html);
    const { gzipSync } = await import('node:zlib');
    let total = 0;
    for (const s of scripts) {
      const js = await fetch(`${t.base}${s}`);
      assert.equal(js.status, 200);
      assert.match(js.headers.get('cache-control') ?? '', /immutable/);
      total += gzipSync(Buffer.from(await js.arrayBuffer())).length;
    }
    assert.ok(total < 300_000, `${String(total)} bytes gzipped`);
    assert.equal((await fetch(`${t.base}/assets/..%2Fpackage.json`)).status, 400);
    assert.equal((await fetch(`${t.base}/assets/nope.js`)).status, 404);
  });
});
