// What an internal number is. Extensions, ring groups, queues, IVRs and route points share
// one number space (src/core/directory/common.ts), so a number names at most
// one of them.
import { PbxError } from '../../core/errors.ts';
import type { Store } from '../../store/index.ts';
import type { EntityStore } from '../../store/entity-store.ts';
import type { Destination } from '../../core/directory/common.ts';
import type { ForwardingRule } from '../../core/directory/extension.ts';
import { featureCode, type FeatureCodeEntry } from './feature-codes.ts';

export interface ExtensionEntry {
  kind: 'extension';
  number: string;
  firstName: string;
  lastName: string;
  enabled: boolean;
  dnd: boolean;
  allowExternal: boolean;
  outboundCallerId: string;
  noAnswerTimeout: number;
  forwardingProfile: string;
  forwarding: ForwardingRule[];
}

export interface RingGroupEntry {
  kind: 'ringGroup';
  number: string;
  name: string;
  strategy: 'hunt' | 'ringAll' | 'paging';
  ringTime: number;
  noAnswer: Destination;
  members: string[];
}

export interface OtherEntry {
  kind: 'queue' | 'ivr';
  number: string;
  name: string;
}

export interface RoutePointEntry {
  kind: 'routePoint';
  number: string;
  name: string;
  noAppTimeout: number;
  fallback: Destination;
}

export type DialPlanEntry = ExtensionEntry | RingGroupEntry | OtherEntry | RoutePointEntry | FeatureCodeEntry;

async function tryGet(es: EntityStore, key: string): Promise<Record<string, unknown> | undefined> {
  try {
    return await es.get(key);
  } catch (err) {
    if (err instanceof PbxError && err.code === 'SB_NOT_FOUND') return undefined;
    throw err;
  }
}

export class DialPlan {
  constructor(private readonly store: Store) {}

  async extension(number: string): Promise<ExtensionEntry | undefined> {
    const e = await tryGet(this.store.extensions, number);
    return e ? ({ ...e, kind: 'extension' } as unknown as ExtensionEntry) : undefined;
  }

  /** An IVR menu's row (prompt, options, timeout, retries). */
  async ivr(number: string): Promise<Record<string, unknown> | undefined> {
    return tryGet(this.store.ivrs, number);
  }

  /** The directory entry an internal number names, if any. */
  async lookup(number: string): Promise<DialPlanEntry | undefined> {
    const code = featureCode(number);
    if (code) return code;
    if (!/^[0-9]{2,10}$/.test(number)) return undefined;
    const ext = await this.extension(number);
    if (ext) return ext;
    const rg = await tryGet(this.store.ringGroups, number);
    if (rg) return { ...rg, kind: 'ringGroup' } as unknown as RingGroupEntry;
    const q = await tryGet(this.store.queues, number);
    if (q) return { kind: 'queue', number, name: String(q.name ?? '') };
    const ivr = await tryGet(this.store.ivrs, number);
    if (ivr) return { kind: 'ivr', number, name: String(ivr.name ?? '') };
    const rp = await tryGet(this.store.routePoints, number);
    if (rp) return { ...rp, kind: 'routePoint' } as unknown as RoutePointEntry;
    return undefined;
  }
}
