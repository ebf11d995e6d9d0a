import { cpSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';

/**
 * A new embedded home folder holding an empty, fully migrated database: a copy of the one test/global-setup.ts made
 * for the run. A CLI spawned on it starts at once instead of running initdb and every migration (~3-10 s a process).
 * It is an ordinary home (the folder a first run leaves behind), so the product is none the wiser.
 *
 * `at`: the folder to become the home (created if missing; must not already hold a database), else a new one in
 * the system's temporary folder.
 */
export function migratedHome(at?: string): string {
  const home = at ?? mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-home-'));
  cpSync(inject('embeddedHome'), home, { recursive: true, errorOnExist: true, force: false });
  return home;
}
