// The one place call/device states become seed 003's numbers, the presence
// tracker behind it, and the local-day arithmetic of datestart/datestop.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extensionState, PresenceTracker } from '../../../src/core/presence.ts';
import { STATUS_VALUES, renderPresence, channelName, renderCdr } from '../../../src/api/cloudpbx/render.ts';
import { dayRange } from '../../../src/api/cloudpbx/routes.ts';
import { localDateTime, localDaysRange, isCalendarDate } from '../../../src/core/time-zone.ts';
import type { Participant } from '../../../src/core/calls.ts';
import type { PbxEvent, EventType, EventPayloads } from '../../../src/core/events.ts';

const site = { pbxName: 'MojaCentrala', timeZone: 'Europe/Warsaw' };

let seq = 0;
function ev<T extends EventType>(type: T, payload: EventPayloads[T]): PbxEvent {
  seq += 1;
  return { seq, type, at: new Date().toISOString(), payload } as PbxEvent;
}

function part(id: string, dn: string, status: Participant['status'], direction: Participant['direction'], name = `Name ${dn}`): Participant {
  return { id, callId: id.split('.')[0] ?? '', dn, dnType: 'Extension', device: `sip:${dn}@x`, partyNumber: dn, partyName: name, status, direction, muted: false };
}

describe('CloudPBX states (seed 003 §2.4)', () => {
  it('numbers each state as section 2.4 does', () => {
    assert.deepEqual(STATUS_VALUES, { Idle: 0, InUse: 1, Busy: 2, Unavailable: 4, Ringing: 8, OnHold: 16, Connecting: 32 });
  });

  it('derives an extension state from its participants and devices', () => {
    const x = (status: Participant['status'], direction: Participant['direction'] = 'inbound') => ({ status, direction });
    assert.equal(extensionState([], false), 'Unavailable');
    assert.equal(extensionState([], true), 'Idle');
    assert.equal(extensionState([x('Dialing')], true), 'Connecting', 'calling out');
    assert.equal(extensionState([x('Dialing', 'outbound')], true), 'Ringing', 'being called, before the 180');
    assert.equal(extensionState([x('Ringing', 'outbound')], true), 'Ringing');
    assert.equal(extensionState([x('Held')], true), 'OnHold');
    assert.equal(extensionState([x('Ringing', 'outbound'), x('Connected')], true), 'InUse', 'talking wins over a second call ringing');
    assert.equal(extensionState([x('Held'), x('Connected', 'outbound')], false), 'InUse');
    assert.equal(extensionState([x('Ended')], true), 'Idle');
  });

  it('tracks a call 101 → 102 and names the partner', () => {
    const t = new PresenceTracker({ extensions: ['101', '102', '103'], devices: [{ extension: '101', contact: 'a' }], calls: [] });
    const seen = (): string => t.list().map((e) => `${e}:${STATUS_VALUES[t.presence(e).state]}`).join(' ');
    assert.equal(seen(), '101:0 102:4 103:4');
    assert.deepEqual(t.apply(ev('device.registered', { extension: '102', contact: 'b', userAgent: '', transport: 'udp', source: '', expiresAt: '' })), ['102']);
    const created = t.apply(ev('call.created', { call: { id: '7', direction: 'Internal', state: 'Initiating', startedAt: '', answeredAt: null, did: '', owner: '7.1', participants: [part('7.1', '101', 'Dialing', 'inbound')] } }));
    assert.deepEqual(created, ['101'], 'the caller comes with call.created');
    assert.deepEqual(t.apply(ev('participant.updated', { participant: part('7.2', '102', 'Dialing', 'outbound') })).sort(), ['101', '102']);
    assert.equal(seen(), '101:32 102:8 103:4');
    t.apply(ev('participant.updated', { participant: part('7.2', '102', 'Ringing', 'outbound') }));
    assert.equal(seen(), '101:32 102:8 103:4');
    assert.deepEqual(t.presence('102').partner, { number: '101', name: 'Name 101' });
    t.apply(ev('participant.updated', { participant: part('7.2', '102', 'Connected', 'outbound') }));
    t.apply(ev('participant.updated', { participant: part('7.1', '101', 'Connected', 'inbound') }));
    assert.equal(seen(), '101:1 102:1 103:4');
    assert.deepEqual(t.presence('101').partner, { number: '102', name: 'Name 102' });
    t.apply(ev('participant.updated', { participant: part('7.2', '102', 'Held', 'outbound') }));
    assert.equal(t.presence('102').state, 'OnHold');
    // Applying the same event twice changes nothing (snapshot overlap).
    t.apply(ev('participant.updated', { participant: part('7.2', '102', 'Held', 'outbound') }));
    assert.equal(t.presence('102').state, 'OnHold');
    const ended = t.apply(ev('call.ended', { call: { id: '7', direction: 'Internal', state: 'Ended', startedAt: '', answeredAt: null, did: '', owner: '7.1', participants: [] }, disposition: 'ANSWERED', duration: 1, billsec: 1, cdrUniqueid: '1.1' }));
    assert.deepEqual(ended.sort(), ['101', '102']);
    assert.equal(seen(), '101:0 102:0 103:4');
    assert.equal(t.presence('101').partner, undefined);
    t.apply(ev('device.unregistered', { extension: '101', contact: 'a', reason: 'removed' }));
    assert.equal(t.presence('101').state, 'Unavailable');
    t.apply(ev('directory.changed', { entity: 'extensions', action: 'deleted', key: '103' }));
    assert.deepEqual(t.list(), ['101', '102']);
  });

  it('renders subscriber then extstatus, with connectPeer fields only in a call', () => {
    assert.deepEqual(renderPresence({ extension: '101', state: 'Idle' }, site), [{ subscriber: { peer: 'MojaCentrala-101', statusValue: 0 } }, { extstatus: { exten: '101', status: 0 } }]);
    assert.deepEqual(renderPresence({ extension: '101', state: 'InUse', partner: { number: '105', name: 'Jan' } }, site)[0], {
      subscriber: { peer: 'MojaCentrala-101', statusValue: 1, connectPeerNumber: '105', connectPeerName: 'Jan' },
    });
  });

  it('renders CDR rows in the seed format', () => {
    assert.equal(channelName('SIP/101-0000002a', site), 'SIP/MojaCentrala-101-0000002a');
    const row = renderCdr(
      {
        calldate: '', clid: '"Sekretariat 3" <101>', src: '101', dst: '105', channel: 'SIP/101-00000028', dstchannel: 'SIP/105-00000029', lastapp: 'Dial', lastdata: '',
        duration: 13, billsec: 13, disposition: 'ANSWERED', uniqueid: '1639563902.75', direction: 'Internal', did: '',
        startedAt: '2021-12-15T10:25:02.400Z', answeredAt: null, endedAt: '', callId: '1', cost: null, zone: '',
      },
      site,
    );
    assert.deepEqual(row, {
      calldate: '2021-12-15 11:25:02', clid: '"Sekretariat 3" <101>', src: '101', dst: '105', channel: 'SIP/MojaCentrala-101-00000028', dstchannel: 'SIP/MojaCentrala-105-00000029',
      lastapp: 'Dial', duration: 13, billsec: 13, disposition: 'ANSWERED', uniqueid: '1639563902.75', cost: '', zone: '',
    });
  });
});

