import type { Migration } from '../db/migrate';

/**
 * Tables of the sync engine, in schema `sync`. Everything a run must not lose lives here, so any process (a CLI
 * run, an n8n worker in queue mode) can pick a stream up where the last one stopped.
 */
export const SYNC_MIGRATIONS: Migration[] = [
  {
    id: 'sync:0001-engine',
    async up(sql) {
      await sql.query('CREATE SCHEMA IF NOT EXISTS sync');
      // Where each stream's incremental read resumes: the `modified|id` of the last record of a committed batch.
      await sql.query(`CREATE TABLE sync.cursors (
        job text NOT NULL,
        stream text NOT NULL,
        cursor text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (job, stream)
      )`);
      // One row per synced record: the link between both IDs and the values last written, so an unchanged record
      // is not written again and the engine can tell its own writes from people's edits.
      await sql.query(`CREATE TABLE sync.records (
        job text NOT NULL,
        stream text NOT NULL,
        source_id text NOT NULL,
        target_id text,
        target_key text NOT NULL,
        written jsonb NOT NULL,
        source_modified_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (job, stream, source_id)
      )`);
      await sql.query('CREATE INDEX records_target_idx ON sync.records (job, stream, target_id)');
      // Records that could not be written yet (a parent missing, the target refused): kept with their values and
      // retried at the start of each run of their stream.
      await sql.query(`CREATE TABLE sync.pending (
        job text NOT NULL,
        stream text NOT NULL,
        source_id text NOT NULL,
        record jsonb NOT NULL,
        reason text NOT NULL,
        attempts integer NOT NULL DEFAULT 1,
        first_seen timestamptz NOT NULL DEFAULT now(),
        last_tried timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (job, stream, source_id)
      )`);
      await sql.query(`CREATE TABLE sync.runs (
        run_id uuid PRIMARY KEY,
        job text NOT NULL,
        dry_run boolean NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        status text NOT NULL DEFAULT 'running',
        counts jsonb NOT NULL DEFAULT '{}'::jsonb,
        error text
      )`);
      // Every write, planned before it is sent (result 'pending') and settled after: a process killed in between
      // leaves the intent behind, and the next run marks it 'interrupted' and writes the record again.
      await sql.query(`CREATE TABLE sync.audit (
        id bigserial PRIMARY KEY,
        run_id uuid NOT NULL,
        job text NOT NULL,
        stream text NOT NULL,
        source_id text NOT NULL,
        target_key text NOT NULL,
        target_id text,
        action text NOT NULL,
        before jsonb,
        after jsonb,
        result text NOT NULL,
        error text,
        at timestamptz NOT NULL DEFAULT now()
      )`);
      await sql.query('CREATE INDEX audit_record_idx ON sync.audit (job, stream, source_id)');
      await sql.query("CREATE INDEX audit_pending_idx ON sync.audit (job, stream) WHERE result = 'pending'");
      // Shared request budgets per CRM account (GCRA: the theoretical arrival time of the next request).
      await sql.query(`CREATE TABLE sync.rate_budgets (
        account text PRIMARY KEY,
        tat timestamptz NOT NULL
      )`);
    },
  },
  {
    // Which process runs each sync run and each reconcile run, so a run whose process died can be told from a live
    // one and marked (sync: `interrupted`; reconcile: `abandoned`, its existing word). The defaults read the session
    // settings every connection of `openDatabase` sets (`crm_bridge.pid`, `.host`, `.started_at`): an INSERT that
    // names no owner, like reconcile's, still records its process.
    id: 'sync:0002-run-owner',
    async up(sql) {
      for (const table of ['sync.runs', 'staging.reconciliation_log']) {
        await sql.query(`ALTER TABLE ${table}
          ADD COLUMN owner_pid integer DEFAULT nullif(current_setting('crm_bridge.pid', true), '')::integer,
          ADD COLUMN owner_host text DEFAULT nullif(current_setting('crm_bridge.host', true), ''),
          ADD COLUMN owner_started_at timestamptz DEFAULT nullif(current_setting('crm_bridge.started_at', true), '')::timestamptz`);
      }
      await sql.query("CREATE INDEX runs_running_idx ON sync.runs (job) WHERE status = 'running'");
    },
  },
  {
    // Salesforce Change Data Capture per job and channel: the replay ID of the last event handled (its notices
    // stored), so a restarted subscriber resumes after it; NULL until the first event, or after Salesforce refused
    // the stored one (expired). Catch-up polls (replay ID refused, gap or overflow events) are counted here too.
    id: 'sync:0003-change-event-channels',
    async up(sql) {
      await sql.query(`CREATE TABLE sync.change_event_channels (
        job text NOT NULL,
        channel text NOT NULL,
        replay_id bigint,
        events bigint NOT NULL DEFAULT 0,
        records bigint NOT NULL DEFAULT 0,
        catch_ups bigint NOT NULL DEFAULT 0,
        last_event_at timestamptz,
        last_catch_up_at timestamptz,
        last_catch_up_reason text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (job, channel)
      )`);
    },
  },
  {
    // Deletes: a link whose record the engine deleted (or flagged) is kept as a tombstone, so a deletion that comes
    // back from the other side (its own delete, read again) is recognised and not echoed, and a re-run does nothing.
    // `deleted_in`: the system the engine deleted or flagged the record in (`target`, or `source` in two-way jobs).
    id: 'sync:0004-deletes',
    async up(sql) {
      await sql.query('ALTER TABLE sync.records ADD COLUMN deleted_at timestamptz, ADD COLUMN deleted_in text');
    },
  },
  {
    // Where a deletion read of a change-feed system resumes (Dataverse change tracking's delta link), kept beside the
    // cursor and moved with it, once the deletions read up to there have been carried.
    id: 'sync:0005-cursor-resume',
    async up(sql) {
      await sql.query('ALTER TABLE sync.cursors ADD COLUMN resume text');
    },
  },
];
