// Recordings the previous process was making when it died (migration 003's
// `open_recordings`): the WAV was being appended to and its header rewritten
// once a second, so it holds audio past what the header says, maybe half a
// sample frame at the end. At start each one is cut to whole frames, its
// header rewritten for the real length, converted to MP3 and stored like any
// finished recording: a row with a link, tied to its call's CDR (written by
// crash-recovery.ts just before), and `recording.ready`.
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Store } from '../../store/index.ts';
import type { RecordingParticipant } from '../../core/recordings.ts';
import { WAV_HEADER_LENGTH, wavHeader } from '../../media/wav-file.ts';
import { wavToMp3 } from '../../media/mp3.ts';
import type { RecordingRows } from './recording-rows.ts';

const RATE = 8000;

/** Rewrites the header of a WAV cut short for the samples really in the file; returns their duration. */
export async function repairWav(path: string, channels: number): Promise<number> {
  const fh = await open(path, 'r+');
  try {
    const size = (await fh.stat()).size;
    const frame = channels * 2;
    const dataBytes = Math.max(0, Math.floor((size - WAV_HEADER_LENGTH) / frame) * frame);
    await fh.truncate(WAV_HEADER_LENGTH + dataBytes);
    await fh.write(wavHeader({ channels, sampleRate: RATE }, dataBytes), 0, WAV_HEADER_LENGTH, 0);
    await fh.sync();
    return Math.round((dataBytes / frame / RATE) * 1000);
  } finally {
    await fh.close();
  }
}

export async function recoverOpenRecordings(store: Store, rows: RecordingRows, logger: Logger): Promise<number> {
  const open = await store.db.selectFrom('openRecordings').selectAll().orderBy('startedAt').execute();
  let stored = 0;
  for (const r of open) {
    try {
      const durationMs = await repairWav(r.path, r.channels);
      const mp3Path = r.path.replace(/\.wav$/, '.mp3');
      const mp3 = await wavToMp3(r.path, mp3Path, { channels: r.channels === 2 ? 2 : 1 });
      // Call ids start again at 1 after a restart: the CDR is the newest of that id begun before the recording.
      const cdr = await store.db.selectFrom('cdr').select('uniqueid').where('callId', '=', r.callId).where('startedAt', '<=', r.startedAt).orderBy('startedAt', 'desc').executeTakeFirst();
      const recording = await rows.insert({
        id: r.id,
        callId: r.callId,
        cdrUniqueid: cdr?.uniqueid ?? '',
        participants: JSON.parse(r.participants) as RecordingParticipant[],
        startedAt: r.startedAt,
        durationMs,
        size: mp3.bytes,
        format: 'mp3',
        path: mp3Path,
        token: randomBytes(24).toString('base64url'),
      });
      await store.db.deleteFrom('openRecordings').where('id', '=', r.id).execute();
      await store.events.append('recording.ready', { recording });
      stored += 1;
      logger.warn({ recording: r.id, call: r.callId, durationMs }, 'recording cut by a crash: stored at start');
    } catch (err) {
      // A WAV that is gone or unreadable cannot be stored; forget it rather than fail every start.
      logger.error({ err, recording: r.id, path: r.path }, 'a recording cut by a crash could not be recovered');
      await store.db.deleteFrom('openRecordings').where('id', '=', r.id).execute();
    }
  }
  return stored;
}
