// The outage journal (src/store/outage-journal.ts) on a real file: what a
// process held and did not see stored is what the next one reads back, a line
// cut short by a crash is skipped, and the file is emptied when the last held
// write is stored.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutageJournal, type HeldEvent } from '../../src/store/outage-journal.ts';

const event = (n: number): HeldEvent => ({ kind: 'event', type: 'dtmf', at: `2026-12-03T10:00:0${String(n)}.000Z`, payload: { callId: '1', participantId: '1.1', digit: String(n), durationMs: 100 } });

describe('outage journal', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sb-journal-'));
    path = join(dir, 'outage-journal.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the next process what was held and not stored, in order, skipping a torn last line', () => {
    const first = new OutageJournal(path);
    assert.deepEqual(first.pending(), []);
    const a = first.hold(event(1));
    assert.equal(typeof a, 'number');
    first.hold(event(2));
    first.hold(event(3));
    first.stored(a as number);
    first.close();
    appendFileSync(path, '{"id":4,"write":{"kind":"ev');
    const next = new OutageJournal(path);
    assert.deepEqual(next.pending().map((p) => p.write), [event(2), event(3)]);
    // New entries never reuse an id of the file it has not emptied yet.
    assert.ok((next.hold(event(4)) ?? 0) > 3);
    next.close();
  });

  it('is empty once every held write is stored', () => {
    const j = new OutageJournal(path);
    const ids = [j.hold(event(1)), j.hold(event(2))];
    j.stored(ids[1] as number);
    assert.notEqual(readFileSync(path, 'utf8'), '');
    j.stored(ids[0] as number);
    assert.equal(readFileSync(path, 'utf8'), '');
    j.stored(ids[0] as number);
    assert.equal(readFileSync(path, 'utf8'), '', 'a second stored() of one id writes nothing');
    j.close();
    assert.deepEqual(new OutageJournal(path).pending(), []);
  });

  it('that cannot be written holds nothing and throws nothing: the write waits in memory only', () => {
    const j = new OutageJournal(join(dir, 'no-such-dir', 'outage-journal.jsonl'));
    assert.equal(j.hold(event(1)), undefined);
    assert.equal(j.alive('2026-12-03T10:00:00.000Z'), false);
    assert.doesNotThrow(() => j.stored(1));
    j.close();
  });
});
