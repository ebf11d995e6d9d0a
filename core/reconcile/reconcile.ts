import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import path from 'node:path';
import type { Database } from '../db/database';
import { ensureObjectTable } from '../migrations';
import { inTransaction, type Sql, withAdvisoryLock } from '../db/sql';
import { InputError } from '../errors';
import type { Connector } from '../connectors/connector';
import type { CsvExportConnector } from '../connectors/csv/csv-export';
import { PostgresMirrorConnector } from '../connectors/postgres/postgres-mirror';
import type { LoadedMapping } from '../mapping/load-mapping';
import { ObjectMapper } from '../mapping/object-mapper';
import { QuarantineWriter } from '../staging/quarantine';
import { deleteStaleRows, writeStagingRows } from '../staging/staging-writer';
import { classifyFuzzy, classifyLegacy, classifyOrphan, classifyUnreadable, type LegacySide } from './classify';
import type { StagingRow } from '../staging/staging-row';
import { fuzzyPlanFor, linkedPages, linkedTargets, linkUnmatched, type FuzzyStats } from './fuzzy';
import {
  holdUnmatched,
  loadTarget,
  type MirrorTable,
  orphanPages,
  streamLegacy,
  TargetLayout,
  targetsFor,
  targetsById,
} from './scratch';
import { checkShrink, ExportRefused } from './shrink-guard';
import { legacyBatches, legacyConnector } from './legacy-batches';
import { summaryWarnings, type ReconcileSummary } from './summary';

/**
 * In the order a run goes through them: read the mirror, reconcile the export record by record, link the records no
 * target carries the ID of by resemblance, then orphans.
 */
export type ReconcilePhase = 'target' | 'legacy' | 'fuzzy' | 'orphans';

export interface ReconcileOptions {
  object: string;
  mapping: LoadedMapping;
  /** The legacy export: a folder holding `<Table>.csv` files, or one file. */
  legacyPath: string;
  /** Rows per statement; bounds memory (default 2000). */
  batchSize?: number;
  /**
   * The fuzzy fallback for companies and contacts (default on). `false` leaves every record without an ID match `new`;
   * `chunkSize` bounds the records per side handed to one `link` call (default 50,000).
   */
  fuzzy?: false | { chunkSize?: number };
  /**
   * Read and map the export on a thread of its own (true), on the calling thread (false), or decide by the export's
   * size (default; see THREAD_FROM_BYTES in legacy-batches.ts). The outcome is the same either way.
   */
  readerThread?: boolean;
  onProgress?(phase: ReconcilePhase, rows: number, total?: number): void;
  /** Called once with what the fallback compared and found (benchmarks, logs). */
  onFuzzyStats?(stats: FuzzyStats & { durationMs: number }): void;
  /**
   * Go on with an export that has no readable row, or fewer than `shrinkThreshold` (default 0.5) of the rows read by
   * the last successful run; without it such a run is refused before staging changes (ExportRefused).
   */
  acceptShrink?: boolean;
  shrinkThreshold?: number;
  /**
   * Stops the run at the next batch boundary. Staging changes in one transaction, so a stopped run rolls back whole:
   * staging and the quarantine keep the previous run's rows, and the run is logged `failed` with why.
   */
  signal?: AbortSignal;
}

/** A run stopped through its signal: nothing of it was kept. */
export class ReconcileCancelled extends Error {
  constructor(object: string) {
    super(`the reconcile of ${object} was cancelled before it finished; staging holds the previous run's rows`);
    this.name = 'ReconcileCancelled';
  }
}

/**
 * Records decided between two turns of the event loop. The previous batch's write is a chain of statements, each sent
 * when the one before it answers, which only happens between turns: without a pause it would wait for the whole batch.
 */
const DECIDE_SLICE = 250;

interface Connectors {
  legacy: CsvExportConnector;
  target: Connector;
  targetObject: string;
  targetDescription: string;
  mirror: MirrorTable;
}

function connectorsFor(sql: Sql, options: ReconcileOptions, mapper: ObjectMapper): Connectors {
  const spec = mapper.spec;
  const legacy = legacyConnector(options.legacyPath, options.object, mapper);
  const schema = options.mapping.config.target.schema;
  const target = new PostgresMirrorConnector(sql, {
    schema,
    tables: {
      [options.object]: {
        table: spec.target.table,
        idColumn: spec.target.idColumn,
        legacyIdColumn: spec.target.legacyIdColumn,
        modifiedColumn: spec.target.modifiedColumn,
      },
    },
  });
  return {
    legacy,
    target,
    targetObject: options.object,
    targetDescription: `${schema}.${spec.target.table}`,
    mirror: {
      schema,
      table: spec.target.table,
      idColumn: spec.target.idColumn,
      legacyIdColumn: spec.target.legacyIdColumn,
    },
  };
}

/**
 * Reconciles one object of a legacy export against the CRM mirror by legacy ID and records the outcome in
 * `staging.<object>`. Runs of the same object are serialised by an advisory lock; the staging table changes in one
 * transaction, so readers see either the previous run's rows or this run's, never a mix.
 */
