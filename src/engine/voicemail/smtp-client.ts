// Sends one message by SMTP (RFC 5321): greeting, EHLO, STARTTLS when the
// server offers it (RFC 3207; `smtps://` is TLS from the first byte), AUTH
// PLAIN when the URL has credentials (RFC 4954), MAIL, RCPT, DATA with
// dot-stuffing (§4.5.2), QUIT. One connection per message: voicemail mail
// is rare, and a connection kept open would only go stale.
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface SmtpTarget {
  host: string;
  port: number;
  /** TLS from the start (smtps://, port 465). */
  implicitTls: boolean;
  user?: string;
  password?: string;
  /** Trust for a self-signed server (tests); the system's CAs otherwise. */
  ca?: string[];
  /** Name we say in EHLO. */
  helo: string;
  timeoutMs?: number;
}

/** `smtp://user:pass@host:port` or `smtps://…`; throws on anything else. */
export function parseSmtpUrl(url: string, helo: string): SmtpTarget {
  const u = new URL(url);
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new Error(`SMTP URL must be smtp:// or smtps://, not ${u.protocol}`);
  const implicitTls = u.protocol === 'smtps:';
  return {
    host: u.hostname,
    port: u.port === '' ? (implicitTls ? 465 : 25) : Number(u.port),
    implicitTls,
    ...(u.username !== '' ? { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : {}),
    helo,
  };
}

export class SmtpError extends Error {
  constructor(
    message: string,
    /** The reply code, or 0 for a network failure; 5xx will not get better by retrying. */
    readonly code: number,
  ) {
    super(message);
  }
}

type Reply = { code: number; lines: string[] };

/** Reads multi-line replies (§4.2: `250-…` continues, `250 …` ends), in order. */
class ReplyReader {
  private buffer = '';
  private lines: string[] = [];
  private readonly ready: Reply[] = [];
  private waiting: { resolve: (r: Reply) => void; reject: (err: Error) => void } | undefined;
  private error: Error | undefined;

  attach(socket: Socket | TLSSocket): void {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.push(chunk));
  }

  fail(err: Error): void {
    this.error ??= err;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
  }

  private push(chunk: string): void {
    this.buffer += chunk;
    for (let end = this.buffer.indexOf('\r\n'); end !== -1; end = this.buffer.indexOf('\r\n')) {
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.lines.push(line);
      if (!/^\d{3}(?: |$)/.test(line)) continue;
      this.ready.push({ code: Number(line.slice(0, 3)), lines: this.lines.map((l) => l.slice(4)) });
      this.lines = [];
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w.resolve(this.ready.shift()!);
    }
  }

  next(): Promise<Reply> {
    const r = this.ready.shift();
    if (r) return Promise.resolve(r);
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }
}

function dotStuffed(data: string): string {
  const crlf = data.replace(/\r?\n/g, '\r\n');
  return `${crlf.replace(/^\./gm, '..')}${crlf.endsWith('\r\n') ? '' : '\r\n'}.\r\n`;
}

export async function sendMail(target: SmtpTarget, envelope: { from: string; to: string[] }, message: string): Promise<void> {
  const timeoutMs = target.timeoutMs ?? 30_000;
  let socket: Socket | TLSSocket = await open(target, timeoutMs);
  let reader = new ReplyReader();
  reader.attach(socket);
  const arm = (s: Socket | TLSSocket, r: ReplyReader): void => {
    s.setTimeout(timeoutMs, () => {
      r.fail(new SmtpError(`no answer from ${target.host}:${String(target.port)} in ${String(timeoutMs)} ms`, 0));
      s.destroy();
    });
    s.on('error', (err) => r.fail(new SmtpError(err.message, 0)));
    s.on('close', () => r.fail(new SmtpError('connection closed', 0)));
  };
  arm(socket, reader);
  const expect = async (codes: number[], what: string): Promise<string[]> => {
    const reply = await reader.next();
    if (!codes.includes(reply.code)) throw new SmtpError(`${what}: ${String(reply.code)} ${reply.lines.join(' ')}`, reply.code);
    return reply.lines;
  };
  const command = async (line: string, codes: number[], what = line.split(' ')[0] ?? line): Promise<string[]> => {
    socket.write(`${line}\r\n`);
    return expect(codes, what);
  };
  try {
    await expect([220], 'greeting');
    let features = await command(`EHLO ${target.helo}`, [250]);
    if (!target.implicitTls && features.some((f) => /^STARTTLS\b/i.test(f))) {
      await command('STARTTLS', [220]);
      socket.removeAllListeners('data');
      socket.removeAllListeners('close');
      socket.removeAllListeners('error');
      socket.setTimeout(0);
      socket = await upgrade(socket, target, timeoutMs);
      reader = new ReplyReader();
      reader.attach(socket);
      arm(socket, reader);
      // RFC 3207 §4.2: everything learnt before TLS is forgotten.
      features = await command(`EHLO ${target.helo}`, [250]);
    }
    if (target.user !== undefined) {
      if (!features.some((f) => /^AUTH\b.*\bPLAIN\b/i.test(f))) throw new SmtpError('the server offers no AUTH PLAIN', 530);
      const token = Buffer.from(`\0${target.user}\0${target.password ?? ''}`).toString('base64');
      await command(`AUTH PLAIN ${token}`, [235], 'AUTH');
    }
    await command(`MAIL FROM:<${envelope.from}>`, [250]);
    for (const to of envelope.to) await command(`RCPT TO:<${to}>`, [250, 251], 'RCPT');
    await command('DATA', [354]);
    socket.write(dotStuffed(message));
    const reply = await reader.next();
    if (reply.code !== 250) throw new SmtpError(`message: ${String(reply.code)} ${reply.lines.join(' ')}`, reply.code);
    await command('QUIT', [221]).catch(() => undefined);
  } finally {
    socket.removeAllListeners('close');
    socket.on('error', () => undefined);
    socket.end();
  }
}

function open(target: SmtpTarget, timeoutMs: number): Promise<Socket | TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = target.implicitTls
      ? tlsConnect({ host: target.host, port: target.port, servername: target.host, ...(target.ca ? { ca: target.ca } : {}) }, () => resolve(s))
      : tcpConnect({ host: target.host, port: target.port }, () => resolve(s));
    s.setTimeout(timeoutMs, () => s.destroy(new Error(`no connection to ${target.host}:${String(target.port)} in ${String(timeoutMs)} ms`)));
    s.once('error', (err) => reject(new SmtpError(err.message, 0)));
  });
}

function upgrade(socket: Socket, target: SmtpTarget, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ socket, servername: target.host, ...(target.ca ? { ca: target.ca } : {}) }, () => resolve(s));
    s.setTimeout(timeoutMs, () => s.destroy(new Error('TLS handshake timed out')));
    s.once('error', (err) => reject(new SmtpError(err.message, 0)));
  });
}
