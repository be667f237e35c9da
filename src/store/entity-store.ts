// One CRUD engine for every directory entity. Each entity is described by an
// EntityMapping (src/store/directory/*.ts): how its API shape maps onto a row
// and child rows, which fields are secret, what it refers to. Every write runs
// in one transaction and checks references first, so a rejected request
// changes nothing.
import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { PbxError, notFound, conflict, badReference, invalid } from '../core/errors.ts';
import { INTERNAL_DESTINATION_TYPES, type Destination } from '../core/directory/common.ts';
import type { Database } from './schema.ts';
import { DirectoryVersion } from './directory-version.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- the engine is generic over tables; mappings keep the types */
type AnyDb = Kysely<any> | Transaction<any>;
export type Entity = Record<string, unknown>;

export interface ChildMapping {
  field: string;
  table: string;
  parentColumn: string;
  orderBy?: string;
  toRows(value: unknown, key: string | number): Record<string, unknown>[];
  fromRows(rows: Record<string, any>[]): unknown;
}

export type ReferenceKind = 'extension' | 'internal' | 'trunk' | 'extensionGroup';
export interface Reference {
  path: string;
  kind: ReferenceKind;
  value: string | number;
}

export interface EntityMapping {
  /** Singular name used in messages and events, e.g. "extension". */
  name: string;
  table: keyof Database & string;
  key: string;
  keyKind: 'text' | 'serial';
  /** True when the key is a number of the shared dial plan. */
  dialPlanKey?: boolean;
  bools?: string[];
  json?: string[];
  /** API field → column prefix: noAnswer ↔ noAnswerType + noAnswerNumber. */
  destinations?: Record<string, string>;
  children?: ChildMapping[];
  secrets?: string[];
  /** Unique columns other than the key, reported as 409 when taken. */
  unique?: string[];
  /** Columns a list may filter on with ?column=value. */
  filters?: string[];
  /** Columns searched by ?q=. */
  search?: string[];
  /** Full defaults for a new entity (fields the client left out). */
  defaults(input: Entity): Entity;
  references?(entity: Entity): Reference[];
  /** Extra checks on the merged entity, e.g. rule consistency. */
  check?(entity: Entity): void;
  timestamps?: 'both' | 'created' | 'updated' | 'none';
}

export interface ListQuery {
  limit?: number;
  offset?: number;
  q?: string;
  filters?: Record<string, string>;
}

export interface ListResult<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

// The tables whose keys are dialable internal numbers.
const DIAL_PLAN_TABLES = ['extensions', 'ringGroups', 'queues', 'ivrs', 'routePoints'] as const;
const DIAL_PLAN_NAMES: Record<(typeof DIAL_PLAN_TABLES)[number], string> = { extensions: 'an extension', ringGroups: 'a ring group', queues: 'a queue', ivrs: 'an IVR', routePoints: 'a route point' };

export function randomSecret(bytes = 12): string {
  return randomBytes(bytes).toString('base64url');
}

// Reads are cached per query and validated against directory_version, which
// every directory write bumps in its own transaction. A list of 100 wide rows
// costs about 1 ms to read from SQLite; the version check costs 20 µs.
const CACHE_LIMIT = 256;

export class EntityStore {
  private cacheVersion = -1;
  private readonly cache = new Map<string, unknown>();

