// HTTP fuzzing of every route Fastify knows (its route table, with each
// route's schemas) and every TCXWebAPI command (seed 000, its own table):
// schema violations from the declared schemas, garbage path parameters,
// broken JSON, wrong content types, invalid UTF-8, oversized and deeply
// nested bodies, bad percent-encoding; and a few malformed requests on a raw
// socket. Shared by test/reliability/http-fuzz.test.ts and bench/http-fuzz.ts.
import { connect } from 'node:net';
import type { RouteEntry } from '../../src/api/http/app.ts';
import { COMMANDS } from '../../src/api/webapi/routes.ts';
import { badObjects, badQueries, badValues, type Schema } from './schema-violations.ts';

export interface FuzzCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** The route it aims at, for the report. */
  route: string;
}

export interface FuzzResult {
  sent: number;
  byStatus: Map<number, number>;
  /** 5xx answers not on the allowlist: the bugs. */
  failures: { c: FuzzCase; status: number; body: string }[];
  /** Requests the server did not answer (reset, timeout). */
  errors: { c: FuzzCase; error: string }[];
  /** Requests sent a second time after the connection they went on closed under them. */
  retried: number;
}

/** Path segments that must never be taken for a real entity. */
const GARBAGE_SEGMENTS = ['%00', '..%2F..%2Fetc%2Fpasswd', '%ff%fe', '%zz', 'x'.repeat(3000), "'%20OR%201=1--", '%F0%9F%92%A9', '-1', '99999999999999999999999', '%2e%2e', 'null', '__proto__', 'constructor', '%0d%0aSet-Cookie:%20x=1'];

const INVALID_UTF8 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x22, 0x7d]); // {"a":"<bad bytes>"}

function deepJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** The fixed garbage every body-taking route gets, whatever its schema. */
function garbageBodies(): { contentType: string; body: string | Buffer }[] {
  return [
    { contentType: 'application/json', body: '{"a": ' },
    { contentType: 'application/json', body: '{"a":1}}}' },
    { contentType: 'application/json', body: 'null' },
    { contentType: 'application/json', body: '[]' },
    { contentType: 'application/json', body: '"just a string"' },
    { contentType: 'application/json', body: '1e999999' },
    { contentType: 'application/json', body: INVALID_UTF8 },
    { contentType: 'application/json', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]) },
    { contentType: 'application/json', body: deepJson(5000) },
    { contentType: 'application/json', body: '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}' },
    { contentType: 'application/json', body: `{"a":"${'x'.repeat(1_100_000)}"}` },
    { contentType: 'application/json; charset=utf-16', body: Buffer.from('{"a":1}', 'utf16le') },
    { contentType: 'text/plain', body: 'hello' },
    { contentType: 'application/xml', body: '<a>1</a>' },
    { contentType: 'application/x-www-form-urlencoded', body: 'a=%zz&b=%ff&&=&c' },
    { contentType: 'multipart/form-data; boundary=xyz', body: '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--xy' },
    { contentType: 'multipart/form-data', body: 'no boundary' },
    { contentType: '', body: '{"a":1}' },
    { contentType: 'application/json', body: '' },
  ];
}

/** Every segment `:name` of a route path replaced by `value` (`:key` by the key when given). */
function fill(url: string, value: (name: string) => string): string {
  return url.replace(/:([A-Za-z]+)/g, (_, name: string) => value(name)).replace(/\*$/, value('wildcard'));
}

