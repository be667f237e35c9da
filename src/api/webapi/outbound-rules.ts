// Seed 000 outbound rules: outboundrules.get (read); outboundrule.set / new /
// before / after / del (admin). Rules are named by rulename or rulepriority;
// routes are written `trunk.strip.prepend.callerid`, up to five.
import { Type } from 'typebox';
import { PbxError } from '../../core/errors.ts';
import type { PbxControl, Record_ } from '../../core/pbx-control.ts';
import { OutboundRuleSchemas, type OutboundRoute } from '../../core/directory/outbound-rule.ts';
import type { CommandTable, Params } from './commands.ts';
import { params } from './schemas.ts';
import { listAll } from './directory-read.ts';
import { checked, type FieldMap } from './entity-input.ts';

const RuleName = Type.String({ minLength: 1, maxLength: 100 });
const Priority = Type.Integer({ minimum: 0, maximum: 1000000 });
const MAX_PRIORITY = 1000000;
const ruleRef = (prefix: string) => ({ [`${prefix}name`]: Type.Optional(RuleName), [`${prefix}priority`]: Type.Optional(Priority) });
const editable = {
  prefix: Type.Optional(Type.String({ maxLength: 32 })),
  numberlength: Type.Optional(Type.String({ maxLength: 64 })),
  groups: Type.Optional(Type.String({ maxLength: 5000 })),
  ranges: Type.Optional(Type.String({ maxLength: 5000 })),
  numberofroutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })),
  routes: Type.Optional(Type.String({ maxLength: 2000 })),
};
const FIELDS: FieldMap = { name: ['name'], priority: ['priority'], prefix: ['prefix'], numberlength: ['numberLength'], groups: ['extGroups'], ranges: ['extRanges'], routes: ['routes'] };

const byPriority = (rules: Record_[]) => [...rules].sort((a, b) => Number(a.priority) - Number(b.priority));
const list = (s: unknown): string[] => (s === undefined || s === '' ? [] : String(s).split(','));

async function findRule(c: PbxControl, p: Params, prefix: string, rules: Record_[]): Promise<Record_> {
  const name = p[`${prefix}name`];
  const priority = p[`${prefix}priority`];
  if ((name === undefined) === (priority === undefined)) throw new PbxError('SB_VALIDATION', `give exactly one of ${prefix}name and ${prefix}priority`, [{ path: `${prefix}name`, message: 'missing or ambiguous' }]);
  const r = rules.find((x) => (name !== undefined ? x.name === name : Number(x.priority) === Number(priority)));
  if (!r) throw new PbxError('SB_NOT_FOUND', `no outbound rule ${name !== undefined ? `named "${String(name)}"` : `with priority ${String(priority)}`}`);
  return r;
}

/**
 * Seed 000 routes: each needs exactly four dot-separated parts, else the
 * rule's route at that place stays. An empty trunk or strip keeps the old
 * route's value.
 */
function parseRoutes(text: string, old: OutboundRoute[], trunks: Record_[]): OutboundRoute[] {
  const out = [...old];
  text.split(',').slice(0, 5).forEach((spec, i) => {
    const parts = spec.split('.');
    if (parts.length !== 4) return;
    const [trunkName = '', strip = '', prepend = '', callerId = ''] = parts;
    const prev = old[i];
    let trunkId = prev?.trunkId;
    if (trunkName !== '') {
      const t = trunks.find((x) => x.name === trunkName);
      if (!t) throw new PbxError('SB_BAD_REFERENCE', `no trunk named "${trunkName}"`, [{ path: 'routes', message: `route ${String(i + 1)}: no trunk named "${trunkName}"` }]);
      trunkId = Number(t.id);
    }
    if (trunkId === undefined) return;
    const s = strip === '' ? (prev?.strip ?? 0) : Number(strip);
    if (!/^[0-9]*$/.test(strip)) throw new PbxError('SB_VALIDATION', `route ${String(i + 1)}: strip must be a number`, [{ path: 'routes', message: 'strip must be a number' }]);
    out[i] = { trunkId, strip: s, prepend, callerId };
  });
  // A malformed route past the old ones leaves a gap; the routes that remain keep their order.
  return out.filter((r) => r !== undefined);
}

function edits(p: Params, rule: Record_ | undefined, trunks: Record_[]): Record_ {
  const out: Record_ = {};
  if (p.name !== undefined) out.name = String(p.name);
  if (p.prefix !== undefined) out.prefix = String(p.prefix);
  if (p.numberlength !== undefined) out.numberLength = String(p.numberlength);
  if (p.groups !== undefined) out.extGroups = list(p.groups);
  if (p.ranges !== undefined) out.extRanges = list(p.ranges);
  let routes = (rule?.routes as OutboundRoute[] | undefined) ?? [];
  if (p.routes !== undefined) routes = parseRoutes(String(p.routes), routes, trunks);
  if (p.numberofroutes !== undefined) routes = routes.slice(0, Number(p.numberofroutes));
  if (p.routes !== undefined || p.numberofroutes !== undefined) out.routes = routes;
  return out;
}

/**
 * Puts `moved` at `index` of the priority order and renumbers as little as
 * needed: rules before it keep theirs, the rest are pushed up only where the
 * order demands. Changed rules pass through free temporary priorities first,
 * since priorities are unique.
 */
