import { openDatabase, resolveDatabaseOptions, type Database } from '../core/db/database';
import { loadMapping, type LoadedMapping } from '../core/mapping/load-mapping';

export interface GlobalOptions {
  db?: string;
  home?: string;
  json?: boolean;
  mapping?: string;
}

/** Opens the database the options and environment name, runs `fn`, and always closes it. */
export async function withDatabase<T>(options: GlobalOptions, fn: (db: Database, mapping: LoadedMapping) => Promise<T>): Promise<T> {
  const mapping = loadMapping(options.mapping);
  const db = await openDatabase(resolveDatabaseOptions(process.env, { url: options.db, home: options.home }));
  try {
    return await fn(db, mapping);
  } finally {
    await db.close();
  }
}
