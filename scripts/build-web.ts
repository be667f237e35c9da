// Builds the web panel (web/ → web/dist) when it is missing or older than its
// sources, so `npm start` and the panel tests serve a current panel without
// paying Vite's few seconds on every run. `--force` always builds.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const WEB = resolve(import.meta.dirname, '../web');
const INDEX = join(WEB, 'dist', 'index.html');
/** Held while building: two test files starting at once must not both empty web/dist. */
const LOCK = join(WEB, '.build-lock');
/** Server files the panel bundles (pure core logic shared with the dialects). */
const SHARED = ['presence.ts', 'queue-status.ts'].map((f) => resolve(import.meta.dirname, '../src/core', f));

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'dist' || name === 'node_modules' || name === 'screenshots' || name === '.build-lock') continue;
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

/** Takes the build lock (mkdir is atomic), waiting for another build; a lock older than 2 min is a crashed build's. */
async function lock(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch {
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 120_000) rmSync(LOCK, { recursive: true, force: true });
      await sleep(200);
    }
  }
}

export async function buildPanel(opts: { force?: boolean; quiet?: boolean } = {}): Promise<boolean> {
  if (!opts.force && !panelIsStale()) return false;
  await lock();
  try {
    // Someone else may have built it while we waited.
    if (!opts.force && !panelIsStale()) return false;
    return await runVite(opts.quiet ?? false);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

async function runVite(quiet: boolean): Promise<boolean> {
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    // A production install (npm ci --omit=dev) has no Vite: serve what is there.
    console.warn('vite is not installed: the web panel is not (re)built');
    return false;
  }
  await vite.build({ configFile: join(WEB, 'vite.config.ts'), logLevel: quiet ? 'warn' : 'info' });
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const built = await buildPanel({ force: process.argv.includes('--force') });
  if (!built) console.log('web panel is up to date (web/dist)');
}
