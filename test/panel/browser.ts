// Debian's Chromium driven by playwright-core, with everything that would
// reach the network turned off (the test machine has none), and the built
// panel. Every request the page makes is recorded so a test can prove that
// nothing left 127.0.0.1.
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildPanel } from '../../scripts/build-web.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = resolve(import.meta.dirname, '../../web/screenshots');

export interface PanelBrowser {
  browser: BrowserContext;
  /** Every URL any page of this browser requested. */
  requests: string[];
  newPage(): Promise<Page>;
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function launchPanelBrowser(): Promise<PanelBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
  await buildPanel({ quiet: true });
  const profile = mkdtempSync(join(tmpdir(), 'sb-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    viewport: { width: 1280, height: 800 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  return {
    browser: context,
    requests,
    newPage: async () => {
      const page = await context.newPage();
      // Everything the panel does takes well under a second; fail fast, not after 30 s.
      page.setDefaultTimeout(10_000);
      return page;
    },
    screenshot: async (page, name) => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the panel and signs in with `key`; resolves once the event stream is live. */
export async function signIn(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('stream-status').filter({ hasText: 'live' }).waitFor({ timeout: 10_000 });
}

export type { Browser, Page };
