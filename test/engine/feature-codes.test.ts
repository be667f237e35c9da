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

  it('leaves everything else to the directory and the outbound rules', () => {
    for (const n of ['100', '600', '700', '800', '900', '70', '71', '8', '*7', '*80', '*711', '**1', '**', '***102', '*', '+48600100200']) assert.equal(featureCode(n), undefined, n);
  });
});
