import type { Migration } from '../db/migrate';
import type { Sql } from '../db/sql';

export interface ObjectTableMigration {
  id: string;
  /** `table` is the already-quoted object name inside schema `staging`. */
  up(sql: Sql, table: string): Promise<void>;
}

/** Never edit a migration that has shipped: append a new one. */
export const STAGING_MIGRATIONS: Migration[] = [
  {
    id: '0001_reconciliation_log_and_quarantine',
    async up(sql) {
      await sql.query(`CREATE TABLE staging.reconciliation_log (
        run_id uuid PRIMARY KEY,
        object text NOT NULL,
        source text NOT NULL,
        target text NOT NULL,
        mapping_sha256 text NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned')),
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        legacy_rows integer NOT NULL DEFAULT 0,
        target_rows integer NOT NULL DEFAULT 0,
        matched integer NOT NULL DEFAULT 0,
        new integer NOT NULL DEFAULT 0,
        conflict integer NOT NULL DEFAULT 0,
        orphan integer NOT NULL DEFAULT 0,
        quarantined integer NOT NULL DEFAULT 0,
        updates_pending integer NOT NULL DEFAULT 0,
        field_issues integer NOT NULL DEFAULT 0,
        target_unlinked integer NOT NULL DEFAULT 0,
        rows_inserted integer NOT NULL DEFAULT 0,
        rows_updated integer NOT NULL DEFAULT 0,
        rows_deleted integer NOT NULL DEFAULT 0,
        error text
      )`);
      await sql.query(
        'CREATE INDEX reconciliation_log_object_started ON staging.reconciliation_log (object, started_at DESC)',
      );
      await sql.query(`CREATE TABLE staging.quarantine (
        id bigserial PRIMARY KEY,
        run_id uuid NOT NULL,
        object text NOT NULL,
        source text NOT NULL,
        line integer,
        legacy_id text,
        field text,
        reason text NOT NULL,
        raw text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
      await sql.query('CREATE INDEX quarantine_object_run ON staging.quarantine (object, run_id)');
      await sql.query('CREATE INDEX quarantine_legacy_id ON staging.quarantine (object, legacy_id)');
      // Scratch space of a running reconcile: rows live only for the duration of a run, so WAL is not worth paying.
      await sql.query(`CREATE UNLOGGED TABLE staging.run_legacy (
        run_id uuid NOT NULL,
        legacy_id text NOT NULL,
        source text NOT NULL,
        line integer NOT NULL,
        legacy_properties jsonb NOT NULL,
        mapped jsonb NOT NULL,
        issues jsonb NOT NULL,
        PRIMARY KEY (run_id, legacy_id)
      )`);
      await sql.query(`CREATE UNLOGGED TABLE staging.run_target (
        run_id uuid NOT NULL,
        target_id text NOT NULL,
        legacy_id text,
        properties jsonb NOT NULL,
        PRIMARY KEY (run_id, target_id)
      )`);
      await sql.query('CREATE INDEX run_target_legacy_id ON staging.run_target (run_id, legacy_id)');
    },
  },
  {
    // A run keeps only the legacy IDs it has seen (for duplicates and orphans); records go straight to staging.
    id: '0002_run_seen_replaces_run_legacy',
    async up(sql) {
      await sql.query('DROP TABLE staging.run_legacy');
      await sql.query(`CREATE UNLOGGED TABLE staging.run_seen (
        run_id uuid NOT NULL,
        legacy_id text NOT NULL,
        line integer NOT NULL,
        PRIMARY KEY (run_id, legacy_id)
      )`);
    },
  },
  {
    // Legacy records no target carries the ID of wait here until the fuzzy fallback has linked them (or not), so
    // each staging row is written once per run and a re-run stays a no-op.
    id: '0003_fuzzy_match_fallback',
    async up(sql) {
      await sql.query('ALTER TABLE staging.reconciliation_log ADD COLUMN fuzzy_match integer NOT NULL DEFAULT 0');
      await sql.query(`CREATE UNLOGGED TABLE staging.run_unmatched (
        run_id uuid NOT NULL,
        legacy_id text NOT NULL,
        source text NOT NULL,
        line integer NOT NULL,
        legacy_properties jsonb NOT NULL,
        mapped jsonb NOT NULL,
        issues jsonb NOT NULL,
        PRIMARY KEY (run_id, legacy_id)
      )`);
    },
  },
  {
    // A run refused before touching staging (an empty or shrunken export) is logged as `refused`, not `failed`; target
    // records whose legacy ID the export has only in unreadable rows get a count of their own, as do unreadable rows
    // that gave no ID at all. The status check of 0001 is named by Postgres, so it is found by its definition.
    id: '0004_export_integrity_refused_and_unreadable',
    async up(sql) {
      const { rows } = await sql.query<{ conname: string }>(
        `SELECT conname FROM pg_constraint
          WHERE conrelid = 'staging.reconciliation_log'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%status%'`,
      );
      for (const r of rows)
        await sql.query(`ALTER TABLE staging.reconciliation_log DROP CONSTRAINT "${r.conname.replaceAll('"', '""')}"`);
      await sql.query(
        `ALTER TABLE staging.reconciliation_log ADD CONSTRAINT reconciliation_log_status_values
           CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned', 'refused'))`,
      );
      await sql.query(
        'ALTER TABLE staging.reconciliation_log ADD COLUMN unreadable_in_export integer NOT NULL DEFAULT 0',
      );
      await sql.query(
        'ALTER TABLE staging.reconciliation_log ADD COLUMN unreadable_without_id integer NOT NULL DEFAULT 0',
      );
      // Orphan and fuzzy candidates look up this run's quarantine by legacy ID.
      await sql.query('CREATE INDEX quarantine_run_legacy_id ON staging.quarantine (run_id, legacy_id)');
    },
  },
  {
    // A run's copy of the mirror keeps the mapped values as a text array in the mapping's order instead of a jsonb
    // object: at 1,000,000 target records PostgreSQL built and stored the array in 5.6 s against 17.2 s (BENCHMARKS.md,
    // issue 17). The jsonb column stays, nullable, so a run of an older version still in flight keeps its own rows.
    // The scratch tables' IDs compare bytewise: equality is the same under every deterministic collation, and their
    // indexes no longer call the locale's strcoll for every comparison (7.6 s -> 4.6 s to index 1,000,000 targets).
    id: '0005_scratch_values_as_text_arrays_ids_bytewise',
    async up(sql) {
      await sql.query(`ALTER TABLE staging.run_target
        ALTER COLUMN properties DROP NOT NULL,
        ADD COLUMN property_values text[],
        ALTER COLUMN target_id TYPE text COLLATE "C",
        ALTER COLUMN legacy_id TYPE text COLLATE "C"`);
      await sql.query('ALTER TABLE staging.run_seen ALTER COLUMN legacy_id TYPE text COLLATE "C"');
      await sql.query('ALTER TABLE staging.run_unmatched ALTER COLUMN legacy_id TYPE text COLLATE "C"');
    },
  },
];