async function placeAt(c: PbxControl, rules: Record_[], moved: Record_, index: number): Promise<void> {
  const order = byPriority(rules).filter((r) => r.id !== moved.id);
  order.splice(Math.max(0, Math.min(index, order.length)), 0, moved);
  const want: number[] = [];
  order.forEach((r, i) => {
    const prev = i === 0 ? -1 : (want[i - 1] as number);
    const own = r === moved ? (i === 0 ? Math.max(0, Number(order[1]?.priority ?? 1) - 1) : prev + 1) : Number(r.priority);
    want.push(Math.max(own, prev + 1));
  });
  if ((want[want.length - 1] ?? 0) > MAX_PRIORITY) throw new PbxError('SB_UNPROCESSABLE', 'no room left in the priorities');
  const changed = order.map((r, i) => [r, want[i] as number] as const).filter(([r, w]) => Number(r.priority) !== w);
  const used = new Set(rules.map((r) => Number(r.priority)).concat(want));
  let temp = MAX_PRIORITY;
  for (const [r] of changed) {
    while (used.has(temp)) temp--;
    used.add(temp);
    await c.directory.outboundRules.patch(Number(r.id), { priority: temp });
  }
  for (const [r, w] of changed) await c.directory.outboundRules.patch(Number(r.id), { priority: w });
}

async function applyPriority(c: PbxControl, rule: Record_, priority: unknown): Promise<void> {
  if (priority === undefined) return;
  const rules = await listAll(c.directory.outboundRules);
  const current = rules.find((r) => r.id === rule.id) ?? rule;
  if (priority === 'tobegining') return placeAt(c, rules, current, 0);
  if (priority === 'toend') return placeAt(c, rules, current, rules.length);
  await c.directory.outboundRules.patch(Number(rule.id), { priority: Number(priority) });
}

const PriorityParam = Type.Union([Priority, Type.Enum(['tobegining', 'toend'] as const)]);

function renderRule(r: Record_, trunks: Record_[]) {
  return {
    name: r.name,
    priority: r.priority,
    prefix: r.prefix,
    numberlength: r.numberLength,
    groups: (r.extGroups as string[]).join(','),
    ranges: (r.extRanges as string[]).join(','),
    numberofroutes: (r.routes as OutboundRoute[]).length,
    routes: (r.routes as OutboundRoute[]).map((x) => `${String(trunks.find((t) => t.id === x.trunkId)?.name ?? x.trunkId)}.${String(x.strip)}.${x.prepend}.${x.callerId}`),
  };
}

async function move(c: PbxControl, p: Params, where: 'before' | 'after'): Promise<boolean> {
  const rules = await listAll(c.directory.outboundRules);
  const moved = await findRule(c, p, 'rule', rules);
  const anchor = await findRule(c, p, where, rules);
  if (moved.id === anchor.id) return true;
  const order = byPriority(rules).filter((r) => r.id !== moved.id);
  const at = order.findIndex((r) => r.id === anchor.id) + (where === 'after' ? 1 : 0);
  await placeAt(c, rules, moved, at);
  return true;
}

export const outboundRuleCommands: CommandTable = {
  'outboundrules.get': {
    role: 'read',
    params: params({}),
    run: async (c) => {
      const [rules, trunks] = await Promise.all([listAll(c.directory.outboundRules), listAll(c.directory.trunks)]);
      const sorted = byPriority(rules);
      return {
        count: sorted.length,
        minPriority: sorted.length > 0 ? sorted[0]?.priority : null,
        maxPriority: sorted.length > 0 ? sorted[sorted.length - 1]?.priority : null,
        rules: sorted.map((r) => renderRule(r, trunks)),
      };
    },
  },
  'outboundrule.set': {
    role: 'admin',
    params: params({ ...ruleRef('rule'), name: Type.Optional(RuleName), priority: Type.Optional(PriorityParam), ...editable }),
    run: async (c, p) => {
      const [rules, trunks] = await Promise.all([listAll(c.directory.outboundRules), listAll(c.directory.trunks)]);
      const rule = await findRule(c, p, 'rule', rules);
      if (typeof p.priority === 'number' && rules.some((r) => r.id !== rule.id && r.priority === p.priority)) throw new PbxError('SB_CONFLICT', `priority ${String(p.priority)} is taken`);
      const patch = checked(OutboundRuleSchemas.patch, edits(p, rule, trunks), FIELDS);
      if (Object.keys(patch).length > 0) await c.directory.outboundRules.patch(Number(rule.id), patch);
      await applyPriority(c, rule, p.priority);
      return true;
    },
  },
  'outboundrule.new': {
    role: 'admin',
    params: params({ name: RuleName, priority: PriorityParam, ...editable }),
    run: async (c, p) => {
      const [rules, trunks] = await Promise.all([listAll(c.directory.outboundRules), listAll(c.directory.trunks)]);
      const numeric = typeof p.priority === 'number';
      const top = rules.reduce((m, r) => Math.max(m, Number(r.priority)), -1);
      const input = checked(OutboundRuleSchemas.create, { ...edits(p, undefined, trunks), name: String(p.name), priority: numeric ? p.priority : top + 1 }, FIELDS);
      const created = await c.directory.outboundRules.create(input);
      if (p.priority === 'tobegining') await applyPriority(c, created, 'tobegining');
      return true;
    },
  },
  'outboundrule.before': {
    role: 'admin',
    params: params({ ...ruleRef('rule'), ...ruleRef('before') }),
    run: (c, p) => move(c, p, 'before'),
  },
  'outboundrule.after': {
    role: 'admin',
    params: params({ ...ruleRef('rule'), ...ruleRef('after') }),
    run: (c, p) => move(c, p, 'after'),
  },
  'outboundrule.del': {
    role: 'admin',
    params: params(ruleRef('rule')),
    run: async (c, p) => {
      const rule = await findRule(c, p, 'rule', await listAll(c.directory.outboundRules));
      await c.directory.outboundRules.remove(Number(rule.id));
      return true;
    },
  },
};
