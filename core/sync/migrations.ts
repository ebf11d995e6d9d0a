import type { Migration } from '../staging/migrations';

/** Tables of the sync engine (schema `sync`): filled in by the sync engine. */
export const SYNC_MIGRATIONS: Migration[] = [];
