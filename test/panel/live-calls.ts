// The live calls as the API shows them, for the panel tests: read them, make
// a real call between two phones, and hang everything up between tests.
import { api, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';

export interface ParticipantBody {
  id: string;
  dn: string;
  dnType: string;
  status: string;
  muted: boolean;
}

export interface CallBody {
  id: string;
  state: string;
  participants: ParticipantBody[];
}

export async function liveCalls(t: TestServer): Promise<CallBody[]> {
  return (await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body as CallBody[];
}

export function liveParticipants(c: CallBody | undefined): ParticipantBody[] {
  return c?.participants.filter((p) => p.status !== 'Ended') ?? [];
}

/** `caller` dials `number`; resolves with the time both phones have the call established. */
export async function dialAnswered(t: TestServer, caller: Baresip, callee: Baresip, number: string): Promise<number> {
  const up = Promise.all([caller.waitForType('CALL_ESTABLISHED', 15_000), callee.waitForType('CALL_ESTABLISHED', 15_000)]);
  await caller.dial(`sip:${number}@127.0.0.1:${String(t.sipPort)}`);
  await up;
  return Date.now();
}

/** Drops every live participant through the API and waits until no call is left. */
export async function hangUpAll(t: TestServer): Promise<void> {
  for (const c of await liveCalls(t)) for (const p of liveParticipants(c)) await api(t.base, t.adminKey, 'POST', `/api/v1/calls/${c.id}/participants/${p.id}/drop`);
  await eventually(async () => (await liveCalls(t)).length === 0, 15_000, 'no live calls');
}
