import type { Migration } from '../db/migrate';

/**
 * Tables of the last mile of a migration: a person's review decisions on what reconcile could not decide, and what
 * apply sent to the CRM (runs, and an audit row per record written, before it is sent). Never edit a migration
 * that has shipped: append a new one.
 */
export const APPLY_MIGRATIONS: Migration[] = [
  {
    id: 'apply:0001-review-runs-audit',
    async up(sql) {
      // One decision per legacy record. `evidence_sha256` is the hash of both records as the reviewer saw them: when
      // either changes, the decision no longer applies and the row waits for a person again.
      await sql.query(`CREATE TABLE staging.review_decisions (
        object text NOT NULL,
        legacy_id text NOT NULL,
        decision text NOT NULL CHECK (decision IN ('approve', 'reject', 'choose')),
        target_id text,
        evidence_sha256 text NOT NULL,
        decided_by text NOT NULL,
        decided_at timestamptz NOT NULL DEFAULT now(),
        reason text,
        PRIMARY KEY (object, legacy_id)
      )`);
      await sql.query(`CREATE TABLE staging.apply_runs (
        run_id uuid PRIMARY KEY,
        object text NOT NULL,
        target text NOT NULL,
        dry_run boolean NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'interrupted')),
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        counts jsonb NOT NULL DEFAULT '{}'::jsonb,
        owner jsonb,
        error text
      )`);
      await sql.query('CREATE INDEX apply_runs_object_started ON staging.apply_runs (object, started_at DESC)');
      // Written as `pending` before a record is sent and settled after, so a run killed in between leaves a trace
      // that the next run resolves (the write goes by external ID, so sending it again cannot create a twin).
      await sql.query(`CREATE TABLE staging.apply_audit (
        id bigserial PRIMARY KEY,
        run_id uuid NOT NULL,
        object text NOT NULL,
        legacy_id text NOT NULL,
        action text NOT NULL CHECK (action IN ('create', 'update', 'link', 'associate')),
        target_id text,
        before jsonb,
        after jsonb NOT NULL,
        result text NOT NULL CHECK (result IN ('pending', 'created', 'updated', 'unchanged', 'failed', 'interrupted')),
        error text,
        at timestamptz NOT NULL DEFAULT now(),
        settled_at timestamptz
      )`);
      await sql.query('CREATE INDEX apply_audit_object_legacy ON staging.apply_audit (object, legacy_id, id DESC)');
      await sql.query('CREATE INDEX apply_audit_run ON staging.apply_audit (run_id)');
      await sql.query(`CREATE INDEX apply_audit_pending ON staging.apply_audit (object) WHERE result = 'pending'`);
    },
  },
];
