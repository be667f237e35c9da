// Reading the directory for the TCXWebAPI: whole lists, one entity, and the
// live state of an extension (registered, busy, queue log-in) from devices and
// calls. Shared by the command families of this dialect.
import type { DirectoryCollection, PbxControl, Record_ } from '../../core/pbx-control.ts';
import { PbxError } from '../../core/errors.ts';
import type { CallInfo } from '../../core/calls.ts';
import { loggedInName, type ExtensionState } from './render.ts';
import { JsonText } from './commands.ts';

/** Every item of a collection, page by page (the store caps a page at 1000). */
export async function listAll(coll: DirectoryCollection, filters?: Record<string, string>): Promise<Record_[]> {
  const out: Record_[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await coll.list({ limit: 1000, offset, ...(filters ? { filters } : {}) });
    out.push(...page.items);
    if (out.length >= page.total || page.items.length === 0) return out;
  }
}

// The store hands out the same frozen page until the directory changes, so a
// list rendered from it can be serialized once and reused.
const rendered = new WeakMap<object, WeakMap<(r: Record_) => unknown, JsonText>>();

/** A whole collection rendered item by item, as JSON text cached per store page. */
export async function renderedList(coll: DirectoryCollection, render: (r: Record_) => unknown): Promise<JsonText> {
  const page = await coll.list({ limit: 1000, offset: 0 });
  if (page.total > page.items.length || !Object.isFrozen(page)) return new JsonText(JSON.stringify((await listAll(coll)).map(render)));
  let byRender = rendered.get(page);
  if (!byRender) rendered.set(page, (byRender = new WeakMap()));
  let text = byRender.get(render);
  if (!text) byRender.set(render, (text = new JsonText(JSON.stringify(page.items.map(render)))));
  return text;
}

export async function extensionGroupByName(control: PbxControl, name: string): Promise<Record_> {
  const page = await control.directory.extensionGroups.list({ q: name, limit: 1000 });
  const g = page.items.find((i) => i.name === name);
  if (!g) throw new PbxError('SB_NOT_FOUND', `extension group "${name}" does not exist`);
  return g;
}

/** Numbers taking part in a live call (ringing, talking or held). */
export function busyNumbers(calls: CallInfo[]): Set<string> {
  const busy = new Set<string>();
  for (const c of calls) for (const p of c.participants) if (p.status !== 'Ended') busy.add(p.dn);
  return busy;
}

export interface LiveView {
  registered: Set<string>;
  busy: Set<string>;
  queues: Record_[];
}

export async function liveView(control: PbxControl): Promise<LiveView> {
  const [devices, queues] = await Promise.all([control.devices.list(), listAll(control.directory.queues)]);
  return { registered: new Set(devices.map((d) => d.extension)), busy: busyNumbers(control.calls.list()), queues };
}

/**
 * The live view of one extension (ext.state.get): only its own devices are
 * looked up; listing every registered phone (converted and sorted) for each
 * request grew with the size of the PBX.
 */
export async function liveViewOf(control: PbxControl, num: string): Promise<LiveView> {
  const [devices, queues] = await Promise.all([control.devices.list(num), listAll(control.directory.queues)]);
  const busy = control.calls.list().some((c) => c.participants.some((p) => p.dn === num && p.status !== 'Ended'));
  return { registered: new Set(devices.length > 0 ? [num] : []), busy: new Set(busy ? [num] : []), queues };
}

type Agent = { extension: string; loggedIn: boolean };
export const agentsOf = (queue: Record_): Agent[] => (queue.agents as Agent[] | undefined) ?? [];

export function extensionState(e: Record_, view: LiveView): ExtensionState {
  const num = String(e.number);
  return {
    num,
    registered: view.registered.has(num),
    status: view.busy.has(num) ? 'Busy' : 'Free',
    fwdName: String(e.forwardingProfile),
    qGlobalStatus: loggedInName(e.queueGlobalLoggedIn === true),
    qStatus: view.queues.flatMap((q) => agentsOf(q).filter((a) => a.extension === num).map((a) => ({ num: String(q.number), status: loggedInName(a.loggedIn) }))),
  };
}
