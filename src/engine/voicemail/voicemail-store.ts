// Voicemail messages: WAV files under <dataDir>/voicemail/<extension>/ and a
// row each (migration 011). A message is recorded to a file first and gets
// its row when complete, so a listed message always plays; a crash while a
// message is left leaves a playable file without a row (not listed).
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../../store/index.ts';
import type { VoicemailMessage } from '../../core/voicemail.ts';
import type { RecordingFile } from '../../core/recordings.ts';
import { notFound, PbxError } from '../../core/errors.ts';
import { parseWav } from '../../media/wav-file.ts';

type Row = { id: string; extension: string; callerNumber: string; callerName: string; callId: string; durationMs: number; heard: number; createdAt: string; file: string };

const render = (r: Row): VoicemailMessage => ({ id: r.id, extension: r.extension, callerNumber: r.callerNumber, callerName: r.callerName, callId: r.callId, durationMs: r.durationMs, heard: r.heard === 1, createdAt: r.createdAt });

export interface NewMessage {
  id: string;
  /** Absolute path to record into. */
  path: string;
}

export class VoicemailStore {
  constructor(
    private readonly store: Store,
    private readonly dataDir: string,
  ) {}

  /** A fresh id and the file to record it into. */
  newMessage(extension: string): NewMessage {
    const id = randomUUID();
    return { id, path: join(this.dataDir, this.relative(extension, id)) };
  }

  private relative(extension: string, id: string): string {
    return join('voicemail', extension, `${id}.wav`);
  }

  /** Lists the message once its file is complete; announces it. */
  async add(m: Omit<VoicemailMessage, 'heard' | 'createdAt'>): Promise<VoicemailMessage> {
    const row: Row = { ...m, heard: 0, createdAt: new Date().toISOString(), file: this.relative(m.extension, m.id) };
    await this.store.db.insertInto('voicemailMessages').values(row).execute();
    const message = render(row);
    await this.store.events.append('voicemail.message', { message });
    return message;
  }

  /** Newest first. */
  async list(extension: string): Promise<VoicemailMessage[]> {
    const rows = await this.store.db.selectFrom('voicemailMessages').selectAll().where('extension', '=', extension).orderBy('createdAt', 'desc').execute();
    return rows.map((r) => render(r as Row));
  }

  private async row(extension: string, id: string): Promise<Row> {
    const r = await this.store.db.selectFrom('voicemailMessages').selectAll().where('extension', '=', extension).where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound(`voicemail message of ${extension}`, id);
    return r as Row;
  }

  async file(extension: string, id: string): Promise<RecordingFile> {
    const r = await this.row(extension, id);
    const path = join(this.dataDir, r.file);
    const size = await stat(path).then((s) => s.size, () => undefined);
    if (size === undefined) throw notFound(`voicemail audio of ${extension}`, id);
    return { path, size, contentType: 'audio/wav', name: `voicemail-${extension}-${r.createdAt.slice(0, 19).replace(/[:T]/g, '-')}.wav` };
  }

  async setHeard(extension: string, id: string, heard: boolean): Promise<VoicemailMessage> {
    await this.row(extension, id);
    await this.store.db.updateTable('voicemailMessages').set({ heard: heard ? 1 : 0 }).where('id', '=', id).execute();
    return render(await this.row(extension, id));
  }

  /** The owner's own greeting, played instead of the spoken one when there. */
  private greetingPath(extension: string): string {
    return join(this.dataDir, 'voicemail', extension, 'greeting.wav');
  }

  async greeting(extension: string): Promise<RecordingFile> {
    const path = this.greetingPath(extension);
    const size = await stat(path).then((s) => s.size, () => undefined);
    if (size === undefined) throw notFound(`voicemail greeting of ${extension}`, 'greeting');
    return { path, size, contentType: 'audio/wav', name: `greeting-${extension}.wav` };
  }

  /** The prompt player's format only (16-bit mono 8 kHz PCM): what a phone line carries, so nothing is resampled per call. */
  async setGreeting(extension: string, wav: Buffer): Promise<RecordingFile> {
    const f = parseWav(wav);
    if (!f || f.bitsPerSample !== 16 || f.channels !== 1 || f.sampleRate !== 8000) {
      throw new PbxError('SB_UNSUPPORTED_MEDIA_TYPE', 'a greeting must be a WAV file of 16-bit mono 8 kHz PCM (e.g. sox in.wav -r 8000 -c 1 -b 16 greeting.wav)');
    }
    if (f.dataBytes < 1600) throw new PbxError('SB_VALIDATION', 'a greeting must hold at least 0.1 s of audio');
    const path = this.greetingPath(extension);
    await mkdir(join(this.dataDir, 'voicemail', extension), { recursive: true });
    // Written aside and renamed: a caller never hears half a file.
    const part = `${path}.${randomUUID()}.part`;
    await writeFile(part, wav);
    await rename(part, path);
    return this.greeting(extension);
  }

  /**
   * A greeting being recorded from the phone (*97): recorded aside, then
   * `keep` renames it into place (a caller never hears half a file) or
   * `drop` removes it, leaving the greeting in use as it was.
   */
  async newGreeting(extension: string): Promise<{ path: string; keep(): Promise<void>; drop(): Promise<void> }> {
    const path = this.greetingPath(extension);
    await mkdir(join(this.dataDir, 'voicemail', extension), { recursive: true });
    const part = `${path}.${randomUUID()}.part`;
    return { path: part, keep: () => rename(part, path), drop: () => rm(part, { force: true }) };
  }

  async removeGreeting(extension: string): Promise<void> {
    await this.greeting(extension);
    await rm(this.greetingPath(extension), { force: true });
  }

  async remove(extension: string, id: string): Promise<void> {
    const r = await this.row(extension, id);
    await this.store.db.deleteFrom('voicemailMessages').where('id', '=', id).execute();
    await rm(join(this.dataDir, r.file), { force: true });
  }
}
