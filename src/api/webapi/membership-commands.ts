// Seed 000 membership editing (admin keys): ring-group members, queue agents
// and managers, and extension groups with the task-list syntax of
// extgroup.members.set.
import { Type } from 'typebox';
import { PbxError } from '../../core/errors.ts';
import type { PbxControl } from '../../core/pbx-control.ts';
import type { CommandTable } from './commands.ts';
import { params, Num, GroupName } from './schemas.ts';
import { agentsOf, extensionGroupByName, listAll } from './directory-read.ts';

const NumList = Type.String({ maxLength: 20000, pattern: '^([0-9]{2,10}(,[0-9]{2,10})*)?$', description: 'Comma-separated numbers; empty clears the list' });
const split = (s: unknown): string[] => (String(s) === '' ? [] : [...new Set(String(s).split(','))]);

// -*  +ext@role  -ext  ext@role  *@role  (seed 000)
const TASK = '(-\\*|\\+[0-9]{2,10}(@[0-9]+)?|-[0-9]{2,10}|[0-9]{2,10}@[0-9]+|\\*@[0-9]+)';
const TaskList = Type.String({ minLength: 1, maxLength: 20000, pattern: `^${TASK}(,${TASK})*$` });

type Member = { extension: string; role: number };
/** A role id outside 0–6 becomes 0 (seed 000: "a non-existent ID means role 0"). */
const roleOf = (s: string | undefined): number => {
  const n = s === undefined ? 0 : Number(s);
  return Number.isInteger(n) && n >= 0 && n <= 6 ? n : 0;
};

export interface TaskResult {
  members: Member[];
  added: string[];
  removed: string[];
  edited: string[];
}

/** Applies the tasks in order; a task that cannot be done is skipped, as the seed says. */
export function applyTasks(before: Member[], tasks: string[], known: Set<string>): TaskResult {
  const original = new Set(before.map((m) => m.extension));
  const members = new Map(before.map((m) => [m.extension, m.role]));
  const added: string[] = [];
  const removed: string[] = [];
  const edited: string[] = [];
  const remove = (e: string) => {
    if (members.delete(e)) removed.push(e);
  };
  const edit = (e: string, role: number) => {
    if (!members.has(e)) return;
    members.set(e, role);
    edited.push(`${e}@${String(role)}`);
  };
  for (const task of tasks) {
    const [target = '', role] = task.split('@');
    if (task === '-*') for (const e of [...members.keys()].filter((x) => original.has(x))) remove(e);
    else if (target.startsWith('+')) {
      const e = target.slice(1);
      if (members.has(e) || !known.has(e)) continue;
      members.set(e, roleOf(role));
      added.push(`${e}@${String(roleOf(role))}`);
    } else if (target.startsWith('-')) remove(target.slice(1));
    else if (target === '*') for (const e of [...members.keys()].filter((x) => original.has(x))) edit(e, roleOf(role));
    else edit(target, roleOf(role));
  }
  return { members: [...members].map(([extension, r]) => ({ extension, role: r })), added, removed, edited };
}

async function groupOrFalse(control: PbxControl, name: string) {
  try {
    return await extensionGroupByName(control, name);
  } catch (err) {
    if (err instanceof PbxError && err.code === 'SB_NOT_FOUND') return undefined;
    throw err;
  }
}

export const membershipCommands: CommandTable = {
  'group.members.set': {
    role: 'admin',
    params: params({ num: Num, members: NumList }),
    run: async (c, p) => {
      await c.directory.ringGroups.patch(String(p.num), { members: split(p.members) });
      return true;
    },
  },
  'queue.agents.set': {
    role: 'admin',
    params: params({ num: Num, agents: NumList }),
    run: async (c, p) => {
      // Agents who stay keep their log-in state; new ones start logged in.
      const before = new Map(agentsOf(await c.directory.queues.get(String(p.num))).map((a) => [a.extension, a.loggedIn]));
      await c.directory.queues.patch(String(p.num), { agents: split(p.agents).map((extension) => ({ extension, loggedIn: before.get(extension) ?? true })) });
      return true;
    },
  },
  'queue.managers.set': {
    role: 'admin',
    params: params({ num: Num, managers: NumList }),
    run: async (c, p) => {
      await c.directory.queues.patch(String(p.num), { managers: split(p.managers) });
      return true;
    },
  },
  'extgroup.members.set': {
    role: 'admin',
    params: params({ name: GroupName, nums: TaskList }),
    run: async (c, p) => {
      const g = await extensionGroupByName(c, String(p.name));
      const known = new Set((await listAll(c.directory.extensions)).map((e) => String(e.number)));
      const r = applyTasks(g.members as Member[], String(p.nums).split(','), known);
      if (r.added.length + r.removed.length + r.edited.length > 0) await c.directory.extensionGroups.patch(Number(g.id), { members: r.members });
      return { added: r.added, removed: r.removed, edited: r.edited };
    },
  },
  'extgroup.new': {
    role: 'admin',
    params: params({ name: GroupName }),
    run: async (c, p) => {
      if (await groupOrFalse(c, String(p.name))) return false;
      await c.directory.extensionGroups.create({ name: String(p.name), members: [] });
      return true;
    },
  },
  'extgroup.del': {
    role: 'admin',
    params: params({ name: GroupName }),
    run: async (c, p) => {
      const g = await extensionGroupByName(c, String(p.name));
      await c.directory.extensionGroups.remove(Number(g.id));
      return true;
    },
  },
};
