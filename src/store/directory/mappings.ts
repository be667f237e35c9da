// How each directory entity of src/core/directory maps onto its tables.
import type { EntityMapping, Entity, Reference } from '../entity-store.ts';
import { randomSecret, destinationRefs } from '../entity-store.ts';
import { NO_DESTINATION, type Destination } from '../../core/directory/common.ts';
import type { ForwardingRule } from '../../core/directory/extension.ts';
import type { OutboundRoute } from '../../core/directory/outbound-rule.ts';
import { invalid } from '../../core/errors.ts';

const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const ofNumbers = (path: string, numbers: unknown, kind: Reference['kind'] = 'extension'): Reference[] =>
  list<string>(numbers).map((n, i) => ({ path: `${path}/${i}`, kind, value: n }));

export const extensionMapping: EntityMapping = {
  name: 'extension',
  table: 'extensions',
  key: 'number',
  keyKind: 'text',
  dialPlanKey: true,
  bools: ['enabled', 'allowExternal', 'dnd', 'queueGlobalLoggedIn', 'deliverAudio', 'supportReinvite', 'supportReplaces', 'vmEnabled', 'vmPlayCallerId'],
  secrets: ['authPassword'],
  unique: ['authId'],
  filters: ['enabled', 'forwardingProfile', 'recording', 'dnd'],
  search: ['number', 'firstName', 'lastName', 'email'],
  defaults: (input) => ({
    firstName: '',
    lastName: '',
    email: '',
    mobile: '',
    outboundCallerId: '',
    authId: input.number,
    authPassword: randomSecret(12),
    enabled: true,
    allowExternal: true,
    recording: 'off',
    forwardingProfile: 'Available',
    forwardingMessage: '',
    forwarding: [],
    dnd: false,
    queueGlobalLoggedIn: true,
    deliverAudio: true,
    supportReinvite: true,
    supportReplaces: true,
    noAnswerTimeout: 20,
    vmEnabled: false,
    vmPin: '',
    vmEmail: 0,
    vmPlayCallerId: false,
    vmPlayDateTime: 0,
    sipId: '',
  }),
  references: (e) => list<ForwardingRule>(e.forwarding).flatMap((r, i) => destinationRefs(`/forwarding/${i}/destination`, r.destination)),
  check: (e) => {
    const seen = new Set<string>();
    list<ForwardingRule>(e.forwarding).forEach((r, i) => {
      const k = `${r.profile}/${r.condition}`;
      if (seen.has(k)) throw invalid(`/forwarding/${i}`, `/forwarding/${i}: a second rule for ${k}`);
      seen.add(k);
    });
  },
  children: [
    {
      field: 'forwarding',
      table: 'forwardingRules',
      parentColumn: 'extension',
      orderBy: 'profile',
      toRows: (v, key) => list<ForwardingRule>(v).map((r) => ({ extension: key, profile: r.profile, condition: r.condition, destType: r.destination.type, destNumber: r.destination.number })),
      fromRows: (rows) => rows.map((r) => ({ profile: r.profile, condition: r.condition, destination: { type: r.destType, number: r.destNumber } })),
    },
  ],
};

export const extensionGroupMapping: EntityMapping = {
  name: 'extension group',
  table: 'extensionGroups',
  key: 'id',
  keyKind: 'serial',
  unique: ['name'],
  search: ['name'],
  timestamps: 'created',
  defaults: () => ({ members: [] }),
  references: (e) => list<{ extension: string }>(e.members).map((m, i) => ({ path: `/members/${i}/extension`, kind: 'extension', value: m.extension })),
  children: [
    {
      field: 'members',
      table: 'extensionGroupMembers',
      parentColumn: 'groupId',
      orderBy: 'extension',
      toRows: (v, key) => list<{ extension: string; role: number }>(v).map((m) => ({ groupId: key, extension: m.extension, role: m.role })),
      fromRows: (rows) => rows.map((r) => ({ extension: r.extension, role: r.role })),
    },
  ],
};