export async function reconcile(db: Database, options: ReconcileOptions): Promise<ReconcileSummary> {
  const mapper = new ObjectMapper(options.mapping.config, options.object);
  const batchSize = options.batchSize ?? 2000;
  return db.withConnection(async (sql) => {
    await ensureObjectTable(sql, options.object);
    return withAdvisoryLock(sql, `crm-bridge:reconcile:${options.object}`, () => run(sql, options, mapper, batchSize));
  });
}

async function run(
  sql: Sql,
  options: ReconcileOptions,
  mapper: ObjectMapper,
  batchSize: number,
): Promise<ReconcileSummary> {
  const { object } = options;
  const stopIfCancelled = () => {
    if (options.signal?.aborted) throw new ReconcileCancelled(object);
  };
  stopIfCancelled();
  // Every phase reports progress at its batch boundaries, which is where a stop is honoured.
  const onProgress = (phase: ReconcilePhase, rows: number, total?: number) => {
    stopIfCancelled();
    options.onProgress?.(phase, rows, total);
  };
  const started = Date.now();
  const runId = randomUUID();
  const { legacy, target, targetObject, targetDescription, mirror } = connectorsFor(sql, options, mapper);
  await legacy.verify(object);
  await verifyTarget(target, targetObject, targetDescription, mapper);
  await abandonDeadRuns(sql, object);
  await sql.query(
    `INSERT INTO staging.reconciliation_log (run_id, object, source, target, mapping_sha256, status) VALUES ($1, $2, $3, $4, $5, 'running')`,
    [runId, object, options.legacyPath, targetDescription, options.mapping.sha256],
  );
  const quarantine = new QuarantineWriter(sql, runId);
  try {
    const layout = new TargetLayout(mirror, mapper.targetProperties);
    const targetLoad = await loadTarget(sql, runId, mirror, layout, onProgress);

    const counts = {
      matched: 0,
      fuzzy_match: 0,
      new: 0,
      conflict: 0,
      orphan: 0,
      unreadable_in_export: 0,
      updatesPending: 0,
      inserted: 0,
      updated: 0,
      deleted: 0,
    };
    const tally = async (rows: StagingRow[]) => {
      for (const r of rows) {
        counts[r.status]++;
        if (r.status === 'matched' && r.propertiesToUpdate && Object.keys(r.propertiesToUpdate).length > 0)
          counts.updatesPending++;
      }
      const written = await writeStagingRows(sql, object, runId, rows);
      counts.inserted += written.inserted;
      counts.updated += written.updated;
    };

    const plan = options.fuzzy === false ? null : fuzzyPlanFor(object, mapper, options.mapping.config);
    let legacyRows = 0;
    let shrinkWarning: string | undefined;
    await inTransaction(sql, async () => {
      legacyRows = await streamLegacy(
        sql,
        runId,
        object,
        legacyBatches({
          legacyPath: options.legacyPath,
          object,
          mapping: options.mapping.config,
          mapper,
          legacy,
          size: batchSize,
          thread: options.readerThread,
        }),
        mapper,
        quarantine,
        batchSize,
        {
          lookup: (batch) =>
            targetsFor(
              sql,
              runId,
              layout,
              batch.map((l) => l.legacyId),
            ),
          async decide(batch, targets) {
            // Records no target carries the ID of wait for the fallback, so their staging row is written once, finally.
            const held: LegacySide[] = [];
            const rows: StagingRow[] = [];
            for (let i = 0; i < batch.length; i++) {
              if (i > 0 && i % DECIDE_SLICE === 0) await nextTurn();
              const l = batch[i]!;
              const found = targets.get(l.legacyId) ?? [];
              if (plan && found.length === 0) held.push(l);
              else rows.push(classifyLegacy(mapper, l, found));
            }
            return async () => {
              await holdUnmatched(sql, runId, held);
              await tally(rows);
            };
          },
        },
        onProgress,
      );
      await quarantine.flush();
      // Decided before anything else is written: a refusal rolls back this transaction, so staging and the
      // quarantine stay exactly as the last run left them.
      shrinkWarning = await checkShrink(sql, {
        object,
        file: path.basename(legacy.fileOf(object)),
        legacyRows,
        quarantined: quarantine.rows,
        threshold: options.shrinkThreshold,
        accept: options.acceptShrink,
      });
      if (plan) {
        const fuzzyStarted = Date.now();
        const stats = await linkUnmatched(
          sql,
          runId,
          mapper,
          layout,
          plan,
          (options.fuzzy || {}).chunkSize ?? 50_000,
          (n) => onProgress('fuzzy', n),
        );
        for await (const page of linkedPages(sql, runId, batchSize)) {
          stopIfCancelled();
          const targets = await targetsById(
            sql,
            runId,
            layout,
            page.flatMap((p) => p.link?.targetId ?? []),
          );
          await tally(
            page.map(({ legacy, link }) => {
              const target = link && targets.get(link.targetId);
              return link && target ? classifyFuzzy(mapper, legacy, target, link) : classifyLegacy(mapper, legacy, []);
            }),
          );
        }
        options.onFuzzyStats?.({ ...stats, durationMs: Date.now() - fuzzyStarted });
      }
      let done = 0;
      for await (const page of orphanPages(sql, runId, object, batchSize)) {
        const linkedTo = plan
          ? await linkedTargets(
              sql,
              page.flatMap((p) => p.targetIds),
            )
          : undefined;
        await tally(
          page.map((p) =>
            p.unreadable
              ? classifyUnreadable(p.legacyId, p.targetIds, p.unreadable)
              : classifyOrphan(p.legacyId, p.targetIds, linkedTo),
          ),
        );
        onProgress('orphans', (done += page.length));
      }
      stopIfCancelled();
      counts.deleted = await deleteStaleRows(sql, object, runId);
      // The quarantine describes the latest run of each object; older entries go once this run has replaced them.
      await sql.query('DELETE FROM staging.quarantine WHERE object = $1 AND run_id <> $2', [object, runId]);
      await sql.query(
        `UPDATE staging.reconciliation_log SET status = 'succeeded', finished_at = now(), legacy_rows = $2, target_rows = $3,
                matched = $4, new = $5, conflict = $6, orphan = $7, quarantined = $8, updates_pending = $9, field_issues = $10,
                target_unlinked = $11, rows_inserted = $12, rows_updated = $13, rows_deleted = $14, fuzzy_match = $15,
                unreadable_in_export = $16, unreadable_without_id = $17
          WHERE run_id = $1`,
        [
          runId,
          legacyRows,
          targetLoad.rows,
          counts.matched,
          counts.new,
          counts.conflict,
          counts.orphan,
          quarantine.rows,
          counts.updatesPending,
          quarantine.fieldIssues,
          targetLoad.unlinked,
          counts.inserted,
          counts.updated,
          counts.deleted,
          counts.fuzzy_match,
          counts.unreadable_in_export,
          quarantine.rowsWithoutId,
        ],
      );
    });
    const summary = {
      runId,
      object,
      source: options.legacyPath,
      target: targetDescription,
      legacyRows,
      targetRows: targetLoad.rows,
      targetUnlinked: targetLoad.unlinked,
      matched: counts.matched,
      fuzzyMatch: counts.fuzzy_match,
      new: counts.new,
      conflict: counts.conflict,
      orphan: counts.orphan,
      unreadableInExport: counts.unreadable_in_export,
      quarantined: quarantine.rows,
      unreadableWithoutId: quarantine.rowsWithoutId,
      fieldIssues: quarantine.fieldIssues,
      updatesPending: counts.updatesPending,
      rowsInserted: counts.inserted,
      rowsUpdated: counts.updated,
      rowsDeleted: counts.deleted,
      durationMs: Date.now() - started,
    };
    return { ...summary, warnings: summaryWarnings(summary, shrinkWarning) };
  } catch (error) {
    const refused = error instanceof ExportRefused;
    await sql.query(
      `UPDATE staging.reconciliation_log SET status = $2, finished_at = now(), error = $3, legacy_rows = $4, quarantined = $5 WHERE run_id = $1`,
      [
        runId,
        refused ? 'refused' : 'failed',
        (error as Error).message.slice(0, 4000),
        refused ? error.legacyRows : 0,
        refused ? error.quarantined : 0,
      ],
    );
    throw error;
  } finally {
    await clearScratch(sql, runId);
  }
}

