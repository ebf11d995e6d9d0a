import type { Sql } from '../db/sql';
import type { Rejection } from '../connectors/connector';

export interface QuarantineEntry extends Rejection {
  object: string;
}

/** Buffers rejections and writes them in batches; counts what it wrote so summaries can be checked against the table. */
export class QuarantineWriter {
  private buffer: QuarantineEntry[] = [];
  rows = 0;
  /** Rows set aside that gave no legacy ID: their records may be any target's, so orphans are less certain. */
  rowsWithoutId = 0;
  fieldIssues = 0;

  constructor(
    private readonly sql: Sql,
    private readonly runId: string,
    private readonly batchSize = 1000,
  ) {}

  async add(entry: QuarantineEntry, kind: 'row' | 'field'): Promise<void> {
    if (kind === 'row') {
      this.rows++;
      if (!entry.recordId) this.rowsWithoutId++;
    } else this.fieldIssues++;
    this.buffer.push(entry);
    if (this.buffer.length >= this.batchSize) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const b = this.buffer;
    this.buffer = [];
    await this.sql.query(
      `INSERT INTO staging.quarantine (run_id, object, source, line, legacy_id, field, reason, raw)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[])`,
      [
        this.runId,
        b.map((e) => e.object),
        b.map((e) => e.source),
        b.map((e) => e.line ?? null),
        b.map((e) => e.recordId ?? null),
        b.map((e) => e.field ?? null),
        b.map((e) => e.reason),
        b.map((e) => e.raw ?? null),
      ],
    );
  }
}

export interface QuarantinedRow {
  source: string;
  line: number | null;
  legacyId: string | null;
  field: string | null;
  reason: string;
  raw: string | null;
}

/** Quarantine of the latest successful run of an object (older runs' entries are pruned when a run succeeds). */
export async function listQuarantine(
  sql: Sql,
  object: string,
  options: { legacyId?: string; limit?: number } = {},
): Promise<QuarantinedRow[]> {
  const { rows } = await sql.query<QuarantinedRow>(
    `SELECT source, line, legacy_id AS "legacyId", field, reason, raw FROM staging.quarantine
      WHERE object = $1 AND ($2::text IS NULL OR legacy_id = $2)
      ORDER BY source, line NULLS LAST, id LIMIT $3`,
    [object, options.legacyId ?? null, options.limit ?? 1000],
  );
  return rows;
}
