// Path traversal (issue 13): every route that serves a file — recording
// links, voicemail audio and greetings, the web panel's static files — is
// asked for files outside its directory by ../, encoded and double-encoded
// forms. Each answer is a 4xx and carries none of the files aimed at.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** A GET with the path exactly as given: fetch would resolve the ../ before sending. */
function rawGet(port: number, path: string, key: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${key}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const ATTEMPTS = ['../../../../etc/passwd', '..%2F..%2F..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..%252F..%252Fetc%252Fpasswd', '....//....//etc/passwd', '..\\..\\..\\etc\\passwd', '%2e%2e/%2e%2e/package.json', '../switchboard.db'];

describe('path traversal', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t?.stop();
  });

  it('no file outside the served directories comes back, from any file-serving route', async () => {
    const templates = [
      (p: string) => `/recordings/${p}`,
      (p: string) => `/recordings/${p}.mp3`,
      (p: string) => `/api/v1/extensions/102/voicemail/${p}/audio`,
      (p: string) => `/api/v1/extensions/${p}/voicemail/greeting`,
      (p: string) => `/assets/${p}`,
      (p: string) => `/${p}`,
    ];
    let asked = 0;
    for (const template of templates) {
      for (const attempt of ATTEMPTS) {
        const path = template(attempt);
        const res = await rawGet(t.server.ports.http ?? 0, path, t.adminKey);
        const body = res.body;
        asked++;
        assert.ok(!/root:.*:0:0:/.test(body), `${path}: /etc/passwd came back`);
        assert.ok(!body.startsWith('SQLite format'), `${path}: the database came back`);
        assert.ok(!/"name":\s*"switchboard"/.test(body), `${path}: package.json came back`);
        // The panel answers unknown paths with its index page (a client-side route): that is not a file of ours.
        const isPanel = res.status === 200 && /<div id="root">|<title>/i.test(body);
        assert.ok((res.status >= 400 && res.status < 500) || isPanel, `${path}: ${String(res.status)} ${body.slice(0, 120)}`);
      }
    }
    assert.equal(asked, templates.length * ATTEMPTS.length);
  });
});
