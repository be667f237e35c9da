// The SIP ports this Switchboard listens on, for the phone provisioning hint.
// /healthz is public and reports the ports actually bound (the one endpoint
// the panel reads outside /api/v1: the native API has no such setting).
export interface SipPorts {
  udp?: number;
  tcp?: number;
}

export async function sipPorts(): Promise<SipPorts> {
  const res = await fetch('/healthz');
  if (!res.ok) return {};
  const body = (await res.json()) as { ports?: { sip?: SipPorts } };
  return body.ports?.sip ?? {};
}
