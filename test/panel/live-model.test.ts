// The panel's live model (web/src/state/live-model.ts) is pure: a snapshot
// moved forward by events. The events that overlap the snapshot are applied
// again after a (re)connect, so applying them twice must land where once does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyEvent, EMPTY_MODEL, tileState, withExtension, withQueue, queueMemberships, type LiveModel } from '../../web/src/state/live-model.ts';
import type { CallInfo, Extension, Participant, PbxEvent, QueueAgentStatus, QueueStatus } from '../../web/src/api/types.ts';

const ext = (number: string, extra: Partial<Extension> = {}): Extension => ({ number, firstName: '', lastName: '', email: '', mobile: '', authId: number, enabled: true, dnd: false, forwardingProfile: 'Available', queueGlobalLoggedIn: true, recording: 'off', ...extra });
const part = (id: string, dn: string, direction: 'inbound' | 'outbound', status: Participant['status']): Participant => ({ id, callId: '1', dn, dnType: 'Extension', device: '', partyNumber: dn, partyName: '', status, direction, muted: false });
const call = (state: CallInfo['state'], parts: Participant[]): CallInfo => ({ id: '1', direction: 'Internal', state, startedAt: '2026-01-01T00:00:00Z', answeredAt: null, did: '', owner: '1.1', participants: parts });
let seq = 0;
const ev = <T extends PbxEvent['type']>(type: T, payload: PbxEvent<T>['payload']): PbxEvent => ({ seq: ++seq, type, at: '2026-01-01T00:00:00Z', payload }) as PbxEvent;

function base(): LiveModel {
  let m = withExtension(withExtension(EMPTY_MODEL, '101', ext('101')), '102', ext('102', { dnd: true }));
  m = applyEvent(m, ev('device.registered', { extension: '101', contact: 'sip:101@a', userAgent: '', transport: 'udp', source: '', expiresAt: '' }));
  return applyEvent(m, ev('device.registered', { extension: '102', contact: 'sip:102@b', userAgent: '', transport: 'udp', source: '', expiresAt: '' }));
}

