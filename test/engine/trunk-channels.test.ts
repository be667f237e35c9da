import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TrunkChannels } from '../../src/engine/routing/trunk-channels.ts';

describe('trunk channels (maxChannels)', () => {
  it('gives out at most max channels per trunk, counts each trunk apart, and a release is given back once', () => {
    const ch = new TrunkChannels();
    const a1 = ch.take(1, 2);
    const a2 = ch.take(1, 2);
    assert.ok(a1 && a2);
    assert.equal(ch.take(1, 2), undefined, 'the third call on a two-channel trunk');
    assert.ok(ch.take(2, 1), 'another trunk has its own channels');
    a1();
    a1();
    assert.equal(ch.count(1), 1, 'a double release frees one channel');
    assert.ok(ch.take(1, 2));
    assert.equal(ch.take(1, 2), undefined);
  });

  it('0 means no limit', () => {
    const ch = new TrunkChannels();
    for (let i = 0; i < 100; i++) assert.ok(ch.take(7, 0));
    assert.equal(ch.count(7), 100);
  });
});
