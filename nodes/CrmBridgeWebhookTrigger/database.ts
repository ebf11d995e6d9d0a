import { openDatabase, type Database, type DatabaseOptions } from '../../core/db/database';

/**
 * One open database per location for the life of the n8n process: opening (and migrating) per call would cost more
 * than the call itself, and the embedded database may be opened by one holder only.
 */
const open = new Map<string, Promise<Database>>();

export function sharedDatabase(options: DatabaseOptions): Promise<Database> {
  const key = options.url ?? `home:${options.home ?? ''}`;
  let database = open.get(key);
  if (!database) {
    database = openDatabase(options);
    open.set(key, database);
    // A failed open is not kept: the next call tries again (the server may be back).
    database.catch(() => open.delete(key));
  }
  return database;
}
