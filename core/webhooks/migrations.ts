import type { Migration } from '../db/migrate';

/** Tables of the webhook receiver (schema `sync`), applied after the sync engine's own. Never edit a shipped one. */
export const WEBHOOK_MIGRATIONS: Migration[] = [
  {
    id: 'webhooks:0001_change_notices_and_counts',
    async up(sql) {
      await sql.query('CREATE SCHEMA IF NOT EXISTS sync');
      // Only what is needed to find the record again: no payload, no header, so nothing secret can land here.
      await sql.query(`CREATE TABLE sync.change_notices (
        id bigserial PRIMARY KEY,
        system text NOT NULL CHECK (system IN ('hubspot', 'pipedrive', 'salesforce')),
        object text NOT NULL,
        record_id text NOT NULL,
        event_id text NOT NULL,
        action text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'unknown')),
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        claimed_until timestamptz,
        processed_at timestamptz,
        CONSTRAINT change_notices_event UNIQUE (system, event_id)
      )`);
      await sql.query(
        `CREATE INDEX change_notices_pending ON sync.change_notices (system, object, id) WHERE processed_at IS NULL`,
      );
      await sql.query(`CREATE TABLE sync.webhook_counts (
        system text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('accepted', 'replayed', 'rejected', 'ignored')),
        reason text NOT NULL DEFAULT '',
        count bigint NOT NULL DEFAULT 0,
        last_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (system, outcome, reason)
      )`);
    },
  },
];