export const ringGroupMapping: EntityMapping = {
  name: 'ring group',
  table: 'ringGroups',
  key: 'number',
  keyKind: 'text',
  dialPlanKey: true,
  destinations: { noAnswer: 'noAnswer' },
  search: ['number', 'name'],
  defaults: (input) => ({ name: `Ring group ${String(input.number)}`, strategy: 'ringAll', ringTime: 20, noAnswer: NO_DESTINATION, members: [] }),
  references: (e) => ofNumbers('/members', e.members),
  children: [
    {
      field: 'members',
      table: 'ringGroupMembers',
      parentColumn: 'ringGroup',
      orderBy: 'position',
      toRows: (v, key) => list<string>(v).map((extension, position) => ({ ringGroup: key, extension, position })),
      fromRows: (rows) => rows.map((r) => r.extension),
    },
  ],
};

export const queueMapping: EntityMapping = {
  name: 'queue',
  table: 'queues',
  key: 'number',
  keyKind: 'text',
  dialPlanKey: true,
  bools: ['announcePosition', 'introEnabled'],
  destinations: { noAnswer: 'noAnswer' },
  search: ['number', 'name'],
  defaults: (input) => ({
    name: `Queue ${String(input.number)}`,
    pollingStrategy: 'ringAll',
    ringTimeout: 20,
    masterTimeout: 300,
    wrapUpTime: 0,
    serviceLevelSeconds: 20,
    maxCallers: 0,
    announcementInterval: 0,
    announcePosition: false,
    introEnabled: false,
    introFile: '',
    musicOnHold: '',
    noAnswer: NO_DESTINATION,
    agents: [],
    managers: [],
  }),
  references: (e) => [
    ...list<{ extension: string }>(e.agents).map((a, i): Reference => ({ path: `/agents/${i}/extension`, kind: 'extension', value: a.extension })),
    ...ofNumbers('/managers', e.managers),
  ],
  check: (e) => {
    const seen = new Set<string>();
    list<{ extension: string }>(e.agents).forEach((a, i) => {
      if (seen.has(a.extension)) throw invalid(`/agents/${i}`, `/agents/${i}: extension ${a.extension} is listed twice`);
      seen.add(a.extension);
    });
  },
  children: [
    {
      field: 'agents',
      table: 'queueAgents',
      parentColumn: 'queue',
      orderBy: 'position',
      toRows: (v, key) => list<{ extension: string; loggedIn: boolean }>(v).map((a, position) => ({ queue: key, extension: a.extension, loggedIn: a.loggedIn ? 1 : 0, position })),
      fromRows: (rows) => rows.map((r) => ({ extension: r.extension, loggedIn: r.loggedIn === 1 })),
    },
    {
      field: 'managers',
      table: 'queueManagers',
      parentColumn: 'queue',
      orderBy: 'extension',
      toRows: (v, key) => list<string>(v).map((extension) => ({ queue: key, extension })),
      fromRows: (rows) => rows.map((r) => r.extension),
    },
  ],
};

export const ivrMapping: EntityMapping = {
  name: 'IVR',
  table: 'ivrs',
  key: 'number',
  keyKind: 'text',
  dialPlanKey: true,
  destinations: { onTimeout: 'timeout', onInvalid: 'invalid' },
  search: ['number', 'name'],
  defaults: (input) => ({ name: `IVR ${String(input.number)}`, prompt: '', timeout: 10, maxRetries: 3, onTimeout: NO_DESTINATION, onInvalid: NO_DESTINATION, options: [] }),
  references: (e) => list<{ digit: string; destination: Destination }>(e.options).flatMap((o, i) => destinationRefs(`/options/${i}/destination`, o.destination)),
  check: (e) => {
    const seen = new Set<string>();
    list<{ digit: string }>(e.options).forEach((o, i) => {
      if (seen.has(o.digit)) throw invalid(`/options/${i}`, `/options/${i}: digit ${o.digit} is used twice`);
      seen.add(o.digit);
    });
  },
  children: [
    {
      field: 'options',
      table: 'ivrOptions',
      parentColumn: 'ivr',
      orderBy: 'digit',
      toRows: (v, key) => list<{ digit: string; destination: Destination }>(v).map((o) => ({ ivr: key, digit: o.digit, destType: o.destination.type, destNumber: o.destination.number })),
      fromRows: (rows) => rows.map((r) => ({ digit: r.digit, destination: { type: r.destType, number: r.destNumber } })),
    },
  ],
};