  constructor(
    private readonly db: Kysely<Database>,
    readonly mapping: EntityMapping,
    private readonly version: DirectoryVersion = new DirectoryVersion(db),
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get any(): Kysely<any> {
    return this.db as unknown as Kysely<any>;
  }

  async list(query: ListQuery = {}, opts: { withSecrets?: boolean } = {}): Promise<ListResult<Entity>> {
    return this.cached(`list:${JSON.stringify([query, opts.withSecrets === true])}`, () => this.listUncached(query, opts));
  }

  private async listUncached(query: ListQuery, opts: { withSecrets?: boolean }): Promise<ListResult<Entity>> {
    const m = this.mapping;
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const offset = Math.max(query.offset ?? 0, 0);
    let base = this.any.selectFrom(m.table);
    for (const [col, value] of Object.entries(query.filters ?? {})) {
      if (!(m.filters ?? []).includes(col)) throw invalid(col, `cannot filter on ${col}`);
      base = base.where(col, '=', (m.bools ?? []).includes(col) ? (value === 'true' ? 1 : 0) : value);
    }
    if (query.q !== undefined && query.q !== '' && (m.search ?? []).length > 0) {
      const pattern = `%${query.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
      base = base.where((eb: any) => eb.or((m.search ?? []).map((c) => eb(eb.fn('lower', [eb.ref(c)]), 'like', pattern.toLowerCase()))));
    }
    const countRow = (await base.select((eb: any) => eb.fn.countAll().as('n')).executeTakeFirst()) as { n?: number | string } | undefined;
    const rows = await base.selectAll().orderBy(m.key).limit(limit).offset(offset).execute();
    const items = await this.hydrate(this.any, rows, opts.withSecrets ?? false);
    return { items, total: Number(countRow?.n ?? 0), limit, offset };
  }

  async get(key: string | number, opts: { withSecrets?: boolean } = {}): Promise<Entity> {
    const entity = await this.find(key, opts);
    if (!entity) throw notFound(this.mapping.name, key);
    return entity;
  }

  async find(key: string | number, opts: { withSecrets?: boolean } = {}): Promise<Entity | undefined> {
    return this.cached(`get:${String(key)}:${String(opts.withSecrets === true)}`, async () => {
      const row = await this.findRow(this.any, key);
      if (!row) return undefined;
      const [entity] = await this.hydrate(this.any, [row], opts.withSecrets ?? false);
      return entity;
    });
  }

  /** Results are frozen: they are shared by every caller until the directory changes. */
  private async cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const version = await this.version.read();
    if (version !== this.cacheVersion) {
      this.cache.clear();
      this.cacheVersion = version;
    }
    if (this.cache.has(key)) return this.cache.get(key) as T;
    const value = deepFreeze(await load());
    // A newer version seen while loading: what was loaded may be older than it.
    if (this.cacheVersion !== version) return value;
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, value);
    return value;
  }

  /** Every directory write goes through here: this process sees it at once. */
  private async written<T>(write: Promise<T>): Promise<T> {
    try {
      return await write;
    } finally {
      this.version.forget();
    }
  }

  private async bumpVersion(tx: Transaction<any>): Promise<void> {
    await tx.updateTable('directoryVersion').set((eb: any) => ({ version: eb('version', '+', 1) })).where('id', '=', 1).execute();
  }

  async create(input: Entity): Promise<Entity> {
    const m = this.mapping;
    return this.written(this.db.transaction().execute(async (trx) => {
      const tx = trx as unknown as Transaction<any>;
      const entity = { ...m.defaults(input), ...input };
      if (m.keyKind === 'text' && m.dialPlanKey === true) await this.assertNumberFree(tx, String(entity[m.key]));
      else if (m.keyKind === 'text' && (await this.findRow(tx, entity[m.key] as string))) throw conflict(m.name, entity[m.key] as string);
      await this.validate(tx, entity, undefined);
      const stamp = this.now().toISOString();
      const row = this.toRow(entity);
      if (m.timestamps !== 'none') {
        if (m.timestamps !== 'updated') row.createdAt = stamp;
        if (m.timestamps !== 'created') row.updatedAt = stamp;
      }
      if (m.keyKind === 'serial') delete row[m.key];
      const inserted = await this.guardUnique(() => tx.insertInto(m.table).values(row).returning(m.key).executeTakeFirstOrThrow());
      const key = inserted[m.key] as string | number;
      await this.writeChildren(tx, key, entity, true);
      await this.bumpVersion(tx);
      const [out] = await this.hydrate(tx, [(await this.findRow(tx, key)) as Record<string, any>], true);
      return out as Entity;
    }));
  }

  async patch(key: string | number, input: Entity): Promise<Entity> {
    const m = this.mapping;
    return this.written(this.db.transaction().execute(async (trx) => {
      const tx = trx as unknown as Transaction<any>;
      const row = await this.findRow(tx, key);
      if (!row) throw notFound(m.name, key);
      const [current] = await this.hydrate(tx, [row], true);
      const merged = { ...current, ...input, [m.key]: (current as Entity)[m.key] };
      await this.validate(tx, merged, current);
      const update = this.toRow(input);
      delete update[m.key];
      if (m.timestamps === 'both' || m.timestamps === 'updated' || m.timestamps === undefined) update.updatedAt = this.now().toISOString();
      if (Object.keys(update).length > 0) {
        await this.guardUnique(() => tx.updateTable(m.table).set(update).where(m.key, '=', (current as Entity)[m.key]).execute());
      }
      await this.writeChildren(tx, (current as Entity)[m.key] as string | number, input, false);
      await this.bumpVersion(tx);
      const [out] = await this.hydrate(tx, [(await this.findRow(tx, key)) as Record<string, any>], true);
      return out as Entity;
    }));
  }

  async remove(key: string | number): Promise<Entity> {
    const m = this.mapping;
    return this.written(this.db.transaction().execute(async (trx) => {
      const tx = trx as unknown as Transaction<any>;
      const row = await this.findRow(tx, key);
      if (!row) throw notFound(m.name, key);
      const [current] = await this.hydrate(tx, [row], false);
      if (m.dialPlanKey === true) await this.assertNotDestination(tx, String(key));
      try {
        await tx.deleteFrom(m.table).where(m.key, '=', row[m.key]).execute();
      } catch (err) {
        if (isForeignKeyViolation(err)) throw new PbxError('SB_IN_USE', `${m.name} ${String(key)} is still used elsewhere (e.g. by an outbound rule route)`);
        throw err;
      }
      await this.bumpVersion(tx);
      return current as Entity;
    }));
  }

  // --- mapping -----------------------------------------------------------

  private toRow(entity: Entity): Record<string, unknown> {
    const m = this.mapping;
    const childFields = new Set((m.children ?? []).map((c) => c.field));
    const row: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(entity)) {
      if (value === undefined || childFields.has(field) || field === 'createdAt' || field === 'updatedAt') continue;
      const prefix = m.destinations?.[field];
      if (prefix !== undefined) {
        const d = value as Destination;
        row[`${prefix}Type`] = d.type;
        row[`${prefix}Number`] = d.number;
      } else if ((m.bools ?? []).includes(field)) row[field] = value ? 1 : 0;
      else if ((m.json ?? []).includes(field)) row[field] = JSON.stringify(value);
      else row[field] = value;
    }
    return row;
  }

  private async hydrate(db: AnyDb, rows: Record<string, any>[], withSecrets: boolean): Promise<Entity[]> {
    const m = this.mapping;
    const out = rows.map((row) => {
      const e: Entity = {};
      for (const [col, value] of Object.entries(row)) {
        if ((m.bools ?? []).includes(col)) e[col] = value === 1 || value === true;
        else if ((m.json ?? []).includes(col)) e[col] = JSON.parse(String(value));
        else e[col] = value;
      }
      for (const [field, prefix] of Object.entries(m.destinations ?? {})) {
        e[field] = { type: row[`${prefix}Type`] || 'none', number: row[`${prefix}Number`] ?? '' };
        delete e[`${prefix}Type`];
        delete e[`${prefix}Number`];
      }
      if (!withSecrets) for (const s of m.secrets ?? []) delete e[s];
      return e;
    });
    if (rows.length === 0) return out;
    const keys = rows.map((r) => r[m.key]);
    for (const child of m.children ?? []) {
      let q = db.selectFrom(child.table).selectAll().where(child.parentColumn, 'in', keys);
      if (child.orderBy !== undefined) q = q.orderBy(child.orderBy);
      const childRows = await q.execute();
      const byParent = new Map<unknown, Record<string, any>[]>();
      for (const r of childRows) {
        const list = byParent.get(r[child.parentColumn]) ?? [];
        list.push(r);
        byParent.set(r[child.parentColumn], list);
      }
      out.forEach((e, i) => (e[child.field] = child.fromRows(byParent.get(keys[i]) ?? [])));
    }
    return out;
  }

  private async writeChildren(tx: Transaction<any>, key: string | number, entity: Entity, creating: boolean): Promise<void> {
    for (const child of this.mapping.children ?? []) {
      const value = entity[child.field];
      if (value === undefined) continue;
      if (!creating) await tx.deleteFrom(child.table).where(child.parentColumn, '=', key).execute();
      const rows = child.toRows(value, key);
      if (rows.length > 0) await this.guardUnique(() => tx.insertInto(child.table).values(rows).execute(), child.field);
    }
  }

  private async findRow(db: AnyDb, key: unknown): Promise<Record<string, any> | undefined> {
    const m = this.mapping;
    if (m.keyKind === 'serial' && !Number.isSafeInteger(Number(key))) return undefined;
    return db.selectFrom(m.table).selectAll().where(m.key, '=', m.keyKind === 'serial' ? Number(key) : key).executeTakeFirst();
  }

  // --- validation ----------------------------------------------------------

  private async validate(tx: Transaction<any>, entity: Entity, current: Entity | undefined): Promise<void> {
    const m = this.mapping;
    m.check?.(entity);
    const refs = [...(m.references?.(entity) ?? []), ...this.destinationReferences(entity)];
    for (const ref of refs) {
      if (!(await this.exists(tx, ref.kind, ref.value, m.dialPlanKey === true ? String(entity[m.key]) : undefined))) {
        const what = { extension: 'extension', internal: 'internal number', trunk: 'trunk', extensionGroup: 'extension group' }[ref.kind];
        throw badReference(ref.path, `${ref.path}: ${what} ${String(ref.value)} does not exist`);
      }
    }
    for (const col of m.unique ?? []) {
      const value = entity[col];
      if (value === undefined || (current !== undefined && current[col] === value)) continue;
      const taken = await tx.selectFrom(m.table).select(m.key).where(col, '=', value).executeTakeFirst();
      if (taken && (current === undefined || taken[m.key] !== current[m.key])) throw new PbxError('SB_CONFLICT', `${m.name} with ${col} ${String(value)} already exists`, [{ path: `/${col}`, message: 'taken' }]);
    }
  }

  private destinationReferences(entity: Entity): Reference[] {
    const refs: Reference[] = [];
    for (const field of Object.keys(this.mapping.destinations ?? {})) {
      refs.push(...destinationRefs(`/${field}`, entity[field] as Destination | undefined));
    }
    return refs;
  }

  private async exists(db: AnyDb, kind: ReferenceKind, value: string | number, selfNumber?: string): Promise<boolean> {
    switch (kind) {
      case 'extension':
        return (await db.selectFrom('extensions').select('number').where('number', '=', String(value)).executeTakeFirst()) !== undefined;
      case 'trunk':
        return (await db.selectFrom('trunks').select('id').where('id', '=', Number(value)).executeTakeFirst()) !== undefined;
      case 'extensionGroup':
        return (await db.selectFrom('extensionGroups').select('id').where('name', '=', String(value)).executeTakeFirst()) !== undefined;
      case 'internal':
        // A self-reference (an IVR option pointing back at its own menu) is allowed.
        if (String(value) === selfNumber) return true;
        for (const t of DIAL_PLAN_TABLES) {
          if (await db.selectFrom(t).select('number').where('number', '=', String(value)).executeTakeFirst()) return true;
        }
        return false;
    }
  }

  private async assertNumberFree(db: AnyDb, number: string): Promise<void> {
    for (const t of DIAL_PLAN_TABLES) {
      if (await db.selectFrom(t).select('number').where('number', '=', number).executeTakeFirst()) {
        throw new PbxError('SB_CONFLICT', `number ${number} is already used by ${DIAL_PLAN_NAMES[t]}`, [{ path: '/number', message: 'taken' }]);
      }
    }
  }

  /** Refuses to delete an internal number that a rule, menu or forwarding still sends calls to. */
  private async assertNotDestination(db: AnyDb, number: string): Promise<void> {
    const places: [string, string, string][] = [
      ['ringGroups', 'noAnswer', 'number'],
      ['queues', 'noAnswer', 'number'],
      ['ivrs', 'timeout', 'number'],
      ['ivrs', 'invalid', 'number'],
      ['routePoints', 'fallback', 'number'],
      ['inboundRules', 'inHours', 'name'],
      ['inboundRules', 'outOfHours', 'name'],
    ];
    const users: string[] = [];
    for (const [table, prefix, label] of places) {
      const rows = await db
        .selectFrom(table)
        .select(label)
        .where(`${prefix}Number`, '=', number)
        .where(`${prefix}Type`, 'in', [...INTERNAL_DESTINATION_TYPES])
        .execute();
      users.push(...rows.map((r: Record<string, unknown>) => `${table} ${String(r[label])}`));
    }
    const opts = await db.selectFrom('ivrOptions').select('ivr').where('destNumber', '=', number).where('destType', 'in', [...INTERNAL_DESTINATION_TYPES]).where('ivr', '!=', number).execute();
    users.push(...opts.map((r: Record<string, unknown>) => `ivrs ${String(r.ivr)}`));
    const fwd = await db.selectFrom('forwardingRules').select('extension').where('destNumber', '=', number).where('destType', 'in', [...INTERNAL_DESTINATION_TYPES]).where('extension', '!=', number).execute();
    users.push(...fwd.map((r: Record<string, unknown>) => `forwarding of extension ${String(r.extension)}`));
    if (users.length > 0) throw new PbxError('SB_IN_USE', `${number} is still a destination of ${[...new Set(users)].join(', ')}`);
  }

  private async guardUnique<T>(fn: () => Promise<T>, path?: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isUniqueViolation(err)) throw new PbxError('SB_CONFLICT', `${path ?? this.mapping.name}: duplicate value`, [{ path: `/${path ?? ''}`, message: 'duplicate' }]);
      if (isForeignKeyViolation(err)) throw badReference(`/${path ?? ''}`, `${path ?? this.mapping.name}: refers to something that does not exist`);
      throw err;
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function destinationRefs(path: string, d: Destination | undefined): Reference[] {
  if (d === undefined) return [];
  if (INTERNAL_DESTINATION_TYPES.has(d.type)) {
    if (d.number === '') throw invalid(`${path}/number`, `${path}: a ${d.type} destination needs a number`);
    return [{ path: `${path}/number`, kind: 'internal', value: d.number }];
  }
  if (d.type === 'external' && d.number === '') throw invalid(`${path}/number`, `${path}: an external destination needs a number`);
  return [];
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

function isForeignKeyViolation(err: unknown): boolean {
  const e = err as { code?: string };
  // SQLite reports ON DELETE RESTRICT as a trigger constraint; we define no triggers of our own.
  return e.code === '23503' || e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || e.code === 'SQLITE_CONSTRAINT_TRIGGER';
}
