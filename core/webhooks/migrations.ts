import type { Migration } from '../staging/migrations';

/** Tables of the webhook receiver (schema `sync`), applied after the sync engine's own. */
export const WEBHOOK_MIGRATIONS: Migration[] = [];
