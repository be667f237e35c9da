// A small SMTP receiver on 127.0.0.1 for tests (RFC 5321): EHLO, AUTH PLAIN
// (RFC 4954) against one user, MAIL, RCPT, DATA (dot-stuffing undone), QUIT.
// It keeps what it received so a test can read the mail.
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket, createSecureContext } from 'node:tls';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The message as sent (headers and body, CRLF line ends). */
  data: string;
  /** The user that authenticated, if any. */
  user?: string;
  /** Received after STARTTLS (RFC 3207). */
  secure: boolean;
}

export interface SmtpServer {
  port: number;
  mails: ReceivedMail[];
  stop(): Promise<void>;
}

export async function startSmtpServer(opts: { port?: number; user?: string; password?: string; tls?: { cert: string; key: string } } = {}): Promise<SmtpServer> {
  const mails: ReceivedMail[] = [];
  const sockets = new Set<Socket>();
  const context = opts.tls ? createSecureContext({ cert: opts.tls.cert, key: opts.tls.key }) : undefined;
  const server: Server = createServer((plain) => {
    let buffer = '';
    let inData = false;
    let data: string[] = [];
    let current: { from: string; to: string[] } = { from: '', to: [] };
    let user: string | undefined;
    let secure = false;
    const serve = (socket: Socket): void => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.setEncoding('utf8');
      const reply = (line: string): void => void socket.write(`${line}\r\n`);
      const onData = (chunk: string): void => {
        buffer += chunk;
        for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (inData) {
            if (line === '.') {
              inData = false;
              mails.push({ from: current.from, to: current.to, data: data.join('\r\n'), secure, ...(user !== undefined ? { user } : {}) });
              current = { from: '', to: [] };
              data = [];
              reply('250 queued');
            } else data.push(line.startsWith('..') ? line.slice(1) : line);
            continue;
          }
          const verb = line.split(' ')[0]?.toUpperCase() ?? '';
          if (verb === 'EHLO' || verb === 'HELO') {
            socket.write('250-test\r\n');
            if (context && !secure) socket.write('250-STARTTLS\r\n');
            reply(opts.user !== undefined ? '250 AUTH PLAIN' : '250 8BITMIME');
          } else if (verb === 'STARTTLS' && context && !secure) {
            reply('220 go ahead');
            // RFC 3207: the same connection, now TLS; what came before is forgotten.
            socket.removeListener('data', onData);
            buffer = '';
            user = undefined;
            secure = true;
            serve(new TLSSocket(socket, { isServer: true, secureContext: context }));
            return;
          } else if (verb === 'AUTH') {
            const [, mech, token] = line.split(' ');
            const [, u, p] = Buffer.from(token ?? '', 'base64').toString('utf8').split('\0');
            if (mech?.toUpperCase() === 'PLAIN' && u === opts.user && p === opts.password) {
              user = u;
              reply('235 authenticated');
            } else reply('535 bad credentials');
          } else if (verb === 'MAIL') {
            if (opts.user !== undefined && user === undefined) reply('530 authentication required');
            else {
              current.from = /<([^>]*)>/.exec(line)?.[1] ?? '';
              reply('250 ok');
            }
          } else if (verb === 'RCPT') {
            current.to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
            reply('250 ok');
          } else if (verb === 'DATA') {
            inData = true;
            reply('354 go ahead');
          } else if (verb === 'QUIT') {
            reply('221 bye');
            socket.end();
          } else if (verb === 'RSET' || verb === 'NOOP') reply('250 ok');
          else reply('502 not implemented');
        }
      };
      socket.on('data', onData);
    };
    serve(plain);
    plain.write('220 test SMTP ready\r\n');
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    mails,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The MIME parts of a received mail: their headers (lower-cased names) and decoded bodies. */
export function mimeParts(mail: ReceivedMail): { headers: Record<string, string>; body: Buffer }[] {
  const boundary = /boundary="([^"]+)"/.exec(mail.data)?.[1];
  if (boundary === undefined) return [];
  const chunks = mail.data.split(`--${boundary}`).slice(1, -1);
  return chunks.map((chunk) => {
    const [head = '', ...rest] = chunk.replace(/^\r\n/, '').split('\r\n\r\n');
    const headers: Record<string, string> = {};
    for (const line of head.split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    const raw = rest.join('\r\n\r\n');
    return { headers, body: headers['content-transfer-encoding'] === 'base64' ? Buffer.from(raw.replace(/\s+/g, ''), 'base64') : Buffer.from(raw) };
  });
}

/** A header of the mail itself (before the first blank line). */
export function mailHeader(mail: ReceivedMail, name: string): string | undefined {
  const head = mail.data.split('\r\n\r\n')[0] ?? '';
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}
