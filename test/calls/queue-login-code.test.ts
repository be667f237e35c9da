// Queue log-in and log-out from real phones: *62<queue> / *63<queue> for
// oneself, *6x<queue>*<agent> for a manager of the queue acting on an agent.
// The PBX answers what it did and hangs up; a phone that may not gets 403
// and nothing changes (the queue's agents as the API shows them).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, stopPhonesThenServer } from '../helpers/phones.ts';
import { createManagedQueue } from '../helpers/queues.ts';
import type { Baresip } from '../peers/baresip.ts';

describe('queue log-in codes', () => {
  let t: TestServer;
  const phones: Record<string, Baresip> = {};
  const loggedIn = async (agent: string): Promise<boolean> => {
    const q = await api(t.base, t.adminKey, 'GET', '/api/v1/queues/850');
    return ((q.body as { agents: { extension: string; loggedIn: boolean }[] }).agents.find((a) => a.extension === agent)?.loggedIn) === true;
  };
  /** `dn` dials `code`: 'done' when the PBX answered and hung up, else how the call was refused. */
  const dialCode = async (dn: string, code: string): Promise<string> => {
    const phone = phones[dn]!;
    const seen = phone.events.length;
    const closed = phone.waitForType('CALL_CLOSED', 20_000);
    await phone.dial(`sip:${code}@127.0.0.1:${String(t.sipPort)}`);
    const e = await closed;
    const answered = phone.events.slice(seen).some((x) => x.type === 'CALL_ESTABLISHED');
    return JSON.stringify(e).match(/\b(403|404|480)\b/)?.[1] ?? (answered ? 'done' : JSON.stringify(e));
  };

  before(async () => {
    t = await startTestServer();
    await createManagedQueue(t);
    for (const dn of ['103', '104', '105']) phones[dn] = await registeredPhone(t, dn);
  });
  after(() => stopPhonesThenServer(t, Object.values(phones)));

  it('the manager 105 logs 103 out and in with *63850*103 and *62850*103', async () => {
    assert.equal(await dialCode('105', '*63850*103'), 'done');
    assert.equal(await loggedIn('103'), false);
    assert.equal(await dialCode('105', '*62850*103'), 'done');
    assert.equal(await loggedIn('103'), true);
  });

  it('104, neither manager nor that agent, is refused with 403 and 103 stays logged in', async () => {
    assert.equal(await dialCode('104', '*63850*103'), '403');
    assert.equal(await loggedIn('103'), true);
    assert.equal(await dialCode('104', '*62999'), '404', 'no such queue');
    assert.equal(await dialCode('104', '*62850'), '480', 'not an agent of it');
  });

  it('the agent 103 logs itself out and in (*63850, *62850), but not 102', async () => {
    assert.equal(await dialCode('103', '*63850'), 'done');
    assert.equal(await loggedIn('103'), false);
    assert.equal(await dialCode('103', '*62850'), 'done');
    assert.equal(await loggedIn('103'), true);
    assert.equal(await dialCode('103', '*63850*102'), '403');
    assert.equal(await loggedIn('102'), true);
  });
});
