// The star codes of the number plan: what each one means, and that none can
// be a directory number (digits only) nor take a demo or conference number.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { featureCode, PARK_CODE, PARK_ORBITS, GROUP_PICKUP } from '../../src/engine/routing/feature-codes.ts';

describe('feature codes', () => {
  it('names park, the orbits, pickup and voicemail', () => {
    assert.equal(featureCode(PARK_CODE)?.kind, 'park');
    assert.deepEqual(PARK_ORBITS, ['*71', '*72', '*73', '*74', '*75', '*76', '*77', '*78', '*79']);
    for (const o of PARK_ORBITS) assert.equal(featureCode(o)?.kind, 'parkOrbit');
    assert.equal(featureCode(GROUP_PICKUP)?.kind, 'groupPickup');
    assert.deepEqual(featureCode('**102'), { kind: 'directedPickup', number: '**102', name: 'Pickup 102', target: '102' });
    assert.equal(featureCode('*97')?.kind, 'voicemailAccess');
  });

  it('names queue log-in (*62) and log-out (*63), of oneself or, for a manager, of an agent', () => {
    assert.deepEqual(featureCode('*62850'), { kind: 'queueLogin', number: '*62850', name: 'Queue 850 log-in', queue: '850', loggedIn: true });
    assert.deepEqual(featureCode('*63850*103'), { kind: 'queueLogin', number: '*63850*103', name: 'Queue 850 log-out', queue: '850', loggedIn: false, target: '103' });
    for (const n of ['*62', '*638', '*64850', '*62850*', '*62850*1', '*62850**103']) assert.equal(featureCode(n), undefined, n);
  });

  it('leaves everything else to the directory and the outbound rules', () => {
    for (const n of ['100', '600', '700', '800', '900', '70', '71', '8', '*7', '*80', '*711', '**1', '**', '***102', '*', '+48600100200']) assert.equal(featureCode(n), undefined, n);
  });
});
