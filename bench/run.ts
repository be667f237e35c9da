// `npm run bench -- <name> [--smoke]`: runs one benchmark (or `all`).
// --smoke is the short version CI runs to prove the benchmark still works.
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
  scale: () => import('./scale.ts'),
};

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const names = args.filter((a) => !a.startsWith('--'));
const selected = names.length === 0 || names.includes('all') ? Object.keys(BENCHES) : names;
for (const name of selected) {
  const load = BENCHES[name];
  if (!load) {
    process.stderr.write(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}\n`);
    process.exit(2);
  }
  await (await load()).run({ smoke });
}
