// API keys: random, shown once, stored only as a SHA-256 hash. A key carries
// 192 bits of randomness, so a fast hash is enough (no password stretching
// needed: there is nothing to guess), and lookup is one indexed read.
import { randomBytes, createHash } from 'node:crypto';
import type { CompiledQuery, Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, Database } from './schema.ts';
import { isRole, type Role } from '../core/roles.ts';
import type { KeyInfo } from '../core/pbx-control.ts';
import { PbxError, notFound, isStoreUnavailable } from '../core/errors.ts';

export type ApiKeyInfo = KeyInfo;

export interface CreatedKey extends ApiKeyInfo {
  /** The secret itself: returned once, never stored. */
  key: string;
}

// Not the one-shot crypto.hash: faster alone, but under the webapi bench on
// Node 20 the young generation promoted ~7× more bytes with it (its digests
// survived scavenges), so GC took back more than the hashing saved.
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

// How often last_used_at is written for a busy key: once a minute is plenty
// for an audit column and keeps the hot path free of writes.
const LAST_USED_RESOLUTION_MS = 60_000;
// While the database is unreachable, a key verified against it this recently
// is still accepted, so operators keep /metrics and the live views (calls,
// registrations: memory, not the database) through an outage. Nothing can be
// revoked on a database nobody reaches, so the only key this lets in is one
// revoked in the last few minutes before the outage.
const OUTAGE_GRACE_MS = 5 * 60_000;
const OUTAGE_GRACE_KEYS = 10_000;

type KeyRow = Selectable<ApiKeysTable>;

export class ApiKeys {
  private readonly lastWritten = new Map<string, number>();
  /** Hash → the key's identity and when the database last confirmed it. */
  private readonly confirmed = new Map<string, { info: ApiKeyInfo; at: number }>();
  /**
   * Hash → the key as read from the database in this turn of the event loop.
   * Every request of one turn (the sockets one poll found ready, all of which
   * had arrived before the read was sent) shares it; the map is emptied at the
   * end of the turn, so the next request reads the database again and a key
   * revoked anywhere (this process, another node, the CLI) is refused from the
   * first turn after the revocation commits. A busy key costs one indexed read
   * per turn instead of one per request. See the store's README, "API keys".
   */
  private readonly turnReads = new Map<string, Promise<ApiKeyInfo | undefined>>();
  /** Compiled once; each read swaps in its hash (building and compiling it was half of verify's time). */
  private readonly byHash: CompiledQuery;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.byHash = db.selectFrom('apiKeys').selectAll().where('hash', '=', '').compile();
  }

  private readThisTurn(hash: string): Promise<ApiKeyInfo | undefined> {
    let read = this.turnReads.get(hash);
    if (read) return read;
    read = this.read(hash);
    if (this.turnReads.size === 0) setImmediate(() => this.turnReads.clear());
    this.turnReads.set(hash, read);
    return read;
  }

  private async read(hash: string): Promise<ApiKeyInfo | undefined> {
    const row = (await this.db.executeQuery<KeyRow>({ ...this.byHash, parameters: [hash] })).rows[0];
    if (!row || row.revokedAt !== null || !isRole(row.role)) return undefined;
    const now = this.now();
    const last = this.lastWritten.get(row.id) ?? 0;
    if (now.getTime() - last > LAST_USED_RESOLUTION_MS) {
      this.lastWritten.set(row.id, now.getTime());
      await this.db.updateTable('apiKeys').set({ lastUsedAt: now.toISOString() }).where('id', '=', row.id).execute();
    }
    const { hash: _hash, ...rest } = row;
    // Shared by the requests of this turn.
    const info: ApiKeyInfo = Object.freeze({ ...rest, role: row.role });
    if (this.confirmed.size >= OUTAGE_GRACE_KEYS) this.confirmed.clear();
    this.confirmed.set(hash, { info, at: now.getTime() });
    return info;
  }

  async create(role: string, label = '', extension: string | null = null): Promise<CreatedKey> {
    if (!isRole(role)) throw new PbxError('SB_VALIDATION', `role must be read, control or admin, not "${role}"`);
    if (label.length > 100) throw new PbxError('SB_VALIDATION', 'label is longer than 100 characters');
    // A key acts for an extension, or for a route point (its application's DN, seed 001).
    if (extension !== null && !(await this.db.selectFrom('extensions').select('number').where('number', '=', extension).executeTakeFirst()) && !(await this.db.selectFrom('routePoints').select('number').where('number', '=', extension).executeTakeFirst())) {
      throw new PbxError('SB_BAD_REFERENCE', `extension or route point ${extension} does not exist`);
    }
    const id = randomBytes(6).toString('hex');
    const key = `sb_${id}_${randomBytes(24).toString('base64url')}`;
    const row = { id, label, role, hash: hashKey(key), extension, createdAt: this.now().toISOString(), lastUsedAt: null, revokedAt: null };
    await this.db.insertInto('apiKeys').values(row).execute();
    return { id, label, role, extension, createdAt: row.createdAt, lastUsedAt: null, revokedAt: null, key };
  }

  /** Returns the key's identity, or undefined for an unknown or revoked key. */
  async verify(key: string): Promise<ApiKeyInfo | undefined> {
    if (key.length < 10 || key.length > 200) return undefined;
    const hash = hashKey(key);
    let info;
    try {
      info = await this.readThisTurn(hash);
    } catch (err) {
      const known = this.confirmed.get(hash);
      if (isStoreUnavailable(err) && known && this.now().getTime() - known.at < OUTAGE_GRACE_MS) return known.info;
      throw err;
    }
    if (!info) this.confirmed.delete(hash);
    return info;
  }

  async list(): Promise<ApiKeyInfo[]> {
    const rows = await this.db.selectFrom('apiKeys').select(['id', 'label', 'role', 'extension', 'createdAt', 'lastUsedAt', 'revokedAt']).orderBy('createdAt').execute();
    return rows.map((r) => ({ ...r, role: r.role as Role }));
  }

  async revoke(id: string): Promise<ApiKeyInfo> {
    const row = await this.db.selectFrom('apiKeys').select('id').where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('API key', id);
    await this.db.updateTable('apiKeys').set({ revokedAt: this.now().toISOString() }).where('id', '=', id).where('revokedAt', 'is', null).execute();
    // Refused at once here, even by a request later in this same turn.
    this.turnReads.clear();
    for (const [hash, c] of this.confirmed) if (c.info.id === id) this.confirmed.delete(hash);
    const info = (await this.list()).find((k) => k.id === id);
    return info as ApiKeyInfo;
  }

  async count(): Promise<number> {
    const r = (await this.db.selectFrom('apiKeys').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst()) as { n: number | string } | undefined;
    return Number(r?.n ?? 0);
  }
}
