// CallMedia composes three things into a relay leg's state: our hold
// (re-INVITE from the API), the phone's own SDP direction, and an API mute.
// The direction is our hold or else the phone's own, whatever the mute (music
// on hold reads `inactive` as "held by us", so a phone holding while muted
// stays sendonly); the mute is kept beside it, through hold/resume and the
// phone's own re-INVITEs, and only a sendrecv muted leg stops sending.
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

  it('keeps a leg muted through our hold, resume and the phone re-INVITEing, its direction its own', () => {
    const d = () => `${String(relay.direction('a'))}${relay.isMuted('a') === true ? '+muted' : ''}`;
    media.setMuted('a', true);
    assert.equal(d(), 'sendrecv+muted');
    assert.equal(relay.isMuted('b'), false, 'the other leg untouched');
    media.setHeldByUs('a', true);
    assert.equal(d(), 'inactive+muted', 'held by us: nothing either way');
    media.setHeldByUs('a', false);
    assert.equal(d(), 'sendrecv+muted', 'resumed, still muted');
    media.setPhoneDirection('a', 'sendonly');
    assert.equal(d(), 'sendonly+muted', 'the phone holds: not taken for our hold');
    media.setPhoneDirection('a', 'sendrecv');
    assert.equal(d(), 'sendrecv+muted', 'the phone resumes, still muted');
    media.setMuted('a', false);
    assert.equal(d(), 'sendrecv');
    media.setPhoneDirection('a', 'inactive');
    media.setMuted('a', true);
    assert.equal(d(), 'inactive+muted');
    media.setMuted('a', false);
    assert.equal(d(), 'inactive', "unmute restores the phone's own direction");
  });
});
