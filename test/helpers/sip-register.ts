// A one-shot REGISTER (→ 401 → REGISTER with digest → 200) sent from a given
// local UDP port with Contact that port, so a SIPp UAS bound to it afterwards
// receives the calls for `user` (Switchboard sends the INVITE where the
// REGISTER came from).
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { parseMessage, type SipResponse } from '../../src/sip/message/index.ts';
import { DigestClient } from '../../src/sip/auth/digest-client.ts';
import { LOOPBACK } from '../peers/ports.ts';

export async function registerFrom(localPort: number, server: { host: string; port: number }, user: string, password: string, expires = 3600): Promise<void> {
  const socket = createSocket({ type: 'udp4', reuseAddr: false });
  await new Promise<void>((res, rej) => {
    socket.once('error', rej);
    socket.bind(localPort, LOOPBACK, () => res());
  });
  const callId = `${randomBytes(8).toString('hex')}@register`;
  const tag = randomBytes(4).toString('hex');
  const uri = `sip:${server.host}:${String(server.port)}`;
  const send = (cseq: number, authorization?: string): Promise<SipResponse> =>
    new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no final response to REGISTER ${cseq} from ${uri}`)), 3000);
      const onMessage = (data: Buffer): void => {
        const parsed = parseMessage(data);
        if (!parsed.ok || parsed.message.kind !== 'response') return;
        const m = parsed.message;
        if (m.callId !== callId || m.cseq?.seq !== cseq || m.status < 200) return;
        clearTimeout(timer);
        socket.off('message', onMessage);
        res(m);
      };
      socket.on('message', onMessage);
      const lines = [
        `REGISTER ${uri} SIP/2.0`,
        `Via: SIP/2.0/UDP ${LOOPBACK}:${String(localPort)};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
        'Max-Forwards: 70',
        `From: <sip:${user}@${server.host}>;tag=${tag}`,
        `To: <sip:${user}@${server.host}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${String(cseq)} REGISTER`,
        `Contact: <sip:${user}@${LOOPBACK}:${String(localPort)}>`,
        `Expires: ${String(expires)}`,
        ...(authorization !== undefined ? [`Authorization: ${authorization}`] : []),
        'User-Agent: sipp-register',
        'Content-Length: 0',
        '',
        '',
      ];
      socket.send(lines.join('\r\n'), server.port, server.host);
    });
  try {
    let res = await send(1);
    if (res.status === 401) {
      const auth = new DigestClient({ username: user, password }).authorize({ method: 'REGISTER', uri, challengeHeaderValue: res.getHeaders('www-authenticate') });
      if (auth === undefined) throw new Error(`cannot answer the REGISTER challenge: ${res.getHeaders('www-authenticate').join(' | ')}`);
      res = await send(2, auth);
    }
    if (res.status !== 200) throw new Error(`REGISTER of ${user} got ${res.status} ${res.reason}`);
  } finally {
    await new Promise<void>((res) => socket.close(() => res()));
  }
}
