// The CRM's reply to NOTIFY_START steers the call (seed 002): caller_name
// becomes the display name the called phone shows, redirect rings another
// extension; a CRM that does not answer in time delays the call by the
// timeout only, and still gets the notification later.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { registeredPhone } from '../helpers/phones.ts';
import { WebhookReceiver, type Received } from '../helpers/webhook-receiver.ts';
import type { Baresip } from '../peers/baresip.ts';

const isStart = (r: Received) => r.body.includes('\r\n\r\nNOTIFY_START\r\n');
const callIdOf = (r: Received) => /name="pbx_call_id"\r\n\r\n(\S+)\r\n/.exec(r.body)?.[1];

describe('WireCRM reply to NOTIFY_START', () => {
  let t: TestServer;
  const crm = new WebhookReceiver();
  let p101: Baresip;
  let p102: Baresip;
  let p103: Baresip;
  before(async () => {
    await crm.start();
    t = await startTestServer({
      SWITCHBOARD_CRM_URL: crm.url,
      SWITCHBOARD_CRM_INTERNAL_CALLS: 'true',
      SWITCHBOARD_CRM_REPLY_TIMEOUT_MS: '1500',
      SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
      SWITCHBOARD_WEBHOOK_BACKOFF: '0.5,0.5,0.5',
      SWITCHBOARD_WEBHOOK_TIMEOUT_MS: '3000',
    });
    p101 = await registeredPhone(t, '101', { answermode: 'manual' });
    p102 = await registeredPhone(t, '102', { answermode: 'manual' });
    p103 = await registeredPhone(t, '103', { answermode: 'manual' });
  });
  after(async () => {
    await p101?.stop();
    await p102?.stop();
    await p103?.stop();
    await t.stop();
    await crm.stop();
  });

  async function hangUp(callee: Baresip): Promise<void> {
    const closed = callee.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await closed;
  }

  it('caller_name: the called phone shows that name', async () => {
    crm.respond = (r) => (isStart(r) ? { status: 200, body: JSON.stringify({ caller_name: 'Иванов Иван' }) } : { status: 200 });
    const from = crm.received.length;
    const incoming = p102.waitForType('CALL_INCOMING', 10_000);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    const e = await incoming;
    assert.equal(e.peerdisplayname, 'Иванов Иван');
    await hangUp(p102);
    await crm.until((r) => r.slice(from).some((x) => x.body.includes('NOTIFY_END')));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(crm.received.slice(from).filter(isStart).length, 1, 'NOTIFY_START answered once is not sent again');
  });

  it('redirect: 103 rings instead of 102', async () => {
    crm.respond = (r) => (isStart(r) ? { status: 200, body: '{"redirect":"103"}' } : { status: 200 });
    const from = crm.received.length;
    let rang102 = false;
    const spy = p102.waitForType('CALL_INCOMING', 3000).then(
      () => (rang102 = true),
      () => undefined,
    );
    const incoming = p103.waitForType('CALL_INCOMING', 10_000);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await incoming;
    await spy;
    assert.equal(rang102, false, '102 must not ring');
    await hangUp(p103);
    await crm.until((r) => r.slice(from).some((x) => x.body.includes('NOTIFY_END')));
    const internal = crm.received.slice(from).find((x) => x.body.includes('NOTIFY_INTERNAL'));
    assert.match(internal?.body ?? '', /name="internal"\r\n\r\n103\r\n/);
  });

  it('a CRM that sleeps: the call rings 102 within the timeout, NOTIFY_START arrives again later', async () => {
    let slept = false;
    crm.respond = (r) => {
      if (isStart(r) && !slept) {
        slept = true;
        return { status: 200, delayMs: 10_000, body: '{"redirect":"103"}' };
      }
      return { status: 200 };
    };
    const from = crm.received.length;
    const dialled = Date.now();
    const incoming = p102.waitForType('CALL_INCOMING', 10_000);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await incoming;
    const waited = Date.now() - dialled;
    assert.ok(waited < 3000, `102 rang after ${String(waited)} ms`);
    assert.ok(waited >= 1200, `the call waited ${String(waited)} ms for the CRM`);
    await hangUp(p102);
    await crm.until((r) => r.slice(from).filter(isStart).length >= 2, 10_000, 'NOTIFY_START again');
    const starts = crm.received.slice(from).filter(isStart);
    assert.equal(callIdOf(starts[0] as Received), callIdOf(starts[1] as Received));
  });
});
