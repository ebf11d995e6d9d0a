import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium; CI installs it (.ci/run), and no browser is ever downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

/** Only a developer's machine without Chromium may skip the browser checks; in CI their absence is a failure. */
export const SKIP_BROWSER = !existsSync(CHROMIUM) && !process.env.CI;
export const SKIP_MESSAGE = `the report page is not checked in a browser: ${CHROMIUM} is absent (apt-get install chromium; CI installs it)`;

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile that is removed on close; no network features that phone home. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is absent: .ci/run installs it with apt-get install chromium`);
  const profile = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-chromium-'));
  // Playwright takes the profile folder as an argument of its own: it refuses --user-data-dir among the args.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
