// First run: an empty database gets a small working directory (extensions
// 100–105, a ring group, a queue, an IVR and an inbound rule) and an admin
// key, so a new user can register a phone and call the API at once.
import type { PbxControl } from '../core/pbx-control.ts';
import type { Store } from '../store/index.ts';

export interface DemoSummary {
  adminKey: string;
  extensions: { number: string; name: string; authId: string; password: string }[];
}

const PEOPLE = ['Reception', 'Anna Nowak', 'Boris Ivanov', 'Chen Wei', 'Dana Kowalska', 'Erik Larsen'];

export async function isEmpty(store: Store): Promise<boolean> {
  const [ext, keys] = await Promise.all([store.extensions.list({ limit: 1 }), store.keys.count()]);
  return ext.total === 0 && keys === 0;
}

export async function seedDemoDirectory(control: PbxControl, store: Store): Promise<DemoSummary | undefined> {
  if (!(await isEmpty(store))) return undefined;
  const d = control.directory;
  const extensions: DemoSummary['extensions'] = [];
  for (let i = 0; i <= 5; i++) {
    const number = String(100 + i);
    const [firstName = '', lastName = ''] = (PEOPLE[i] ?? '').split(' ');
    const e = await d.extensions.create({ number, firstName, lastName });
    extensions.push({ number, name: `${firstName} ${lastName}`.trim(), authId: String(e.authId), password: String(e.authPassword) });
  }
  await d.ringGroups.create({ number: '600', name: 'Sales', strategy: 'ringAll', ringTime: 20, members: ['101', '102', '103'], noAnswer: { type: 'extension', number: '100' } });
  await d.queues.create({
    number: '800',
    name: 'Support',
    pollingStrategy: 'longestWaiting',
    agents: ['102', '103', '104'].map((extension) => ({ extension, loggedIn: true })),
    managers: ['105'],
    noAnswer: { type: 'extension', number: '100' },
  });
  await d.ivrs.create({
    number: '700',
    name: 'Main menu',
    prompt: 'main-menu',
    options: [
      { digit: '1', destination: { type: 'extension', number: '600' } },
      { digit: '2', destination: { type: 'extension', number: '800' } },
      { digit: '0', destination: { type: 'extension', number: '100' } },
    ],
    onTimeout: { type: 'extension', number: '100' },
    onInvalid: { type: 'extension', number: '700' },
  });
  const weekday = [{ from: '09:00', to: '17:00' }];
  await d.inboundRules.create({
    name: 'Main number',
    did: '',
    officeHours: { timeZone: '', weekly: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday }, holidays: [] },
    inHours: { type: 'extension', number: '700' },
    outOfHours: { type: 'extension', number: '100' },
  });
  const key = await control.keys.create('admin', 'first-run admin key');
  return { adminKey: key.key, extensions };
}
