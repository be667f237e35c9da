// 3CX wire ids of participants once call ids outgrow int32 × 1000 (call ids
// never repeat, so a long-lived installation gets there).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { wireCallId, wireParticipantId, wirePartsOf } from '../../src/api/callcontrol/ids.ts';

const INT32_MAX = 2 ** 31 - 1;

describe('3CX wire ids', () => {
  it('are the call id × 1000 + leg while the call id is small', () => {
    assert.equal(wireParticipantId('12.3'), 12003);
    assert.equal(wireCallId('12'), 12);
    assert.deepEqual(wirePartsOf(12003), { wireCall: 12, leg: 3 });
  });

  it('stay within int32 for call ids past 2 147 482, and read back to the same wire call', () => {
    for (const call of ['2147482', '2147483', '2147484', '9000000123', '123456789012']) {
      const id = wireParticipantId(`${call}.999`);
      assert.ok(id > 0 && id <= INT32_MAX, `${call}.999 → ${String(id)} is an int32`);
      assert.deepEqual(wirePartsOf(id), { wireCall: wireCallId(call), leg: 999 });
    }
    assert.equal(wireCallId('2147483'), 1, 'wraps to 1, never to 0');
  });

  it('refuses numbers that cannot be a participant', () => {
    assert.equal(wirePartsOf(999), undefined);
    assert.equal(wirePartsOf(12000), undefined);
    assert.equal(wirePartsOf(INT32_MAX), undefined);
  });
});
