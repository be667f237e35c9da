// What to type into a phone for a new extension: server, port, transport,
// user and password, as one block to copy (a QR code would need an encoder
// the panel does not carry). The host is the one this page was loaded from.
import { useEffect, useState } from 'react';
import { sipPorts, type SipPorts } from '../api/sip-ports.ts';

export function provisioningText(o: { host: string; ports: SipPorts; number: string; authId: string; password: string }): string {
  const transports = [o.ports.udp !== undefined ? `UDP ${String(o.ports.udp)}` : '', o.ports.tcp !== undefined ? `TCP ${String(o.ports.tcp)}` : ''].filter(Boolean).join(', ') || 'UDP 5060';
  const port = o.ports.udp ?? o.ports.tcp ?? 5060;
  return [
    `SIP server (registrar, proxy): ${o.host}`,
    `Port / transport: ${transports}`,
    `Extension (display number): ${o.number}`,
    `User name: ${o.authId}`,
    `Authentication ID: ${o.authId}`,
    `Password: ${o.password}`,
    `SIP URI: sip:${o.authId}@${o.host}:${String(port)}`,
  ].join('\n');
}

export function Provisioning({ number, authId, password }: { number: string; authId: string; password: string }) {
  const [ports, setPorts] = useState<SipPorts>();
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    sipPorts().then(setPorts, () => setPorts({}));
  }, []);
  if (ports === undefined) return <p className="muted">Reading the SIP ports…</p>;
  const text = provisioningText({ host: location.hostname, ports, number, authId, password });
  return (
    <div className="provisioning">
      <p className="hint">Type this into the phone (or softphone) for extension {number}:</p>
      <pre data-testid="provisioning">{text}</pre>
      <button type="button" onClick={() => void navigator.clipboard.writeText(text).then(() => setCopied(true), () => setCopied(false))}>
        {copied ? 'Copied settings' : 'Copy settings'}
      </button>
    </div>
  );
}