describe('panel live model', () => {
  const story = [
    ev('call.created', { call: call('Routing', [part('1.1', '101', 'inbound', 'Connected')]) }),
    ev('participant.updated', { participant: part('1.2', '102', 'outbound', 'Ringing') }),
    ev('participant.updated', { participant: part('1.2', '102', 'outbound', 'Connected') }),
    ev('call.updated', { call: call('Talking', [part('1.1', '101', 'inbound', 'Connected'), part('1.2', '102', 'outbound', 'Connected')]) }),
    ev('participant.updated', { participant: part('1.1', '101', 'inbound', 'Held') }),
  ];

  it('moves tiles through ringing, talking and held; DND shows only when free', () => {
    let m = base();
    assert.equal(tileState(m, '101'), 'free');
    assert.equal(tileState(m, '102'), 'dnd');
    assert.equal(tileState(m, '103'), 'offline');
    m = applyEvent(m, story[0]!);
    m = applyEvent(m, story[1]!);
    assert.equal(tileState(m, '102'), 'ringing');
    m = applyEvent(applyEvent(m, story[2]!), story[3]!);
    assert.equal(tileState(m, '101'), 'talking');
    assert.equal(tileState(m, '102'), 'talking');
    m = applyEvent(m, story[4]!);
    assert.equal(tileState(m, '101'), 'held');
    m = applyEvent(m, ev('call.ended', { call: call('Ended', []), disposition: 'ANSWERED', duration: 3, billsec: 2, cdrUniqueid: 'u1' }));
    assert.equal(m.calls.size, 0);
    assert.equal(tileState(m, '101'), 'free');
  });

  it('replaying events the snapshot already covered changes nothing', () => {
    const once = story.reduce(applyEvent, base());
    const twice = story.reduce(applyEvent, once);
    assert.deepEqual([...twice.calls.values()], [...once.calls.values()]);
    assert.deepEqual(twice.devices, once.devices);
    const reRegistered = applyEvent(twice, ev('device.registered', { extension: '101', contact: 'sip:101@a', userAgent: '', transport: 'udp', source: '', expiresAt: '' }));
    assert.equal(reRegistered.devices.get('101')?.size, 1);
  });

  it('an unregistered device takes the tile offline; queue log-in counts the global switch too', () => {
    let m = applyEvent(base(), ev('device.unregistered', { extension: '101', contact: 'sip:101@a', reason: 'expired' }));
    assert.equal(tileState(m, '101'), 'offline');
    m = withQueue(m, '800', { number: '800', name: 'Sales', agents: [{ extension: '101', loggedIn: true }, { extension: '102', loggedIn: false }] });
    assert.deepEqual(queueMemberships(m, '101'), [{ queue: '800', loggedIn: true }]);
    assert.deepEqual(queueMemberships(m, '102'), [{ queue: '800', loggedIn: false }]);
    m = withExtension(m, '101', ext('101', { queueGlobalLoggedIn: false }));
    assert.deepEqual(queueMemberships(m, '101'), [{ queue: '800', loggedIn: false }]);
  });

  const agentStatus = (extension: string, state: QueueAgentStatus['state']): QueueAgentStatus => ({ queue: '800', queueName: 'Support', extension, name: '', state, loggedIn: state !== 'loggedOut', globalLoggedIn: true, answeredToday: 0, talkSecondsToday: 0, wrapUpUntil: null });
  const queueStatus = (agents: QueueAgentStatus[], extra: Partial<QueueStatus> = {}): QueueStatus => ({
    queue: '800', name: 'Support', pollingStrategy: 'hunt', waiting: [], longestWaitSeconds: 0,
    agentCounts: { loggedOut: 0, unavailable: 0, free: 0, ringing: 0, busy: 0, wrapUp: 0, ...Object.fromEntries(agents.map((a) => [a.state, agents.filter((x) => x.state === a.state).length])) },
    agents, answeredToday: 0, abandonedToday: 0, timedOutToday: 0, serviceLevelSeconds: 20, answeredInTargetToday: 0, serviceLevel: null, ...extra,
  });

  it('queue.updated replaces a queue status; queue.agent moves one agent and keeps the counts true, twice as once', () => {
    let m = applyEvent(base(), ev('queue.agent', agentStatus('102', 'free')));
    assert.equal(m.queueStatus.size, 0, 'an agent of a queue not seen yet waits for its queue.updated');
    m = applyEvent(m, ev('queue.updated', queueStatus([agentStatus('102', 'loggedOut'), agentStatus('103', 'free')])));
    const login = ev('queue.agent', agentStatus('102', 'ringing'));
    const once = applyEvent(m, login);
    const twice = applyEvent(once, login);
    for (const x of [once, twice]) {
      const st = x.queueStatus.get('800');
      assert.deepEqual(st?.agents.map((a) => `${a.extension}:${a.state}`), ['102:ringing', '103:free']);
      assert.deepEqual(st?.agentCounts, { loggedOut: 0, unavailable: 0, free: 1, ringing: 1, busy: 0, wrapUp: 0 });
    }
  });

  it('recording.started lights a call; a replayed stop of an older recording does not put out a newer one; call.ended clears it', () => {
    const first = { callId: '1', recordingId: 'r1', startedAt: '2026-01-01T00:00:01Z' };
    const second = { callId: '1', recordingId: 'r2', startedAt: '2026-01-01T00:00:05Z' };
    let m = applyEvent(base(), story[0]!);
    m = applyEvent(m, ev('recording.started', first));
    assert.equal(m.recordings.get('1')?.recordingId, 'r1');
    m = applyEvent(applyEvent(m, ev('recording.stopped', first)), ev('recording.started', second));
    m = applyEvent(m, ev('recording.stopped', first));
    assert.equal(m.recordings.get('1')?.recordingId, 'r2');
    m = applyEvent(m, ev('call.ended', { call: call('Ended', []), disposition: 'ANSWERED', duration: 3, billsec: 2, cdrUniqueid: 'u1' }));
    assert.equal(m.recordings.size, 0);
  });

  it('parked calls follow call.parked / call.unparked by orbit; a replayed unpark does not clear a newer parking there', () => {
    const parking = (callId: string, parkedAt: string) => ({ orbit: '*71', callId, participant: part('1.1', '101', 'inbound', 'Held'), parkedBy: '102', parkedAt, timeoutAt: parkedAt });
    const first = parking('1', '2026-01-01T00:00:00Z');
    const second = parking('2', '2026-01-01T00:01:00Z');
    let m = applyEvent(EMPTY_MODEL, ev('call.parked', { parked: first }));
    assert.equal(m.parked.get('*71')?.callId, '1');
    const unpark = ev('call.unparked', { parked: first, reason: 'retrieved', by: '103' });
    m = applyEvent(m, unpark);
    assert.equal(m.parked.size, 0);
    m = applyEvent(m, ev('call.parked', { parked: second }));
    m = applyEvent(m, unpark);
    assert.equal(m.parked.get('*71')?.callId, '2', 'the replayed unpark of call 1 left call 2 parked');
    m = applyEvent(m, ev('call.unparked', { parked: second, reason: 'timeout' }));
    assert.equal(m.parked.size, 0);
  });
});
