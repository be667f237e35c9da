// Voicemail to e-mail (seed 000 `vmemail`: 1 a text notice, 2 the message
// attached, 3 attached and then removed from the box). The message's row is
// the outbox: `notified_at` stays null until the server took the mail, so a
// crash or an SMTP outage only delays it — pending messages are mailed at
// start and retried with a doubling back-off. Only the node holding the WAV
// (its data directory) mails a message, so a cluster sends it once.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Store } from '../../store/index.ts';
import type { PbxEvent } from '../../core/events.ts';
import type { VoicemailMessage } from '../../core/voicemail.ts';
import type { VoicemailStore } from './voicemail-store.ts';
import { sendMail, SmtpError, type SmtpTarget } from './smtp-client.ts';
import { composeVoicemailMail, type VoicemailEmailMode } from './voicemail-mail.ts';

export interface VoicemailNotifierOptions {
  store: Store;
  box: VoicemailStore;
  smtp: SmtpTarget;
  from: string;
  logger: Logger;
  /** First retry after a failure; doubled up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Older pending messages are given up (a day by default). */
  giveUpMs?: number;
}

type Owner = { email: string; vmEmail: number };

export class VoicemailNotifier {
  private readonly unsubscribe: () => void;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly sending = new Set<string>();
  private closed = false;

  constructor(private readonly o: VoicemailNotifierOptions) {
    this.unsubscribe = o.store.events.subscribe((e) => {
      if (e.type === 'voicemail.message') this.attempt((e as PbxEvent<'voicemail.message'>).payload.message, 0);
    });
  }

  /** Mails what a previous run left pending. */
  async start(): Promise<void> {
    const since = new Date(Date.now() - (this.o.giveUpMs ?? 86_400_000)).toISOString();
    const rows = await this.o.store.db.selectFrom('voicemailMessages').selectAll().where('notifiedAt', 'is', null).where('createdAt', '>=', since).execute();
    for (const r of rows) {
      this.attempt({ id: r.id, extension: r.extension, callerNumber: r.callerNumber, callerName: r.callerName, callId: r.callId, durationMs: r.durationMs, heard: r.heard === 1, createdAt: r.createdAt }, 0);
    }
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private attempt(message: VoicemailMessage, failures: number): void {
    if (this.closed || this.sending.has(message.id)) return;
    this.sending.add(message.id);
    this.send(message)
      .then(() => undefined)
      .catch((err: unknown) => {
        const permanent = err instanceof SmtpError && err.code >= 500;
        const old = Date.now() - Date.parse(message.createdAt) > (this.o.giveUpMs ?? 86_400_000);
        if (permanent || old) {
          this.o.logger.error({ err, message: message.id, extension: message.extension }, 'voicemail e-mail given up');
          return this.mark(message.id, `failed ${new Date().toISOString()}`);
        }
        const wait = Math.min((this.o.retryMs ?? 1000) * 2 ** failures, this.o.maxRetryMs ?? 600_000);
        this.o.logger.warn({ err, message: message.id, retryInMs: wait }, 'voicemail e-mail not sent; retrying');
        const timer = setTimeout(() => {
          this.timers.delete(message.id);
          this.attempt(message, failures + 1);
        }, wait);
        timer.unref();
        this.timers.set(message.id, timer);
        return undefined;
      })
      .catch((err: unknown) => this.o.logger.error({ err }, 'voicemail e-mail bookkeeping failed'))
      .finally(() => this.sending.delete(message.id));
  }

  private async send(message: VoicemailMessage): Promise<void> {
    const owner = (await this.o.store.extensions.find(message.extension)) as Owner | undefined;
    const mode = (owner?.vmEmail ?? 0) as VoicemailEmailMode;
    // Nobody to tell: marked, so later starts do not look at it again.
    if (!owner || mode === 0 || owner.email === '') return this.mark(message.id, `not mailed ${new Date().toISOString()}`);
    // Not this node's message (another node's data directory): that node mails it.
    const file = await this.o.box.file(message.extension, message.id).catch(() => undefined);
    if (!file) return;
    const audio = mode >= 2 ? { name: file.name, data: await readFile(file.path) } : undefined;
    const text = composeVoicemailMail({ from: this.o.from, to: owner.email, host: this.o.smtp.helo, message, ...(audio ? { audio } : {}) });
    await sendMail(this.o.smtp, { from: this.o.from, to: [owner.email] }, text);
    await this.mark(message.id, new Date().toISOString());
    this.o.logger.info({ message: message.id, extension: message.extension, mode }, 'voicemail e-mailed');
    if (mode === 3) await this.o.box.remove(message.extension, message.id);
  }

  private async mark(id: string, at: string): Promise<void> {
    await this.o.store.db.updateTable('voicemailMessages').set({ notifiedAt: at }).where('id', '=', id).execute();
  }
}
