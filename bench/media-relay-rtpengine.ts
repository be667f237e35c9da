// rtpengine (Sipwise, Debian package rtpengine-daemon) in userspace as the peer
// of bench/media-relay, driven over its ng control protocol: "<cookie> <bencoded
// dictionary>" in one UDP datagram each way (offer / answer / delete / ping).
// Started as PEERS-sipp-kamailio.md says: no config file (the packaged one asks
// for the kernel forwarding table), --table=-1, a port range below Linux's
// ephemeral ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { binaryPath, hasBinary, OutputTail } from '../test/peers/process.ts';
import { freeUdpPort } from '../test/peers/ports.ts';

export type Bencode = string | number | Bencode[] | { [key: string]: Bencode };

export function bencode(value: Bencode): string {
  if (typeof value === 'number') return `i${Math.trunc(value)}e`;
  if (typeof value === 'string') return `${Buffer.byteLength(value)}:${value}`;
  if (Array.isArray(value)) return `l${value.map(bencode).join('')}e`;
  const keys = Object.keys(value).sort();
  return `d${keys.map((k) => bencode(k) + bencode(value[k]!)).join('')}e`;
}

export function bdecode(buf: Buffer): Bencode {
  let at = 0;
  const read = (): Bencode => {
    const c = String.fromCharCode(buf[at]!);
    if (c === 'i') {
      const end = buf.indexOf(0x65, at);
      const n = Number(buf.toString('latin1', at + 1, end));
      at = end + 1;
      return n;
    }
    if (c === 'l') {
      at++;
      const list: Bencode[] = [];
      while (buf[at] !== 0x65) list.push(read());
      at++;
      return list;
    }
    if (c === 'd') {
      at++;
      const dict: Record<string, Bencode> = {};
      while (buf[at] !== 0x65) {
        const k = read();
        dict[String(k)] = read();
      }
      at++;
      return dict;
    }
    const colon = buf.indexOf(0x3a, at);
    if (colon < 0) throw new Error('bad bencode');
    const len = Number(buf.toString('latin1', at, colon));
    const s = buf.toString('utf8', colon + 1, colon + 1 + len);
    at = colon + 1 + len;
    return s;
  };
  return read();
}

function sdp(port: number, sessionId: number): string {
  return ['v=0', `o=- ${sessionId} 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=sendrecv', ''].join('\r\n');
}

function mediaPort(description: string): number {
  const m = /^m=audio (\d+) /m.exec(description);
  if (!m) throw new Error(`no m=audio line in rtpengine's SDP:\n${description}`);
  return Number(m[1]);
}

export class RtpEngine {
  private readonly pendingReplies = new Map<string, (reply: Record<string, Bencode>) => void>();
  private seq = 0;
  private readonly run = randomBytes(4).toString('hex');

  private constructor(
    readonly child: ChildProcess,
    private readonly control: Socket,
    private readonly ngPort: number,
    readonly output: OutputTail,
  ) {
    control.on('message', (buf) => {
      const space = buf.indexOf(0x20);
      const cookie = buf.toString('latin1', 0, space);
      const resolve = this.pendingReplies.get(cookie);
      if (!resolve) return;
      this.pendingReplies.delete(cookie);
      resolve(bdecode(buf.subarray(space + 1)) as Record<string, Bencode>);
    });
  }

  static available(): boolean {
    return hasBinary('rtpengine');
  }

  static async start(opts: { portMin: number; portMax: number }): Promise<RtpEngine> {
    const ngPort = await freeUdpPort();
    const output = new OutputTail();
    const args = ['--config-file=none', '--interface=127.0.0.1', `--listen-ng=127.0.0.1:${ngPort}`, '--foreground', '--table=-1', '--log-stderr', '--log-level=4', `--port-min=${opts.portMin}`, `--port-max=${opts.portMax}`];
    const child = spawn(binaryPath('rtpengine'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => output.push(d));
    child.stderr?.on('data', (d: Buffer) => output.push(d));
    const control = createSocket('udp4');
    control.bind(0, '127.0.0.1');
    await once(control, 'listening');
    const engine = new RtpEngine(child, control, ngPort, output);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`rtpengine exited with ${child.exitCode}:\n${output.lastLines()}`);
      try {
        const reply = await engine.command({ command: 'ping' }, 300);
        if (reply.result === 'pong') return engine;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await engine.stop();
        throw new Error(`rtpengine did not answer ping:\n${output.lastLines()}`);
      }
    }
  }

  command(body: Record<string, Bencode>, timeoutMs = 2000): Promise<Record<string, Bencode>> {
    // Replies are cached by cookie: a cookie unique to this run and request.
    const cookie = `${this.run}${(this.seq++).toString(36)}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingReplies.delete(cookie);
        reject(new Error(`rtpengine: no reply to ${String(body.command)}`));
      }, timeoutMs);
      this.pendingReplies.set(cookie, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.control.send(`${cookie} ${bencode(body)}`, this.ngPort, '127.0.0.1');
    });
  }

  /**
   * One call through rtpengine: offer with phone A's SDP, answer with phone B's.
   * Returns where each phone must send: A to the port in the answer's rewritten
   * SDP, B to the port in the offer's.
   */
  async call(callId: string, phoneA: number, phoneB: number): Promise<[number, number]> {
    const offer = await this.command({ command: 'offer', 'call-id': callId, 'from-tag': `${callId}-a`, sdp: sdp(phoneA, 1) });
    if (offer.result !== 'ok') throw new Error(`rtpengine offer: ${JSON.stringify(offer)}`);
    const answer = await this.command({ command: 'answer', 'call-id': callId, 'from-tag': `${callId}-a`, 'to-tag': `${callId}-b`, sdp: sdp(phoneB, 2) });
    if (answer.result !== 'ok') throw new Error(`rtpengine answer: ${JSON.stringify(answer)}`);
    return [mediaPort(String(answer.sdp)), mediaPort(String(offer.sdp))];
  }

  async delete(callId: string): Promise<void> {
    await this.command({ command: 'delete', 'call-id': callId, 'from-tag': `${callId}-a` });
  }

  async stop(): Promise<void> {
    this.control.close();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