export const OBJECT_TABLE_MIGRATIONS: ObjectTableMigration[] = [
  {
    id: '0001_reconciliation_table',
    async up(sql, table) {
      await sql.query(`CREATE TABLE staging.${table} (
        legacy_id text PRIMARY KEY,
        target_id text,
        target_ids text[] NOT NULL DEFAULT '{}',
        status text NOT NULL CHECK (status IN ('matched', 'new', 'conflict', 'orphan')),
        match_confidence smallint CHECK (match_confidence BETWEEN 0 AND 100),
        legacy_properties jsonb,
        properties_to_update jsonb,
        notes text[] NOT NULL DEFAULT '{}',
        source text,
        source_line integer,
        first_run_id uuid NOT NULL,
        last_changed_run_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
      const bare = table.replaceAll('"', '');
      await sql.query(`CREATE INDEX ${bare}_target_id ON staging.${table} (target_id)`);
      await sql.query(`CREATE INDEX ${bare}_target_ids ON staging.${table} USING gin (target_ids)`);
      await sql.query(`CREATE INDEX ${bare}_status ON staging.${table} (status)`);
    },
  },
  {
    // The status check of 0001 is named by Postgres, so it is found by its definition rather than guessed.
    id: '0002_fuzzy_match_status',
    async up(sql, table) {
      const { rows } = await sql.query<{ conname: string }>(
        `SELECT conname FROM pg_constraint
          WHERE conrelid = ('staging.' || $1)::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%status%'`,
        [table],
      );
      for (const r of rows)
        await sql.query(`ALTER TABLE staging.${table} DROP CONSTRAINT "${r.conname.replaceAll('"', '""')}"`);
      await sql.query(
        `ALTER TABLE staging.${table} ADD CONSTRAINT "${table.replaceAll('"', '')}_status_values" CHECK (status IN ('matched', 'fuzzy_match', 'new', 'conflict', 'orphan'))`,
      );
    },
  },
  {
    // A target record whose legacy ID the export has only in rows that could not be read is not an orphan.
    id: '0003_unreadable_in_export_status',
    async up(sql, table) {
      const { rows } = await sql.query<{ conname: string }>(
        `SELECT conname FROM pg_constraint
          WHERE conrelid = ('staging.' || $1)::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%status%'`,
        [table],
      );
      for (const r of rows)
        await sql.query(`ALTER TABLE staging.${table} DROP CONSTRAINT "${r.conname.replaceAll('"', '""')}"`);
      await sql.query(
        `ALTER TABLE staging.${table} ADD CONSTRAINT "${table.replaceAll('"', '')}_status_values"
           CHECK (status IN ('matched', 'fuzzy_match', 'new', 'conflict', 'orphan', 'unreadable_in_export'))`,
      );
    },
  },
];
