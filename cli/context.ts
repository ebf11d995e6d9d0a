import { openDatabase, resolveDatabaseOptions, type Database } from '../core/db/database';
import { chooseDatabase } from '../core/db/home';
import { loadMapping, type LoadedMapping } from '../core/mapping/load-mapping';

export interface GlobalOptions {
  db?: string;
  home?: string;
  json?: boolean;
  mapping?: string;
}

/**
 * Says on stderr which database a command uses when nothing named it (no --db, --home, DATABASE_URL or
 * CRM_BRIDGE_HOME): the choice then depends on the folder the command ran in, which is worth a line. Scripts that
 * name their database, and --json, stay quiet.
 */
export function announceDatabase(options: GlobalOptions): void {
  const choice = chooseDatabase({ db: options.db, home: options.home });
  if (choice.implicit && !options.json) process.stderr.write(`crm-bridge: ${choice.description}\n`);
}

/** Opens the database the options and environment name, runs `fn`, and always closes it. */
export async function withDatabase<T>(
  options: GlobalOptions,
  fn: (db: Database, mapping: LoadedMapping) => Promise<T>,
): Promise<T> {
  const mapping = loadMapping(options.mapping);
  announceDatabase(options);
  const db = await openDatabase(resolveDatabaseOptions(process.env, { url: options.db, home: options.home }));
  try {
    return await fn(db, mapping);
  } finally {
    await db.close();
  }
}
