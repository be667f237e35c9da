// `npm run bench -- <name> [--smoke]`: runs one benchmark (or `all`).
// --smoke is the short version CI runs to prove the benchmark still works.
// `soak` is not part of `all` (it runs for minutes: `npm run bench -- soak --minutes 30`).
const BENCHES: Record<string, () => Promise<{ run(o: { smoke: boolean }): Promise<void> }>> = {
  api: () => import('./api.ts'),
  'sip-register': () => import('./sip-register.ts'),
  'b2bua-cps': () => import('./b2bua-cps.ts'),
  'media-relay': () => import('./media-relay.ts'),
  webapi: () => import('./webapi.ts'),
  webhooks: () => import('./webhooks.ts'),
  'callcontrol-ws': () => import('./callcontrol-ws.ts'),
  chaos: () => import('./chaos.ts'),
  'http-fuzz': () => import('./http-fuzz.ts'),
  mixer: () => import('./mixer.ts'),
  'register-storm': () => import('./register-storm.ts'),
  'ws-fanout': () => import('./ws-fanout.ts'),
  soak: () => import('./soak.ts'),
  scale: () => import('./scale.ts'),
};
const NOT_IN_ALL = new Set(['soak']);
/** Options followed by a value (read by the benchmark itself from process.argv). */
const WITH_VALUE = new Set(['--minutes']);

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const names = args.filter((a, i) => !a.startsWith('--') && !WITH_VALUE.has(args[i - 1] ?? ''));
const selected = names.length === 0 || names.includes('all') ? Object.keys(BENCHES).filter((n) => !NOT_IN_ALL.has(n)) : names;
for (const name of selected) {
  const load = BENCHES[name];
  if (!load) {
    process.stderr.write(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}\n`);
    process.exit(2);
  }
  await (await load()).run({ smoke });
}
