// CallMedia composes three things into a relay leg's direction: our hold
// (re-INVITE from the API), the phone's own SDP direction, and an API mute.
// A muted phone must stay unheard through hold/resume and its own
// re-INVITEs, and only a sendrecv phone becomes recvonly: music on hold
// reads `inactive` as "held by us", so a phone holding while muted stays
// sendonly.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PortAllocator } from '../../src/media/port-allocator.ts';
import { MediaRelay } from '../../src/media/relay.ts';
import { CallMedia } from '../../src/engine/b2bua/call-media.ts';
import { freePortRange } from '../peers/ports.ts';

describe('CallMedia direction: hold, phone direction and mute together', () => {
  let relay: MediaRelay;
  let media: CallMedia;
  before(async () => {
    const base = await freePortRange(8, { udp: true, tcp: false });
    relay = new MediaRelay({ allocator: new PortAllocator({ min: base, max: base + 7 }, '127.0.0.1'), host: '127.0.0.1' });
    media = new CallMedia(relay, '127.0.0.1', 1);
    await media.addLeg('a');
    await media.addLeg('b');
  });
  after(() => media.close());

  it('keeps a muted leg recvonly through our hold, resume and the phone re-INVITEing', () => {
    const d = () => relay.direction('a');
    media.setMuted('a', true);
    assert.equal(d(), 'recvonly');
    assert.equal(relay.direction('b'), 'sendrecv', 'the other leg untouched');
    media.setHeldByUs('a', true);
    assert.equal(d(), 'inactive', 'held by us: nothing either way');
    media.setHeldByUs('a', false);
    assert.equal(d(), 'recvonly', 'resumed, still muted');
    media.setPhoneDirection('a', 'sendonly');
    assert.equal(d(), 'sendonly', 'the phone holds: not taken for our hold');
    media.setPhoneDirection('a', 'sendrecv');
    assert.equal(d(), 'recvonly', 'the phone resumes, still muted');
    media.setMuted('a', false);
    assert.equal(d(), 'sendrecv');
    media.setPhoneDirection('a', 'inactive');
    media.setMuted('a', true);
    assert.equal(d(), 'inactive');
    media.setMuted('a', false);
    assert.equal(d(), 'inactive', "unmute restores the phone's own direction");
  });
});