export function fuzzCases(routes: RouteEntry[], key: string): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const auth = { authorization: `Bearer ${key}` };
  const add = (route: string, method: string, path: string, contentType?: string, body?: string | Buffer) => {
    cases.push({ route, method, path, headers: { ...auth, ...(contentType ? { 'content-type': contentType } : {}) }, ...(body !== undefined ? { body } : {}) });
  };
  for (const r of routes) {
    if (r.method === 'HEAD' || r.method === 'OPTIONS' || r.url.startsWith('/api/docs')) continue;
    const route = `${r.method} ${r.url}`;
    const hasParams = /:[A-Za-z]|\*$/.test(r.url);
    const key1 = (name: string, other: string) => (name === 'key' ? encodeURIComponent(key) : other);
    // Garbage in every path parameter.
    for (const g of GARBAGE_SEGMENTS) if (hasParams) add(route, r.method, fill(r.url, (n) => key1(n, g)), r.method === 'GET' || r.method === 'DELETE' ? undefined : 'application/json', r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}');
    // Values the params schema refuses.
    const paramsSchema = r.schema?.params as Schema | undefined;
    for (const [name, p] of Object.entries((paramsSchema?.properties ?? {}) as Record<string, Schema>)) {
      if (name === 'key') continue;
      for (const v of badValues(p).slice(0, 4)) if (typeof v === 'string' && v !== '') add(route, r.method, fill(r.url, (n) => (n === name ? encodeURIComponent(v) : key1(n, 'zz-none'))));
    }
    // A path that names nothing real, for the query and body cases below (no case may change a row).
    const path = fill(r.url, (n) => key1(n, 'zz-none'));
    for (const q of badQueries(r.schema?.querystring as Schema | undefined)) add(route, r.method, `${path}?${q}`);
    for (const q of ['%zz=1', 'a=%ff%fe', `q=${'x'.repeat(20_000)}`, 'limit=-1&limit=abc', 'from=notadate&to=%00', 'a[b][c]=1', '__proto__[x]=1']) add(route, r.method, `${path}?${q}`);
    if (r.method === 'GET' || r.method === 'DELETE') continue;
    for (const b of badObjects(r.schema?.body as Schema | undefined)) add(route, r.method, path, 'application/json', JSON.stringify(b));
    for (const g of garbageBodies()) add(route, r.method, path, g.contentType, g.body);
  }
  // TCXWebAPI commands travel in the path's `:command`: each one with parameters its own schema refuses.
  for (const [name, cmd] of Object.entries(COMMANDS)) {
    const route = `${cmd.method ?? 'GET'} /webapi/:key/${name}`;
    const path = `/webapi/${encodeURIComponent(key)}/${name}`;
    const bad = badObjects(cmd.params as Schema);
    if (cmd.method === 'POST') {
      for (const b of bad) add(route, 'POST', path, 'application/json', JSON.stringify(b));
      for (const g of garbageBodies()) add(route, 'POST', path, g.contentType, g.body);
    } else {
      for (const q of badQueries(cmd.params as Schema)) add(route, 'GET', `${path}?${q}`);
      add(route, 'GET', `${path}?%zz=1&num=%ff`);
    }
  }
  return cases;
}

/**
 * 5xx answers the seeds document: CloudPBX `/dial` answers `Action Error` with
 * 500 when the call cannot be placed (seed 003 §1.4) and `/sendSMS` RESPONSE
 * with 500 when the command fails (§1.5, here: no SMS gateway configured).
 */
export function documented5xx(c: FuzzCase, status: number, body: string): boolean {
  if (status !== 500) return false;
  const path = c.path.split('?')[0];
  if (c.method === 'GET' && path === '/dial') return body === 'Action Error';
  if (c.method === 'POST' && path === '/sendSMS') {
    try {
      const b = JSON.parse(body) as { responseStatus?: string; responseErrorMessage?: string };
      return b.responseStatus === 'FAILED' && b.responseErrorMessage !== 'internal error';
    } catch {
      return false;
    }
  }
  return false;
}

export async function sendAll(base: string, cases: FuzzCase[], concurrency = 8): Promise<FuzzResult> {
  const result: FuzzResult = { sent: 0, byStatus: new Map(), failures: [], errors: [], retried: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const c = cases[next++] as FuzzCase;
      const send = () => fetch(`${base}${c.path}`, { method: c.method, headers: c.headers, ...(c.body !== undefined ? { body: c.body } : {}), signal: AbortSignal.timeout(20_000) });
      try {
        // The server closes the connection after answering some refusals (413, 431); the client may
        // have picked that socket for its next request already. Such a request goes again, once.
        const res = await send().catch(async () => {
          result.retried += 1;
          return send();
        });
        const text = await res.text();
        result.sent += 1;
        result.byStatus.set(res.status, (result.byStatus.get(res.status) ?? 0) + 1);
        if (res.status >= 500 && !documented5xx(c, res.status, text)) result.failures.push({ c, status: res.status, body: text.slice(0, 300) });
      } catch (err) {
        result.sent += 1;
        result.errors.push({ c, error: String(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return result;
}

/** Malformed HTTP on a raw socket; resolves with the status line of the answer ('' when the server just closed). */
export function rawRequest(port: number, bytes: Buffer | string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      s.destroy();
      resolve(got.split('\r\n')[0] ?? '');
    };
    s.setTimeout(5000, done);
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) done();
    });
    s.on('error', done);
    s.on('close', done);
    s.write(bytes);
  });
}

export const RAW_REQUESTS: (string | Buffer)[] = [
  'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello',
  'POST /api/v1/extensions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
  'POST /api/v1/extensions HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
  'GET /api/v1/extensions HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0000b\r\n\r\n',
  'GET /api/v1/extensions HTTP/9.9\r\nHost: x\r\n\r\n',
  `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
  `GET /api/v1/extensions HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(100_000)}\r\n\r\n`,
  Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]), // a TLS ClientHello on plain HTTP
  'GARBAGE\r\n\r\n',
  'POST /api/v1/extensions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"number":',
];
