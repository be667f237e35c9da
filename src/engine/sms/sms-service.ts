// The SMS queue behind seed 003's sendSMS: a message is written to the store
// before it is acknowledged, sent over SMPP when the gateway is bound (after
// a restart too), retried while the gateway is down or throttles, and every
// change of its state is one `sms.updated` event. Delivery receipts find the
// message by the SMSC message_id of each part.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Selectable } from 'kysely';
import type { Logger } from 'pino';
import type { Store } from '../../store/index.ts';
import type { SmsMessagesTable } from '../../store/schema.ts';
import type { SmsAccepted } from '../../core/pbx-control.ts';
import { STATUS } from './smpp-pdu.ts';
import { ESM_UDHI } from './smpp-pdu.ts';
import type { SmppClient } from './smpp-client.ts';
import { smsCdrRow, smsDisposition } from './sms-cdr.ts';
import { smsParts } from './sms-parts.ts';
import { isFinal, type DeliveryReceipt, type SmsStatus } from './delivery-receipt.ts';

export interface SmsServiceOptions {
  /** Prefix that makes the nine-digit national number international (seed 003 reports `48XXXXXXXXX`). */
  countryCode: string;
  /** Sender shown to the recipient: digits (an international number) or up to 11 letters. */
  sender: string;
  /** Wait before a message is tried again after the gateway was down or busy. */
  retryMs?: number;
  now?: () => Date;
}

/** §5.1.3 statuses that mean "try again later", not "this message is wrong". */
const TRANSIENT = new Set<number>([STATUS.ESME_RMSGQFUL, STATUS.ESME_RTHROTTLED]);

/** A 19-digit decimal id, as seed 003's responseId ("3421756012963258480"). */
function newId(): string {
  const n = randomBytes(8).readBigUInt64BE() % 9_000_000_000_000_000_000n;
  return String(n + 1_000_000_000_000_000_000n);
}

/** How long a node may hold a message it is sending; far above one SMPP round trip. */
const LEASE_MS = 60_000;

