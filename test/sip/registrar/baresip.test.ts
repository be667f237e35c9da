// A real phone registers: baresip as extension 101 with digest auth over UDP
// and TCP; the API shows its user agent and contact; a wrong password gets no
// registration; a restart keeps the registration; unregistering removes it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Baresip } from '../../peers/baresip.ts';
import { startTestServer, api, type TestServer } from '../../helpers/server.ts';

async function password(t: TestServer, ext: string): Promise<string> {
  const res = await api(t.base, t.adminKey, 'GET', `/api/v1/extensions/${ext}`);
  return res.body.authPassword as string;
}

async function devices(t: TestServer, ext: string): Promise<{ userAgent: string; contact: string; transport: string; sourceAddress: string }[]> {
  const res = await api(t.base, t.adminKey, 'GET', `/api/v1/extensions/${ext}/devices`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('registrar with baresip', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-reg-'));
  let t: TestServer;
  const phones: Baresip[] = [];
  before(async () => {
    t = await startTestServer({}, { dataDir });
  });
  after(async () => {
    for (const p of phones) await p.stop();
    await t.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers extension 101 over UDP with digest and shows the device', async () => {
    const phone = await Baresip.start({ user: '101', password: await password(t, '101'), registrar: `127.0.0.1:${String(t.sipPort)}`, regint: 600 });
    phones.push(phone);
    await phone.waitRegistered(5000);
    const list = await devices(t, '101');
    assert.equal(list.length, 1);
    assert.match(list[0]?.userAgent ?? '', /baresip/i);
    assert.match(list[0]?.contact ?? '', /^sip:101-0x[0-9a-f]+@127\.0\.0\.1:\d+/);
    assert.equal(list[0]?.transport, 'udp');
    assert.equal(list[0]?.sourceAddress, '127.0.0.1');
    const all = await api(t.base, t.adminKey, 'GET', '/api/v1/registrations');
    assert.equal(all.body.length, 1);
    const ev = await api(t.base, t.adminKey, 'GET', '/api/v1/events?since=0&limit=1000');
    assert.ok(ev.body.events.some((e: { type: string; payload: { extension: string } }) => e.type === 'device.registered' && e.payload.extension === '101'));
  });

  it('a wrong password gets no registration', async () => {
    const phone = await Baresip.start({ user: '102', password: 'not-the-password', registrar: `127.0.0.1:${String(t.sipPort)}`, regint: 600 });
    phones.push(phone);
    await eventually(async () => (await phone.registrationState()) === 'error');
    assert.deepEqual(await devices(t, '102'), []);
  });

  it('registers over TCP too', async () => {
    const phone = await Baresip.start({ user: '103', password: await password(t, '103'), registrar: `127.0.0.1:${String(t.sipPort)}`, transport: 'tcp', regint: 600 });
    phones.push(phone);
    await phone.waitRegistered(5000);
    const list = await devices(t, '103');
    assert.equal(list.length, 1);
    assert.equal(list[0]?.transport, 'tcp');
  });

  it('a restart keeps the registrations', async () => {
    await t.stop();
    t = await startTestServer({ SWITCHBOARD_SIP_PORT: String(t.sipPort) }, { dataDir });
    const list = await devices(t, '101');
    assert.equal(list.length, 1);
    assert.match(list[0]?.userAgent ?? '', /baresip/i);
  });

  it('unregistering removes the device', async () => {
    const phone = phones[0];
    assert.ok(phone);
    await phone.stop();
    await eventually(async () => (await devices(t, '101')).length === 0);
    const ev = await api(t.base, t.adminKey, 'GET', '/api/v1/events?since=0&limit=1000');
    assert.ok(ev.body.events.some((e: { type: string; payload: { extension: string; reason: string } }) => e.type === 'device.unregistered' && e.payload.extension === '101' && e.payload.reason === 'removed'));
  });
});
