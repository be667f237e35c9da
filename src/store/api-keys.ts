// API keys: random, shown once, stored only as a SHA-256 hash. A key carries
// 192 bits of randomness, so a fast hash is enough (no password stretching
// needed: there is nothing to guess), and lookup is one indexed read.
import { randomBytes, createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { isRole, type Role } from '../core/roles.ts';
import type { KeyInfo } from '../core/pbx-control.ts';
import { PbxError, notFound } from '../core/errors.ts';

export type ApiKeyInfo = KeyInfo;

export interface CreatedKey extends ApiKeyInfo {
  /** The secret itself: returned once, never stored. */
  key: string;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

// How often last_used_at is written for a busy key: once a minute is plenty
// for an audit column and keeps the hot path free of writes.
const LAST_USED_RESOLUTION_MS = 60_000;

export class ApiKeys {
  private readonly lastWritten = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date = () => new Date(),
  ) {}

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
    const row = await this.db.selectFrom('apiKeys').selectAll().where('hash', '=', hashKey(key)).executeTakeFirst();
    if (!row || row.revokedAt !== null || !isRole(row.role)) return undefined;
    const now = this.now();
    const last = this.lastWritten.get(row.id) ?? 0;
    if (now.getTime() - last > LAST_USED_RESOLUTION_MS) {
      this.lastWritten.set(row.id, now.getTime());
      await this.db.updateTable('apiKeys').set({ lastUsedAt: now.toISOString() }).where('id', '=', row.id).execute();
    }
    const { hash: _hash, ...info } = row;
    return { ...info, role: row.role };
  }

  async list(): Promise<ApiKeyInfo[]> {
    const rows = await this.db.selectFrom('apiKeys').select(['id', 'label', 'role', 'extension', 'createdAt', 'lastUsedAt', 'revokedAt']).orderBy('createdAt').execute();
    return rows.map((r) => ({ ...r, role: r.role as Role }));
  }

  async revoke(id: string): Promise<ApiKeyInfo> {
    const row = await this.db.selectFrom('apiKeys').select('id').where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('API key', id);
    await this.db.updateTable('apiKeys').set({ revokedAt: this.now().toISOString() }).where('id', '=', id).where('revokedAt', 'is', null).execute();
    const info = (await this.list()).find((k) => k.id === id);
    return info as ApiKeyInfo;
  }

  async count(): Promise<number> {
    const r = (await this.db.selectFrom('apiKeys').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst()) as { n: number | string } | undefined;
    return Number(r?.n ?? 0);
  }
}