export class SmsService {
  /** This process, as the holder of the messages it leases. */
  readonly owner = `${hostname()}:${String(process.pid)}:${randomBytes(4).toString('hex')}`;
  private stopping = false;
  private pumping: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly retryMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly store: Store,
    private readonly client: SmppClient,
    private readonly opts: SmsServiceOptions,
    private readonly log: Logger,
  ) {
    this.retryMs = opts.retryMs ?? 5000;
    this.now = opts.now ?? (() => new Date());
  }

  start(): void {
    this.client.on('bound', () => this.kick());
    this.client.on('receipt', (r) => void this.onReceipt(r).catch((err: unknown) => this.log.error({ err }, 'sms receipt failed')));
    this.client.start();
    this.timer = setInterval(() => this.kick(), this.retryMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.pumping;
    await this.client.stop();
  }

  /** Stores the message (the acceptance is durable once this resolves) and queues it. */
  async accept(to: string, body: string, test: boolean): Promise<SmsAccepted> {
    const id = newId();
    const at = this.now().toISOString();
    await this.store.db.transaction().execute(async (trx) => {
      await trx.insertInto('smsMessages').values({ id, to, body, test: test ? 1 : 0, status: 'QUEUE', error: '', attempts: 0, nextAttemptAt: at, createdAt: at, updatedAt: at }).execute();
      // Seed 003 §2.3: "responseId is also written to the CDR row's uniqueid",
      // so the billing row of the message can be found from it.
      await trx.insertInto('cdr').values(smsCdrRow(id, this.opts.sender, this.international(to), smsParts(body, 0).length, at)).execute();
    });
    await this.announce(id, to, 'QUEUE', '');
    this.kick();
    return { id, status: 'QUEUE', error: null };
  }

  private kick(): void {
    if (this.stopping) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        await this.pump().catch((err: unknown) => this.log.error({ err }, 'sms queue failed'));
      } while (this.again);
    })().finally(() => {
      this.pumping = undefined;
    });
  }

  /**
   * Sends what is due, oldest first; a test message is never sent, it stops at
   * STOP. Several nodes share one queue: each message is leased first (on
   * PostgreSQL with SKIP LOCKED, so two nodes never take the same one), sent by
   * the node that holds it, and given back after its attempt; a node that died
   * holding one loses it when the lease runs out.
   */
  private async pump(): Promise<void> {
    const due = await this.claim(this.client.bound);
    try {
      for (const m of due) {
        if (this.stopping) break;
        if (m.test === 1) await this.setStatus(m.id, m.to, 'STOP', 'test message: not sent');
        else if (this.client.bound) await this.send(m.id, m.to, m.body, m.attempts);
        await this.release([m.id]);
      }
    } finally {
      await this.release(due.map((m) => m.id));
    }
  }

  /** Leases up to 100 due messages (only test messages while the gateway is not bound). */
  private async claim(bound: boolean): Promise<Selectable<SmsMessagesTable>[]> {
    const now = this.now();
    const nowIso = now.toISOString();
    let due = this.store.db
      .selectFrom('smsMessages')
      .select('id')
      .where('status', 'in', ['QUEUE', 'RENEWAL'])
      .where('nextAttemptAt', '<=', nowIso)
      .where((eb) => eb.or([eb('leaseUntil', 'is', null), eb('leaseUntil', '<', nowIso)]))
      .orderBy('createdAt')
      .limit(100);
    if (!bound) due = due.where('test', '=', 1);
    if (this.store.dialect === 'postgres') due = due.forUpdate().skipLocked();
    const rows = await this.store.db
      .updateTable('smsMessages')
      .set({ leaseOwner: this.owner, leaseUntil: new Date(now.getTime() + LEASE_MS).toISOString() })
      .where('id', 'in', due)
      .returningAll()
      .execute();
    return rows.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }

  private async release(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.store.db.updateTable('smsMessages').set({ leaseOwner: '', leaseUntil: null }).where('id', 'in', ids).where('leaseOwner', '=', this.owner).execute();
  }

  private async send(id: string, to: string, body: string, attempts: number): Promise<void> {
    // The concatenation reference comes from the id, so a retry resends the same parts.
    const parts = smsParts(body, Number(BigInt(id) % 256n));
    const sent = new Set((await this.store.db.selectFrom('smsParts').select('part').where('messageId', '=', id).execute()).map((r) => r.part));
    const sender = /^[0-9]{1,15}$/.test(this.opts.sender) ? { sourceTon: 1, sourceNpi: 1 } : { sourceTon: 5, sourceNpi: 0 };
    for (const [i, part] of parts.entries()) {
      if (sent.has(i + 1)) continue;
      let result: { status: number; messageId: string };
      try {
        result = await this.client.submit({
          serviceType: '',
          ...sender,
          source: this.opts.sender,
          destTon: 1,
          destNpi: 1,
          destination: this.international(to),
          esmClass: part.udh ? ESM_UDHI : 0,
          // §5.2.17: ask for a receipt of the final outcome, success or failure.
          registeredDelivery: 1,
          dataCoding: part.dataCoding,
          message: part.octets,
        });
      } catch (err) {
        await this.retryLater(id, to, attempts, (err as Error).message);
        return;
      }
      if (TRANSIENT.has(result.status)) {
        await this.retryLater(id, to, attempts, `SMSC busy (status 0x${result.status.toString(16)})`);
        return;
      }
      if (result.status !== STATUS.ESME_ROK) {
        await this.setStatus(id, to, 'FAILED', `SMSC refused the message (status 0x${result.status.toString(16)})`);
        return;
      }
      await this.store.db.insertInto('smsParts').values({ messageId: id, part: i + 1, smscId: result.messageId, status: 'SENT' }).execute();
    }
    // Receipts for early parts may already have moved the message on (to DELIVERED, say).
    const now = await this.store.db.selectFrom('smsMessages').select('status').where('id', '=', id).executeTakeFirst();
    if (now?.status === 'QUEUE' || now?.status === 'RENEWAL') await this.setStatus(id, to, 'SENT', '');
  }

  private async retryLater(id: string, to: string, attempts: number, reason: string): Promise<void> {
    const next = new Date(this.now().getTime() + this.retryMs).toISOString();
    await this.store.db.updateTable('smsMessages').set({ attempts: attempts + 1, nextAttemptAt: next, error: reason }).where('id', '=', id).execute();
    // §2.3.5 RENEWAL: an attempt did not go through and will be repeated.
    if (attempts === 0) await this.setStatus(id, to, 'RENEWAL', reason);
  }

  private async onReceipt(r: DeliveryReceipt, tries = 0): Promise<void> {
    const part = await this.store.db.selectFrom('smsParts').selectAll().where('smscId', '=', r.messageId).executeTakeFirst();
    if (!part) {
      // A receipt can arrive in the same TCP segment as the submit_sm_resp it
      // refers to, before that part's row is written: look again shortly.
      if (tries < 20) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return this.onReceipt(r, tries + 1);
      }
      this.log.info({ smscId: r.messageId }, 'delivery receipt for no message of ours');
      return;
    }
    await this.store.db.updateTable('smsParts').set({ status: r.status }).where('messageId', '=', part.messageId).where('part', '=', part.part).execute();
    const msg = await this.store.db.selectFrom('smsMessages').selectAll().where('id', '=', part.messageId).executeTakeFirst();
    if (!msg) return;
    const all = (await this.store.db.selectFrom('smsParts').select('status').where('messageId', '=', msg.id).execute()).map((p) => p.status as SmsStatus);
    const total = smsParts(msg.body, 0).length;
    // A message is delivered when every part is; the first part that failed names the failure.
    const failed = all.find((s) => isFinal(s) && s !== 'DELIVERED');
    const status: SmsStatus = failed ?? (all.length === total && all.every((s) => s === 'DELIVERED') ? 'DELIVERED' : all.includes('ACCEPTED') ? 'ACCEPTED' : 'SENT');
    // While parts are still being submitted, send() says SENT once they all are.
    if (status === 'SENT' && (msg.status === 'QUEUE' || msg.status === 'RENEWAL')) return;
    if (status !== msg.status) await this.setStatus(msg.id, msg.to, status, r.error === '' || r.error === '000' ? '' : `err:${r.error}`, true);
  }

  /**
   * `onlyOnChange`: receipts for the parts of one message are handled
   * concurrently, and each may see the status before the others wrote it; the
   * conditional update lets exactly one of them announce the change.
   */
  private async setStatus(id: string, to: string, status: SmsStatus, error: string, onlyOnChange = false): Promise<void> {
    let q = this.store.db.updateTable('smsMessages').set({ status, error, updatedAt: this.now().toISOString() }).where('id', '=', id);
    if (onlyOnChange) q = q.where('status', '!=', status);
    const [res] = await q.execute();
    if (onlyOnChange && Number(res?.numUpdatedRows ?? 0n) === 0) return;
    await this.store.db.updateTable('cdr').set({ disposition: smsDisposition(status) }).where('uniqueid', '=', id).execute();
    await this.announce(id, to, status, error);
  }

  private async announce(id: string, to: string, status: SmsStatus, error: string): Promise<void> {
    await this.store.events.append('sms.updated', { id, to: this.international(to), status, error });
  }

  private international(to: string): string {
    return `${this.opts.countryCode}${to}`;
  }
}
