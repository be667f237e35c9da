// AudioMixers in a process of its own for bench/mixer, so their CPU is theirs:
// K mixes of 3 members, each member a relay leg facing one fake phone of the parent.
//
// Parent → child (IPC): { type: 'setup', phones: [a, b, c][] } → { type: 'legs', ports: [a, b, c][] }
//                       { type: 'mark' } → { type: 'mark', frames, late, cpuMs }  (counters so far)
import { PortAllocator } from '../src/media/port-allocator.ts';
import { MediaRelay } from '../src/media/relay.ts';
import { AudioMixer } from '../src/media/mixer.ts';

const HOST = '127.0.0.1';
const allocator = new PortAllocator({ min: Number(process.env.BENCH_RTP_MIN ?? 20000), max: Number(process.env.BENCH_RTP_MAX ?? 23999) }, HOST);
const mixers: AudioMixer[] = [];

type Command = { type: 'setup'; phones: [number, number, number][] } | { type: 'mark' };

process.on('message', (msg: Command) => {
  void (async () => {
    if (msg.type === 'setup') {
      const ports: [number, number, number][] = [];
      for (const [i, phones] of msg.phones.entries()) {
        // One relay per mix, as a barge-in has (the call's relay).
        const relay = new MediaRelay({ allocator, host: HOST });
        const mixer = new AudioMixer();
        const legPorts: number[] = [];
        for (const [k, phone] of phones.entries()) {
          const id = `m${i}-${k}`;
          legPorts.push((await relay.addLeg(id)).port);
          relay.setRemote(id, { address: HOST, port: phone, codec: 'PCMU', payloadType: 0 });
          mixer.add(id, relay, id, 'speak+hear');
        }
        mixers.push(mixer);
        ports.push(legPorts as [number, number, number]);
      }
      process.send!({ type: 'legs', ports });
    } else {
      const cpu = process.cpuUsage();
      process.send!({ type: 'mark', frames: mixers.reduce((n, m) => n + m.frames, 0), late: mixers.reduce((n, m) => n + m.lateFrames, 0), cpuMs: (cpu.user + cpu.system) / 1000 });
    }
  })();
});
process.send!({ type: 'ready' });
