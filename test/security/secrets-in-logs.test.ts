// Secrets never reach the logs (issue 13): a server logging at trace level
// is driven through every place a secret passes — API keys in headers, in the
// seed 000 URL path and in CloudPBX's ?pbxkey=, a wrong key, a SIP password
// in ext.update's query, a phone's digest registration, a trunk's password
// against a registrar that refuses it, a webhook secret and an SMTP password
// in the configuration — then every log line is searched for each secret.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import { startSipp } from '../peers/sipp.ts';
import { redactedUrl } from '../../src/api/http/redacted-url.ts';
import type { Baresip } from '../peers/baresip.ts';

const REGISTRAR = new URL('../trunks/scenarios/registrar-plain.xml', import.meta.url).pathname;

describe('secrets in logs', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const secrets: Record<string, string> = { smtp: 'Mail-Secret-77', sipPass: 'Ext-Secret-150a', webhook: 'whsec_SG9va1NlY3JldC1mb3ItdGhlLWxvZy10ZXN0LTMyYnk=', trunk: 'Trunk-Secret-9q', wrongKey: 'sb_wrong_key_never_valid_1234' };
  let t: TestServer;
  let phone: Baresip | undefined;

  before(async () => {
    t = await startTestServer({ SWITCHBOARD_LOG_LEVEL: 'trace', SWITCHBOARD_SMTP_URL: `smtp://vm:${secrets.smtp!}@127.0.0.1:9` }, { logger: pino({ level: 'trace' }, sink) });
    secrets.admin = t.adminKey;
  });
  after(async () => {
    await phone?.stop();
    await t?.stop();
  });

  it('no secret appears in any log line of a run that used them all', { timeout: 90_000 }, async () => {
    const admin = (method: string, path: string, body?: unknown) => api(t.base, t.adminKey, method, path, body);
    const key = await admin('POST', '/api/v1/keys', { role: 'control', label: 'logged?' });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    secrets.control = key.body.key as string;
    // Keys in headers, a wrong one, the seed 000 path, CloudPBX's query.
    assert.equal((await api(t.base, secrets.control, 'GET', '/api/v1/calls')).status, 200);
    assert.equal((await fetch(`${t.base}/api/v1/calls`, { headers: { 'x-api-key': secrets.control } })).status, 200);
    assert.equal((await api(t.base, secrets.wrongKey, 'GET', '/api/v1/calls')).status, 401);
    assert.equal((await fetch(`${t.base}/webapi/${secrets.admin}/ext.info.get?num=101`)).status, 200);
    assert.equal((await fetch(`${t.base}/webapi/${secrets.admin}/ext.new?num=150`)).status, 200);
    assert.equal((await fetch(`${t.base}/webapi/${secrets.admin}/ext.update?num=150&authpass=${secrets.sipPass}`)).status, 200);
    await fetch(`${t.base}/ws/pbx_PBX?pbxkey=${secrets.control}`);
    await fetch(`${t.base}/webapi/${secrets.wrongKey}/ext.info.get?num=101`);
    // A phone registering with digest (its password is the one just set).
    phone = await registeredPhone(t, '150');
    // A trunk whose registrar turns its password down, and a webhook with a secret.
    const registrar = await startSipp({ scenarioFile: REGISTRAR, calls: 1, timeoutMs: 20_000 });
    const trunk = await admin('POST', '/api/v1/trunks', { name: 'Logged', host: '127.0.0.1', port: registrar.localPort, username: 'trunkuser', password: secrets.trunk, register: true, registerExpires: 60 });
    assert.equal(trunk.status, 201, JSON.stringify(trunk.body));
    await eventually(async () => {
      const s = ((await admin('GET', '/api/v1/trunks/status')).body as { trunkId: number; state: string }[]).find((x) => x.trunkId === trunk.body.id);
      return s && s.state !== 'registering' ? s : undefined;
    }, 10_000, 'the trunk registration answered');
    await registrar.stop();
    const hook = await admin('POST', '/api/v1/webhooks', { url: 'https://hooks.example.test/in', events: ['call.created'], secret: secrets.webhook });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));

    assert.ok(lines.length > 15, `the run was logged (${String(lines.length)} lines)`);
    assert.ok(lines.some((l) => l.includes('"msg":"request"') && l.includes('/webapi/[key]/ext.update') && l.includes('authpass=[redacted]')), 'request URLs are logged, redacted');
    for (const [what, secret] of Object.entries(secrets)) {
      const found = lines.find((l) => l.includes(secret));
      assert.equal(found, undefined, `the ${what} secret is in the log: ${found ?? ''}`);
    }
  });

  it('URL redaction: the seed 000 key path and secret query parameters, nothing else', () => {
    assert.equal(redactedUrl('/webapi/abc123/ext.update?num=101&authpass=p%40ss&vmpin=1234'), '/webapi/[key]/ext.update?num=101&authpass=[redacted]&vmpin=[redacted]');
    assert.equal(redactedUrl('/ws/pbx_PBX?pbxkey=k&x=1'), '/ws/pbx_PBX?pbxkey=[redacted]&x=1');
    assert.equal(redactedUrl('/api/v1/cdr?src=101&limit=5'), '/api/v1/cdr?src=101&limit=5');
    assert.equal(redactedUrl('/callcontrol/ws?access_token=t&Client_Secret=s'), '/callcontrol/ws?access_token=[redacted]&Client_Secret=[redacted]');
  });
});