export const routePointMapping: EntityMapping = {
  name: 'route point',
  table: 'routePoints',
  key: 'number',
  keyKind: 'text',
  dialPlanKey: true,
  destinations: { fallback: 'fallback' },
  search: ['number', 'name'],
  defaults: (input) => ({ name: `Route point ${String(input.number)}`, noAppTimeout: 30, fallback: NO_DESTINATION }),
};

export const trunkMapping: EntityMapping = {
  name: 'trunk',
  table: 'trunks',
  key: 'id',
  keyKind: 'serial',
  bools: ['register', 'dnsSrv', 'enabled'],
  json: ['inboundIps'],
  secrets: ['password'],
  unique: ['name'],
  search: ['name', 'host'],
  defaults: () => ({
    host: '',
    port: 5060,
    transport: 'udp',
    username: '',
    authId: '',
    password: '',
    register: false,
    registerExpires: 3600,
    inboundIps: [],
    mainNumber: '',
    maxChannels: 0,
    dnsSrv: false,
    enabled: true,
  }),
};

export const outboundRuleMapping: EntityMapping = {
  name: 'outbound rule',
  table: 'outboundRules',
  key: 'id',
  keyKind: 'serial',
  json: ['extRanges', 'extGroups'],
  unique: ['name', 'priority'],
  search: ['name', 'prefix'],
  defaults: () => ({ prefix: '', numberLength: '', extRanges: [], extGroups: [], routes: [] }),
  references: (e) => [
    ...list<OutboundRoute>(e.routes).map((r, i): Reference => ({ path: `/routes/${i}/trunkId`, kind: 'trunk', value: r.trunkId })),
    ...list<string>(e.extGroups).map((g, i): Reference => ({ path: `/extGroups/${i}`, kind: 'extensionGroup', value: g })),
  ],
  check: (e) => {
    list<string>(e.extRanges).forEach((r, i) => {
      const [from, to] = r.split('-');
      if (to !== undefined && Number(to) < Number(from)) throw invalid(`/extRanges/${i}`, `/extRanges/${i}: range ${r} ends before it starts`);
    });
  },
  children: [
    {
      field: 'routes',
      table: 'outboundRuleRoutes',
      parentColumn: 'ruleId',
      orderBy: 'position',
      toRows: (v, key) => list<OutboundRoute>(v).map((r, position) => ({ ruleId: key, position, trunkId: r.trunkId, strip: r.strip, prepend: r.prepend, callerId: r.callerId })),
      fromRows: (rows) => rows.map((r) => ({ trunkId: r.trunkId, strip: r.strip, prepend: r.prepend, callerId: r.callerId })),
    },
  ],
};

export const inboundRuleMapping: EntityMapping = {
  name: 'inbound rule',
  table: 'inboundRules',
  key: 'id',
  keyKind: 'serial',
  json: ['officeHours'],
  destinations: { inHours: 'inHours', outOfHours: 'outOfHours' },
  unique: ['name'],
  search: ['name', 'did'],
  defaults: () => ({ trunkId: null, did: '', officeHours: { timeZone: '', weekly: {}, holidays: [] }, inHours: NO_DESTINATION, outOfHours: NO_DESTINATION }),
  references: (e) => (e.trunkId === null || e.trunkId === undefined ? [] : [{ path: '/trunkId', kind: 'trunk', value: e.trunkId as number }]),
  check: (e) => {
    const tz = (e.officeHours as { timeZone?: string } | undefined)?.timeZone;
    if (tz) {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
      } catch {
        throw invalid('/officeHours/timeZone', `/officeHours/timeZone: ${tz} is not an IANA time zone`);
      }
    }
  },
};

export const contactMapping: EntityMapping = {
  name: 'contact',
  table: 'contacts',
  key: 'id',
  keyKind: 'serial',
  search: ['firstName', 'lastName', 'company', 'mobile', 'business', 'email'],
  filters: ['tag', 'company'],
  defaults: (): Entity => Object.fromEntries(['firstName', 'lastName', 'company', 'crmContactData', 'tag', 'mobile', 'mobile2', 'home', 'home2', 'business', 'business2', 'email', 'other', 'businessFax', 'homeFax', 'pager'].map((f) => [f, ''])),
};

export const parameterMapping: EntityMapping = {
  name: 'parameter',
  table: 'parameters',
  key: 'name',
  keyKind: 'text',
  search: ['name', 'description'],
  timestamps: 'updated',
  defaults: () => ({ value: '', description: '', type: 'string' }),
};
