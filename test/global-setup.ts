import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../core/db/database';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated, empty embedded database's data directory (gzip tarball), for createTestDatabase. */
    embeddedTemplate: string;
    /** A migrated, empty embedded home folder (closed, unlocked), for test/helpers/embedded-home.ts to copy. */
    embeddedHome: string;
  }
}

type Provide = <K extends 'embeddedTemplate' | 'embeddedHome'>(key: K, value: string) => void;

/**
 * Once per test run: an embedded database with every migration applied, in a home folder and dumped to a file. Each
 * test file's in-memory database starts from the dump, and each spawned CLI's home is a copy of the folder, instead
 * of running initdb and the migrations again (~5 s each, hundreds of times).
 */
export default async function setup(project: { provide: Provide }): Promise<() => void> {
  const home = mkdtempSync(path.join(os.tmpdir(), `crm-bridge-test-home-${process.pid}-`));
  const db = await openDatabase({ home });
  const dump = await db.dumpDataDir!();
  await db.close();
  const file = path.join(os.tmpdir(), `crm-bridge-test-template-${process.pid}.tar.gz`);
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('embeddedTemplate', file);
  project.provide('embeddedHome', home);
  return () => {
    rmSync(home, { recursive: true, force: true });
    rmSync(file, { force: true });
  };
}
