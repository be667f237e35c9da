// Calls through SIP trunks with SIPp as the provider: out through an
// outbound rule (digits stripped and prepended, the route's caller ID) and in
// through an inbound (DID) rule with office hours, to real phones.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { autoAnswerPhones, stopPhonesThenServer, eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';
import { startSipp } from '../peers/sipp.ts';
import { freeUdpPort } from '../peers/ports.ts';

interface CallBody {
  id: string;
  direction: string;
  did: string;
  state: string;
  participants: { dn: string; dnType: string; partyNumber: string; status: string }[];
}

const PROVIDER_UAS = new URL('./scenarios/provider-uas.xml', import.meta.url).pathname;
const PROVIDER_UAC_CALLER = new URL('./scenarios/provider-uac-caller.xml', import.meta.url).pathname;

describe('trunks: outbound and inbound rules', () => {
  let t: TestServer;
  let p101: Baresip;
  let p102: Baresip;
  let p103: Baresip;
  const admin = (method: string, path: string, body?: unknown) => api(t.base, t.adminKey, method, path, body);
  const calls = async (): Promise<CallBody[]> => (await admin('GET', '/api/v1/calls')).body as CallBody[];
  const cdr = async (): Promise<{ src: string; dst: string; disposition: string; direction: string; did: string }[]> => (await admin('GET', '/api/v1/cdr')).body as never;

  before(async () => {
    t = await startTestServer();
    [p101, p102, p103] = await autoAnswerPhones(t, ['101', '102', '103']);
  });
  after(() => stopPhonesThenServer(t, [p101, p102, p103]));

  it('out: 101 dials 0600100200; the provider gets 48600100200 from caller ID 221234567; CDR Outbound ANSWERED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-provider-'));
    const log = join(dir, 'provider.log');
    const provider = await startSipp({ scenarioFile: PROVIDER_UAS, timeoutMs: 30_000, calls: 1, args: ['-trace_logs', '-log_file', log] });
    const trunk = await admin('POST', '/api/v1/trunks', { name: 'Provider', host: '127.0.0.1', port: provider.localPort, transport: 'udp', register: false, enabled: true, mainNumber: '221000000' });
    assert.equal(trunk.status, 201, JSON.stringify(trunk.body));
    const rule = await admin('POST', '/api/v1/outbound-rules', { name: 'Mobile', priority: 10, prefix: '0', numberLength: '10', routes: [{ trunkId: trunk.body.id, strip: 1, prepend: '48', callerId: '221234567' }] });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));

    const up = p101.waitForType('CALL_ESTABLISHED', 10_000);
    await p101.dial(`sip:0600100200@127.0.0.1:${String(t.sipPort)}`);
    await up;
    const call = await eventually(async () => (await calls()).find((c) => c.state === 'Talking'), 5000, 'the outbound call talking');
    assert.equal(call.direction, 'Outbound');
    assert.deepEqual(call.participants.map((p) => `${p.dn}:${p.dnType}:${p.status}`).sort(), ['101:Extension:Connected', '48600100200:ExternalLine:Connected']);
    await p101.hangup();
    const result = await provider.done;
    assert.equal(result.code, 0, result.screen);
    assert.match(await readFile(log, 'utf8'), /INVITE number=48600100200 callerid=221234567/);
    const rows = await eventually(async () => ((await cdr()).length === 1 ? await cdr() : undefined), 5000, 'a CDR row');
    assert.equal(rows[0]?.dst, '0600100200');
    assert.equal(rows[0]?.direction, 'Outbound');
    assert.equal(rows[0]?.disposition, 'ANSWERED');
  });

  it('out: refused when no rule takes the number (404) or the extension may not call outside (403)', async () => {
    let closed = p101.waitForType('CALL_CLOSED', 10_000);
    await p101.dial(`sip:99887766@127.0.0.1:${String(t.sipPort)}`);
    const e404 = await closed;
    assert.match(JSON.stringify(e404), /404|Not Found/i);
    await admin('PATCH', '/api/v1/extensions/101', { allowExternal: false });
    closed = p101.waitForType('CALL_CLOSED', 10_000);
    await p101.dial(`sip:0600100200@127.0.0.1:${String(t.sipPort)}`);
    const e403 = await closed;
    assert.match(JSON.stringify(e403), /403|Forbidden/i);
    await admin('PATCH', '/api/v1/extensions/101', { allowExternal: true });
  });

  it('in: a call to DID 221234567 reaches 102 in office hours and 103 on a holiday; the call shows the rule as its did', async () => {
    const port = await freeUdpPort();
    const trunk = await admin('POST', '/api/v1/trunks', { name: 'Inbound', host: '127.0.0.1', port, transport: 'udp', register: false, enabled: true });
    assert.equal(trunk.status, 201, JSON.stringify(trunk.body));
    const allWeek = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ from: '00:00', to: '23:59' }]]));
    const rule = await admin('POST', '/api/v1/inbound-rules', {
      name: 'Main line',
      trunkId: trunk.body.id,
      did: '221234567',
      officeHours: { timeZone: '', weekly: allWeek, holidays: [] },
      inHours: { type: 'extension', number: '102' },
      outOfHours: { type: 'extension', number: '103' },
    });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));

    const ring = async (phone: Baresip, dn: string): Promise<void> => {
      const up = phone.waitForType('CALL_ESTABLISHED', 10_000);
      const caller = await startSipp({ builtin: 'uac', target: `127.0.0.1:${String(t.sipPort)}`, localPort: port, calls: 1, timeoutMs: 30_000, args: ['-s', '221234567', '-d', '1500'] });
      await up;
      const call = await eventually(async () => (await calls()).find((c) => c.state === 'Talking'), 5000, 'the inbound call talking');
      assert.equal(call.direction, 'Inbound');
      assert.equal(call.did, 'Main line');
      assert.deepEqual(call.participants.map((p) => `${p.dn}:${p.dnType}`).sort(), [`${dn}:Extension`, 'sipp:ExternalLine']);
      const result = await caller.done;
      assert.equal(result.code, 0, result.screen);
    };
    await ring(p102, '102');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: t.server.config.timeZone }).format(new Date());
    await admin('PATCH', `/api/v1/inbound-rules/${String(rule.body.id)}`, { officeHours: { timeZone: '', weekly: allWeek, holidays: [today] } });
    await ring(p103, '103');
    const rows = (await cdr()).filter((r) => r.direction === 'Inbound');
    assert.deepEqual(rows.map((r) => `${r.src}>${r.dst}:${r.disposition}`), ['sipp>221234567:ANSWERED', 'sipp>221234567:ANSWERED']);
  });
  it('in: a caller the phone book knows is shown by the contact\'s name (From display name at the phone), else by the provider\'s', async () => {
    const port = await freeUdpPort();
    const trunk = await admin('POST', '/api/v1/trunks', { name: 'Named', host: '127.0.0.1', port, transport: 'udp', register: false, enabled: true });
    assert.equal(trunk.status, 201, JSON.stringify(trunk.body));
    const rule = await admin('POST', '/api/v1/inbound-rules', { name: 'Named line', trunkId: trunk.body.id, did: '221234999', inHours: { type: 'extension', number: '102' }, outOfHours: { type: 'extension', number: '102' } });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    const ring = async (): Promise<{ display: string | undefined; party: string | undefined }> => {
      const incoming = p102.waitForType('CALL_ESTABLISHED', 10_000);
      const caller = await startSipp({ scenarioFile: PROVIDER_UAC_CALLER, target: `127.0.0.1:${String(t.sipPort)}`, localPort: port, calls: 1, timeoutMs: 30_000, args: ['-s', '221234999'] });
      const e = await incoming;
      const call = await eventually(async () => (await calls()).find((c) => c.state === 'Talking'), 5000, 'the inbound call talking');
      const party = call.participants.find((x) => x.dnType === 'ExternalLine') as { partyName?: string } | undefined;
      const result = await caller.done;
      assert.equal(result.code, 0, result.screen);
      await eventually(async () => (await calls()).length === 0, 5000, 'the call ended');
      return { display: e.peerdisplayname as string | undefined, party: party?.partyName };
    };
    assert.equal((await ring()).display, 'Provider Name', 'no contact: the provider\'s display name');
    // Stored national, in another format: the last nine digits match 48600100200.
    const contact = await admin('POST', '/api/v1/contacts', { firstName: 'Anna', lastName: 'Nowak', company: 'ACME', mobile: '+48 600 100 200' });
    assert.equal(contact.status, 201, JSON.stringify(contact.body));
    const named = await ring();
    assert.equal(named.display, 'Anna Nowak');
    assert.equal(named.party, 'Anna Nowak', 'the API shows the caller by the contact\'s name too');
  });
  it('in: a trunk with maxChannels 1 refuses a second simultaneous call with 486, and takes calls again once the first ended', async () => {
    const port = await freeUdpPort();
    const trunk = await admin('POST', '/api/v1/trunks', { name: 'One line', host: '127.0.0.1', port, transport: 'udp', register: false, enabled: true, maxChannels: 1 });
    assert.equal(trunk.status, 201, JSON.stringify(trunk.body));
    const rule = await admin('POST', '/api/v1/inbound-rules', { name: 'One line', trunkId: trunk.body.id, did: '221230001', inHours: { type: 'extension', number: '102' }, outOfHours: { type: 'extension', number: '102' } });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    const run = (calls: number) => startSipp({ builtin: 'uac', target: `127.0.0.1:${String(t.sipPort)}`, localPort: port, calls, concurrent: calls, rate: 10, timeoutMs: 30_000, traceErrors: true, args: ['-s', '221230001', '-d', '2000'] });
    const both = await (await run(2)).done;
    assert.deepEqual({ ok: both.stats?.successful, failed: both.stats?.failed }, { ok: 1, failed: 1 }, both.screen);
    assert.match(both.errors ?? '', /SIP\/2\.0 486 Busy Here/, 'the refused call got 486');
    await eventually(async () => (await calls()).length === 0, 5000, 'the call ended');
    const again = await (await run(1)).done;
    assert.equal(again.code, 0, again.screen);
  });
});
