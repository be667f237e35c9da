// One HTTP POST of a webhook body: node:http with keep-alive agents, a hard
// timeout, and the SSRF guard on the addresses it connects to. Never throws:
// the result says what happened, for the delivery log.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isPrivateAddress } from './destination-guard.ts';

export interface PostResult {
  /** HTTP status; 0 when there was no answer (connection error, timeout). */
  status: number;
  error: string;
  latencyMs: number;
  /** The start of the response body (at most 64 KiB), for callers that read replies. */
  body: string;
}

const MAX_BODY = 64 * 1024;

export class HttpPoster {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly o: { allowPrivate: boolean; timeoutMs: number; userAgent: string }) {}

  post(rawUrl: string, headers: Record<string, string>, body: string, timeoutMs = this.o.timeoutMs): Promise<PostResult> {
    const started = performance.now();
    const done = (status: number, error: string, text = ''): PostResult => ({ status, error, latencyMs: Math.round(performance.now() - started), body: text });
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return Promise.resolve(done(0, `not a URL: ${rawUrl}`));
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!this.o.allowPrivate && isIP(host) !== 0 && isPrivateAddress(host)) return Promise.resolve(done(0, `${host} is a private address`));
    const secure = url.protocol === 'https:';
    const payload = Buffer.from(body, 'utf8');
    return new Promise((resolve) => {
      let settled = false;
      const finish = (r: PostResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const req = (secure ? https : http).request(
        url,
        {
          method: 'POST',
          agent: secure ? this.httpsAgent : this.httpAgent,
          lookup: guardedLookup(this.o.allowPrivate),
          headers: { 'user-agent': this.o.userAgent, 'content-length': String(payload.length), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            if (size < MAX_BODY) chunks.push(c);
            size += c.length;
          });
          res.on('end', () => finish(done(res.statusCode ?? 0, '', Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY))));
          res.on('error', (err) => finish(done(res.statusCode ?? 0, err.message)));
        },
      );
      const timer = setTimeout(() => {
        req.destroy(new Error(`no answer within ${String(timeoutMs)} ms`));
      }, timeoutMs);
      req.on('error', (err) => finish(done(0, err.message)));
      req.end(payload);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