describe('local days (datestart/datestop)', () => {
  it('formats instants on the PBX clock, across summer time', () => {
    assert.equal(localDateTime('2021-07-01T22:30:00Z', 'Europe/Warsaw'), '2021-07-02 00:30:00');
    assert.equal(localDateTime('2021-01-01T22:30:00Z', 'Europe/Warsaw'), '2021-01-01 23:30:00');
    assert.equal(localDateTime('2021-01-01T22:30:00Z', 'UTC'), '2021-01-01 22:30:00');
  });

  it('turns inclusive local days into UTC bounds', () => {
    assert.deepEqual(localDaysRange('2021-10-01', '2021-10-07', 'Europe/Warsaw'), { from: '2021-09-30T22:00:00.000Z', to: '2021-10-07T21:59:59.999Z' });
    // 2021-03-28 has 23 hours in Warsaw; 2021-10-31 has 25.
    assert.deepEqual(localDaysRange('2021-03-28', '2021-03-28', 'Europe/Warsaw'), { from: '2021-03-27T23:00:00.000Z', to: '2021-03-28T21:59:59.999Z' });
    assert.deepEqual(localDaysRange('2021-10-31', '2021-10-31', 'Europe/Warsaw'), { from: '2021-10-30T22:00:00.000Z', to: '2021-10-31T22:59:59.999Z' });
    assert.deepEqual(localDaysRange('2021-10-31', '2021-10-31', 'America/Sao_Paulo'), { from: '2021-10-31T03:00:00.000Z', to: '2021-11-01T02:59:59.999Z' });
  });

  it('defaults to today and refuses impossible or reversed days', () => {
    const now = new Date('2021-12-15T23:30:00Z');
    assert.deepEqual(dayRange({}, site, now), localDaysRange('2021-12-16', '2021-12-16', 'Europe/Warsaw'), 'today on the PBX clock, not UTC');
    assert.deepEqual(dayRange({ datestart: '2021-12-01' }, site, now), localDaysRange('2021-12-01', '2021-12-16', 'Europe/Warsaw'));
    assert.deepEqual(dayRange({ datestop: '2021-12-01' }, site, now), localDaysRange('2021-12-01', '2021-12-01', 'Europe/Warsaw'));
    assert.equal(isCalendarDate('2021-02-29'), false);
    assert.equal(isCalendarDate('2020-02-29'), true);
    assert.throws(() => dayRange({ datestart: '2021-02-30' }, site, now), /datestart 2021-02-30 is not a date/);
    assert.throws(() => dayRange({ datestart: '2021-10-07', datestop: '2021-10-01' }, site, now), /after datestop/);
  });
});
