// Seed 000 directory and state readers: all.*.get, ext.*.get, statuses.get and
// the queue, ring-group and extension-group membership readers. All need only
// a read key.
import { Type } from 'typebox';
import { PbxError } from '../../core/errors.ts';
import type { Record_ } from '../../core/pbx-control.ts';
import { GROUP_ROLES } from '../../core/directory/extension-group.ts';
import type { CommandTable } from './commands.ts';
import { params, NoParams, NumParams, Num, GroupName } from './schemas.ts';
import { renderExtensionSummary, renderExtensionInfo, renderDevice } from './render.ts';
import { listAll, renderedList, liveView, liveViewOf, extensionState, agentsOf, extensionGroupByName } from './directory-read.ts';

type Member = { extension: string; role: number };

const renderGroup = (g: Record_) => ({ num: g.number, name: g.name, strategy: g.strategy, members: g.members });
const renderQueue = (q: Record_) => ({ num: q.number, name: q.name, pollingStrategy: q.pollingStrategy });
const renderIvr = (i: Record_) => ({ num: i.number, name: i.name });
// Trunks: never credentials.
const renderLine = (t: Record_) => ({ id: t.id, name: t.name, host: t.host, port: t.port, mainNumber: t.mainNumber, enabled: t.enabled });
const renderExtensionGroup = (g: Record_) => ({ id: g.id, name: g.name, count: (g.members as Member[]).length });

export const directoryCommands: CommandTable = {
  'all.ext.get': {
    role: 'read',
    params: NoParams,
    run: (c) => renderedList(c.directory.extensions, renderExtensionSummary),
  },
  'all.registered.get': {
    role: 'read',
    params: NoParams,
    run: async (c) => {
      const registered = new Set((await c.devices.list()).map((d) => d.extension));
      return (await listAll(c.directory.extensions)).filter((e) => registered.has(String(e.number))).map(renderExtensionSummary);
    },
  },
  'all.group.get': {
    role: 'read',
    params: NoParams,
    run: (c) => renderedList(c.directory.ringGroups, renderGroup),
  },
  'all.queue.get': {
    role: 'read',
    params: NoParams,
    run: (c) => renderedList(c.directory.queues, renderQueue),
  },
  'all.ivr.get': {
    role: 'read',
    params: NoParams,
    run: (c) => renderedList(c.directory.ivrs, renderIvr),
  },
  'all.line.get': {
    role: 'read',
    params: NoParams,
    run: (c) => renderedList(c.directory.trunks, renderLine),
  },
  'all.extgroup.get': {
    role: 'read',
    params: NoParams,
    run: (c) => renderedList(c.directory.extensionGroups, renderExtensionGroup),
  },
  'ext.info.get': {
    role: 'read',
    params: NumParams,
    run: async (c, p) => renderExtensionInfo(await c.directory.extensions.get(String(p.num))),
  },
  'ext.state.get': {
    role: 'read',
    params: NumParams,
    run: async (c, p) => {
      const num = String(p.num);
      return extensionState(await c.directory.extensions.get(num), await liveViewOf(c, num));
    },
  },
  'statuses.get': {
    role: 'read',
    params: NoParams,
    run: async (c) => {
      const [exts, view] = await Promise.all([listAll(c.directory.extensions), liveView(c)]);
      return exts.map((e) => extensionState(e, view));
    },
  },
  'ext.devices.get': {
    role: 'read',
    params: NumParams,
    run: async (c, p) => (await c.devices.list(String(p.num))).map(renderDevice),
  },
  'queue.members.get': {
    role: 'read',
    params: NumParams,
    run: async (c, p) => agentsOf(await c.directory.queues.get(String(p.num))).map((a) => a.extension),
  },
  'queue.managers.get': {
    role: 'read',
    params: NumParams,
    run: async (c, p) => (await c.directory.queues.get(String(p.num))).managers,
  },
  // Live agent states from the ACD (src/engine/acd): free = would be offered the next call.
  'queue.free.get': {
    role: 'read',
    params: NumParams,
    run: async (c, p) => (await c.queues.status(String(p.num))).agents.filter((a) => a.state === 'free').map((a) => a.extension),
  },
  'queue.talk.get': {
    role: 'read',
    params: NumParams,
    run: async (c, p) => (await c.queues.status(String(p.num))).agents.filter((a) => a.state === 'busy').map((a) => a.extension),
  },
  'queue.isfree.get': {
    role: 'read',
    params: NumParams,
    run: async (c, p) => (await c.queues.status(String(p.num))).agents.some((a) => a.state === 'free'),
  },
  'group.members.get': {
    role: 'read',
    params: NumParams,
    run: async (c, p) => (await c.directory.ringGroups.get(String(p.num))).members,
  },
  'group.free.get': {
    role: 'read',
    params: NumParams,
    run: async (c, p) => {
      const g = await c.directory.ringGroups.get(String(p.num));
      const view = await liveView(c);
      return (g.members as string[]).filter((m) => view.registered.has(m) && !view.busy.has(m));
    },
  },
  'extgroup.members.get': {
    role: 'read',
    params: params({ name: GroupName, role: Type.Optional(Type.Integer({ minimum: 0, maximum: 1 })) }),
    run: async (c, p) => {
      const g = await extensionGroupByName(c, String(p.name));
      return (g.members as Member[]).map((m) => (p.role === 1 ? `${m.extension}@${String(m.role)}` : m.extension));
    },
  },
  'extgroup.member.role': {
    role: 'read',
    params: params({ name: GroupName, num: Num }),
    run: async (c, p) => {
      const g = await extensionGroupByName(c, String(p.name));
      const m = (g.members as Member[]).find((x) => x.extension === p.num);
      if (!m) throw new PbxError('SB_NOT_FOUND', `extension ${String(p.num)} is not a member of "${String(p.name)}"`);
      return { num: m.extension, roleId: m.role, role: GROUP_ROLES[m.role] ?? 'users' };
    },
  },
};
