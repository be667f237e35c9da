// Builds the web panel (web/ → web/dist) when it is missing or older than its
// sources, so `npm start` and the panel tests serve a current panel without
// paying Vite's few seconds on every run. `--force` always builds.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const WEB = resolve(import.meta.dirname, '../web');
const INDEX = join(WEB, 'dist', 'index.html');
/** Server files the panel bundles (pure core logic shared with the dialects). */
const SHARED = [resolve(import.meta.dirname, '../src/core/presence.ts')];

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'dist' || name === 'node_modules') continue;
    const p = join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestSource(p) : s.mtimeMs);
  }
  return newest;
}

export function panelIsStale(): boolean {
  if (!existsSync(INDEX)) return true;
  const built = statSync(INDEX).mtimeMs;
  return Math.max(newestSource(WEB), ...SHARED.map((f) => statSync(f).mtimeMs)) > built;
}

export async function buildPanel(opts: { force?: boolean; quiet?: boolean } = {}): Promise<boolean> {
  if (!opts.force && !panelIsStale()) return false;
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    // A production install (npm ci --omit=dev) has no Vite: serve what is there.
    console.warn('vite is not installed: the web panel is not (re)built');
    return false;
  }
  await vite.build({ configFile: join(WEB, 'vite.config.ts'), logLevel: opts.quiet ? 'warn' : 'info' });
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const built = await buildPanel({ force: process.argv.includes('--force') });
  if (!built) console.log('web panel is up to date (web/dist)');
}