/** The mirror table and every column the mapping names must exist; one message lists all that is missing. */
async function verifyTarget(
  target: Connector,
  object: string,
  description: string,
  mapper: ObjectMapper,
): Promise<void> {
  let schema;
  try {
    schema = await target.describe(object);
  } catch (error) {
    throw new InputError(
      `The CRM mirror table ${description} (object "${object}") cannot be read: ${(error as Error).message}. Load the mirror, or fix target.schema / objects.${object}.target.table in the mapping.`,
    );
  }
  const present = new Set(schema.fields.map((f) => f.name));
  const wanted = [mapper.spec.target.idColumn, mapper.spec.target.legacyIdColumn, ...mapper.targetProperties];
  const missing = wanted.filter((c) => !present.has(c));
  if (missing.length) {
    throw new InputError(
      `The CRM mirror table ${description} lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} named by the mapping of "${object}"`,
    );
  }
}

/** A run still marked running while we hold the object's lock belongs to a process that died: close it and free its scratch rows. */
async function abandonDeadRuns(sql: Sql, object: string): Promise<void> {
  const { rows } = await sql.query<{ run_id: string }>(
    `UPDATE staging.reconciliation_log SET status = 'abandoned', finished_at = now()
      WHERE object = $1 AND status = 'running' RETURNING run_id`,
    [object],
  );
  for (const r of rows) await clearScratch(sql, r.run_id);
}

export async function clearScratch(sql: Sql, runId: string): Promise<void> {
  await sql.query('DELETE FROM staging.run_seen WHERE run_id = $1', [runId]);
  await sql.query('DELETE FROM staging.run_target WHERE run_id = $1', [runId]);
  await sql.query('DELETE FROM staging.run_unmatched WHERE run_id = $1', [runId]);
}
