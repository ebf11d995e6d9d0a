import type { Connector, FieldSchema } from '../connectors/connector';
import { PostgresMirrorConnector } from '../connectors/postgres/postgres-mirror';
import type { Database } from '../db/database';
import { UsageError } from '../errors';
import type { LoadedMapping } from '../mapping/load-mapping';
import { runSync, type SyncReport } from '../sync/engine';
import type { StreamCounts } from '../sync/outcome';
import { loadCursor, saveCursor } from '../sync/store';
import { MIRROR_JOB, mirrorJob, mirroredColumns } from './mirror-job';
import { ensureMirrorTable, type EnsuredTable, type MirrorColumnSpec } from './mirror-table';
import type { MirrorReport } from './schemas';

export interface RefreshOptions {
  mapping: LoadedMapping;
  /** The HubSpot connector the mirror is taken from. */
  hubspot: Connector;
  /** Objects of the mapping to refresh (default: all of them). */
  objects?: string[];
  /** Read everything again and check every mirrored row, instead of reading from the cursor. */
  full?: boolean;
  dryRun?: boolean;
  /** Plan lines a dry run keeps (the engine's default otherwise). */
  planLimit?: number;
  signal?: AbortSignal;
  /** Called after each batch is committed, with the stream's counts so far (progress). */
  onBatch?: (object: string, counts: StreamCounts) => void;
}

/** Where the deletions of a stream were last read up to, beside the engine's own cursor of the stream. */
const deletedStream = (stream: string) => `${stream}~deleted`;

/**
 * Brings the Postgres mirror of HubSpot up to date through the sync engine (HubSpot -> the mirror connector): the first
 * run reads everything, later runs what changed since the durable cursor, with the engine's locks, audit and
 * read-back. Records archived in HubSpot since the last refresh leave the mirror, so a deleted record becomes an
 * orphan or `new` on the next reconcile, never a false `matched`.
 */
export async function refreshMirror(db: Database, options: RefreshOptions): Promise<MirrorReport> {
  const { mapping, hubspot } = options;
  const config = mapping.config;
  const objects = options.objects?.length ? options.objects : Object.keys(config.objects);
  const unknown = objects.filter((o) => !config.objects[o]);
  if (unknown.length)
    throw new UsageError(
      `Not in the mapping: ${unknown.join(', ')} (it has: ${Object.keys(config.objects).join(', ')})`,
    );
  const schema = config.target.schema;
  const tables: Record<string, EnsuredTable> = {};
  const streams: Array<{ object: string; columns: ReturnType<typeof mirroredColumns> }> = [];
  for (const object of objects) {
    const spec = config.objects[object]!;
    const columns = mirroredColumns(config, object, await hubspot.describe(spec.target.table));
    streams.push({ object, columns });
    // A plan creates nothing: a missing column of an existing table is then named by the engine's field check.
    if (!options.dryRun) {
      tables[object] = await db.withConnection((sql) =>
        ensureMirrorTable(sql, schema, spec.target.table, spec.target.idColumn, columns, spec.target.legacyIdColumn),
      );
    }
  }
  const job = mirrorJob(config, streams);
  const tablesOf = Object.fromEntries(
    objects.map((o) => {
      const t = config.objects[o]!.target;
      return [
        t.table,
        { table: t.table, idColumn: t.idColumn, legacyIdColumn: t.legacyIdColumn, modifiedColumn: t.modifiedColumn },
      ];
    }),
  );
  // A plan creates nothing: tables a real run would create are described as it would create them.
  const planned = options.dryRun
    ? Object.fromEntries(
        streams.map(({ object, columns }) => [
          config.objects[object]!.target.table,
          plannedFields(config.objects[object]!.target.idColumn, columns),
        ]),
      )
    : undefined;
  const mirror = new PostgresMirrorConnector(db.pool, { schema, tables: tablesOf, ...(planned ? { planned } : {}) });
  const sync: SyncReport = await runSync({
    db,
    job,
    source: hubspot,
    target: mirror,
    dryRun: options.dryRun,
    full: options.full,
    signal: options.signal,
    ...(options.planLimit !== undefined ? { planLimit: options.planLimit } : {}),
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
  });
  const removed: Record<string, number> = {};
  if (!options.dryRun && hubspot.readDeleted) {
    for (const { object } of streams) {
      if (sync.streams.find((s) => s.stream === object)?.status !== 'succeeded') continue;
      removed[object] = await removeArchived(
        db,
        hubspot,
        mirror,
        config.objects[object]!.target.table,
        object,
        options.signal,
      );
    }
  }
  return { sync, tables, removed };
}

/** The fields `ensureMirrorTable` gives a new mirror table: the record ID as its unique key, then the mirrored columns. */
function plannedFields(idColumn: string, columns: MirrorColumnSpec[]): FieldSchema[] {
  return [
    { name: idColumn, type: 'integer', required: true, unique: true },
    ...columns.map((c) => ({ name: c.name, type: c.type, required: false, unique: false })),
  ];
}

/**
 * Rows of records HubSpot archived since the last refresh are deleted from the mirror, and the engine forgets it wrote
 * them, so a record restored later comes back as a create. The cursor moves only after both.
 */
async function removeArchived(
  db: Database,
  hubspot: Connector,
  mirror: PostgresMirrorConnector,
  hubspotObject: string,
  stream: string,
  signal?: AbortSignal,
): Promise<number> {
  const since = await loadCursor(db.pool, MIRROR_JOB, deletedStream(stream));
  let last = since;
  const ids: string[] = [];
  for await (const item of hubspot.readDeleted!(hubspotObject, {
    ...(since ? { since } : {}),
    ...(signal ? { signal } : {}),
  })) {
    if (item.type !== 'record') continue;
    ids.push(item.record.id);
    if (item.record.modifiedAt && (!last || item.record.modifiedAt > last)) last = item.record.modifiedAt;
  }
  let removed = 0;
  for (let i = 0; i < ids.length; i += 5000) {
    const chunk = ids.slice(i, i + 5000);
    removed += await mirror.deleteByIds(hubspotObject, chunk);
    await db.pool.query('DELETE FROM sync.records WHERE job = $1 AND stream = $2 AND source_id = ANY($3::text[])', [
      MIRROR_JOB,
      stream,
      chunk,
    ]);
  }
  if (last && last !== since) await saveCursor(db.pool, MIRROR_JOB, deletedStream(stream), last);
  return removed;
}
