import type { DynamicsWebApi } from 'dynamics-web-api';
import type { UpsertInput, UpsertOptions, UpsertResult, Value } from '../connector';
import type { DynamicsClient } from './client';
import type { ColumnInfo, DynamicsTables, TableInfo } from './describe';
import { isGuid } from './by-id';
import { describeSdkError, DynamicsError, meaningOf } from './errors';
import { MAX_BATCH, MAX_PAGE_SIZE } from './options';
import { pageSchema, parseReply } from './schemas';
import { readValue, ValueError, writeValue } from './values';

/** An OData string literal in a key segment or filter, percent-encoded for the URL path ('' doubles a quote). */
const literal = (value: string) => `'${encodeURIComponent(value.replace(/'/g, "''"))}'`;
const filterLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** One record's write: its body, and whether this upsert believes the row exists (If-Match) or not (If-None-Match). */
interface Pending {
  index: number;
  body: Record<string, unknown>;
  exists: boolean;
  id?: string;
  /** Second attempt after Dataverse disagreed about existence (created or deleted meanwhile). */
  retried?: boolean;
}

/**
 * Upserts by an alternate key through `$batch`: each batch of records is read first by key (one GET, for the IDs of
 * existing rows and, with `detectUnchanged`, their values), then the rows that differ are written with
 * `PATCH /{set}(key='value')` parts outside change sets under `Prefer: odata.continue-on-error`, so each record gets its
 * own result. `If-Match: *` / `If-None-Match: *` make a row created or deleted since the read fail instead of being
 * miscounted; such records are sent once more the other way.
 */
export class DynamicsUpserter {
  constructor(
    private readonly client: DynamicsClient,
    private readonly tables: DynamicsTables,
  ) {}

  async upsert(object: string, records: UpsertInput[], options: UpsertOptions): Promise<UpsertResult[]> {
    const table = await this.tables.table(object);
    const key = table.columns.get(options.keyProperty);
    const byId = key?.logicalName === table.primaryId;
    if (!key || (!byId && !table.keys.some((k) => k.length === 1 && k[0] === key.logicalName)))
      throw new DynamicsError(
        `"${options.keyProperty}" is not an alternate key of Dynamics ${table.logicalName} (its keys: ${table.keys.map((k) => k.join('+')).join(', ') || 'none'}); define one in Dataverse to upsert by it`,
      );
    const binds = await bindTargets(this.tables, table, records);
    const detect = options.detectUnchanged ?? this.client.options.detectUnchanged ?? true;
    const size = Math.min(this.client.options.batchSize ?? 200, MAX_BATCH);
    const results = new Array<UpsertResult>(records.length);
    const seen = new Set<string>();
    const order: number[] = [];
    records.forEach((r, i) => {
      if (byId && !isGuid(r.key))
        results[i] = { key: r.key, status: 'failed', error: `${table.logicalName} ${r.key}: not a row ID (a GUID)` };
      else if (seen.has(r.key))
        results[i] = { key: r.key, status: 'failed', error: `key ${r.key} appears more than once in this upsert` };
      else {
        seen.add(r.key);
        order.push(i);
      }
    });
    const batches: number[][] = [];
    for (let i = 0; i < order.length; i += size) batches.push(order.slice(i, i + size));
    let next = 0;
    let fatal: unknown;
    const work = async () => {
      while (fatal === undefined && next < batches.length) {
        const batch = batches[next++]!;
        try {
          await this.upsertBatch(table, key, records, batch, { detect, binds }, results);
        } catch (error) {
          const e = error instanceof DynamicsError ? error : this.client.toError(error, `upsert ${table.logicalName}`);
          if (e.connectionFailed) fatal = e;
          const reason = `${e.message} (this batch's outcome is unknown; run the upsert again: it is idempotent by ${key.logicalName})`;
          for (const i of batch) results[i] ??= { key: records[i]!.key, status: 'failed', error: reason };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.client.options.parallelBatches ?? 4, batches.length) }, work));
    if (fatal !== undefined) throw fatal;
    return results;
  }

  private async upsertBatch(
    table: TableInfo,
    key: ColumnInfo,
    records: UpsertInput[],
    batch: number[],
    { detect, binds }: { detect: boolean; binds: Map<string, string> },
    results: UpsertResult[],
  ): Promise<void> {
    const byId = key.logicalName === table.primaryId;
    const pending: Pending[] = [];
    const bodies = new Map<number, Record<string, unknown>>();
    for (const i of batch) {
      const body = this.body(table, key, records[i]!, binds);
      if (typeof body === 'string') results[i] = { key: records[i]!.key, status: 'failed', error: body };
      else bodies.set(i, body);
    }
    const existing = await this.existing(
      table,
      key,
      [...bodies.keys()].map((i) => records[i]!),
      detect,
    );
    for (const [i, body] of bodies) {
      const row = existing.get(byId ? records[i]!.key.toLowerCase() : records[i]!.key);
      // By row ID, an upsert only updates: a row that is not there is not made up with that ID.
      if (!row && byId)
        results[i] = {
          key: records[i]!.key,
          status: 'failed',
          error: `${table.logicalName} ${records[i]!.key}: no such row`,
        };
      else if (row && detect && unchanged(table, body, row))
        results[i] = { key: records[i]!.key, status: 'unchanged', id: row.id };
      else pending.push({ index: i, body, exists: !!row, id: row?.id });
    }
    let round = pending;
    while (round.length) {
      const again: Pending[] = [];
      const answers = await this.writeBatch(table, key, records, round);
      round.forEach((p, n) => {
        const record = records[p.index]!;
        const answer = answers[n];
        if (!(answer instanceof Error) && answer && typeof answer === 'object') {
          const id = (answer as Record<string, unknown>)[table.primaryId];
          results[p.index] = {
            key: record.key,
            status: p.exists ? 'updated' : 'created',
            ...(typeof id === 'string' ? { id } : {}),
          };
          return;
        }
        const { status, code, message } = describeSdkError(answer);
        // Created by someone else since the read (412 on If-None-Match) or deleted since (404 on If-Match).
        const raced =
          (!p.exists && status === 412 && code === '0x80040237' && /matching key/.test(message)) ||
          (p.exists && status === 404);
        if (raced && !p.retried) again.push({ ...p, exists: !p.exists, retried: true });
        else
          results[p.index] = {
            key: record.key,
            status: 'failed',
            error: recordError(table, key, record.key, status, code, message),
          };
      });
      round = again;
    }
  }

  /** The body of one record, or the reason it cannot be sent (naming the record and the column). */
  private body(
    table: TableInfo,
    key: ColumnInfo,
    record: UpsertInput,
    binds: Map<string, string>,
  ): Record<string, unknown> | string {
    const body: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(record.properties)) {
      if (name === key.logicalName) continue;
      const where = `${table.logicalName} ${key.logicalName}=${record.key}: column ${name}`;
      if (name.endsWith(BIND)) {
        // A bare row ID (what the sync engine has of a parent) is bound through the table the property points at.
        const set = binds.get(name);
        if (value !== null && isGuid(value) && !set) return `${where}: cannot tell which table it points at`;
        if (value !== null) body[name] = isGuid(value) ? `/${set}(${value.trim()})` : value;
        continue;
      }
      const column = table.columns.get(name);
      if (!column) return `${where}: Dynamics ${table.logicalName} has no such column`;
      if (!column.writable) return `${where}: the column is read-only in Dataverse`;
      try {
        body[name] = writeValue(column, value);
      } catch (error) {
        if (error instanceof ValueError) return `${where}: ${error.message}`;
        throw error;
      }
    }
    return body;
  }

  /** The rows of these keys (ID, and with `detect` the columns written), by key value. */
  private async existing(
    table: TableInfo,
    key: ColumnInfo,
    records: UpsertInput[],
    detect: boolean,
  ): Promise<Map<string, { id: string; row: Record<string, unknown> }>> {
    const found = new Map<string, { id: string; row: Record<string, unknown> }>();
    if (!records.length) return found;
    const written = detect ? [...new Set(records.flatMap((r) => Object.keys(r.properties)))] : [];
    const select = [
      ...new Set([
        table.primaryId,
        key.wireName,
        'modifiedon',
        ...written.flatMap((n) => table.columns.get(n)?.wireName ?? []),
      ]),
    ];
    const byId = key.logicalName === table.primaryId;
    // Row IDs are GUID literals in OData, not strings.
    const filter = records
      .map((r) => `${key.logicalName} eq ${byId ? r.key.trim() : filterLiteral(r.key)}`)
      .join(' or ');
    let link: string | undefined;
    do {
      const reply = await this.client.call(`read ${table.logicalName} before upsert`, (api) =>
        api.retrieveMultiple({ collection: table.entitySetName, select, filter, maxPageSize: MAX_PAGE_SIZE }, link),
      );
      const page = parseReply(pageSchema(table.primaryId), reply, `GET ${this.client.apiPath}/${table.entitySetName}`);
      for (const row of page.value as Array<Record<string, unknown>>) {
        const value = readValue(key, row[key.wireName]);
        if (value !== null) found.set(byId ? value.toLowerCase() : value, { id: row[table.primaryId] as string, row });
      }
      link = page.oDataNextLink ?? undefined;
    } while (link);
    return found;
  }

  /** One `$batch` of upserts outside change sets, continuing on errors: one answer (row or Error) per part. */
  private async writeBatch(
    table: TableInfo,
    key: ColumnInfo,
    records: UpsertInput[],
    parts: Pending[],
  ): Promise<unknown[]> {
    const cost = this.client.options.batchCountsOperations ? parts.length : 1;
    const answers = await this.client.call(
      `upsert ${table.logicalName} ($batch of ${parts.length})`,
      (api) => {
        // A batch instance of its own: the SDK collects batch parts on the instance, so concurrent batches must not share one.
        const batch: DynamicsWebApi = api.initializeInstance();
        batch.startBatch();
        for (const p of parts)
          void batch.upsert({
            collection: table.entitySetName,
            key:
              key.logicalName === table.primaryId
                ? records[p.index]!.key.trim()
                : `${key.logicalName}=${literal(records[p.index]!.key)}`,
            data: p.body,
            returnRepresentation: true,
            select: [table.primaryId],
            inChangeSet: false,
            ...(p.exists ? { ifmatch: '*' } : { ifnonematch: '*' }),
          });
        return batch.executeBatch({ continueOnError: true, inChangeSet: false });
      },
      cost,
    );
    if (!Array.isArray(answers) || answers.length !== parts.length)
      throw new DynamicsError(
        `Dynamics $batch upsert of ${table.logicalName}: expected ${parts.length} answers, got ${Array.isArray(answers) ? answers.length : typeof answers}`,
      );
    return answers;
  }
}

const BIND = '@odata.bind';

/**
 * The entity set each `<navigation>@odata.bind` property of these records points at, where the metadata says: a
 * lookup with one target (`primarycontactid@odata.bind`), or `<lookup>_<table>` (`parentcustomerid_account@odata.bind`).
 */
async function bindTargets(
  tables: DynamicsTables,
  table: TableInfo,
  records: UpsertInput[],
): Promise<Map<string, string>> {
  const names = new Set(records.flatMap((r) => Object.keys(r.properties).filter((n) => n.endsWith(BIND))));
  const out = new Map<string, string>();
  for (const name of names) {
    const target = bindTarget(table, name.slice(0, -BIND.length));
    if (target) out.set(name, (await tables.table(target)).entitySetName);
  }
  return out;
}

/** The table a navigation property of a lookup points at, if the metadata tells. */
export function bindTarget(table: TableInfo, navigation: string): string | undefined {
  const lookup = table.columns.get(navigation);
  if (lookup?.targets.length === 1) return lookup.targets[0];
  for (const column of table.columns.values()) {
    if (!column.targets.length || !navigation.startsWith(`${column.logicalName}_`)) continue;
    const target = navigation.slice(column.logicalName.length + 1);
    if (column.targets.includes(target)) return target;
  }
  return undefined;
}

/** Whether every value of `body` is already in the row read back. */
function unchanged(
  table: TableInfo,
  body: Record<string, unknown>,
  existing: { row: Record<string, unknown> },
): boolean {
  for (const [name, wanted] of Object.entries(body)) {
    if (name.endsWith(BIND)) return false; // the bound row's ID is not known here: always write
    const column = table.columns.get(name)!;
    const have: Value = readValue(column, existing.row[column.wireName]);
    const want: Value =
      wanted === null
        ? null
        : readValue(
            column,
            wanted instanceof Date
              ? wanted
              : typeof wanted === 'string' && column.type === 'DateTime'
                ? new Date(wanted)
                : wanted,
          );
    if (have !== want) return false;
  }
  return true;
}

/** A failed part as a message naming the record, the column when Dataverse named one, and what the code means. */
function recordError(
  table: TableInfo,
  key: ColumnInfo,
  value: string,
  status?: number,
  code?: string,
  message?: string,
): string {
  const column = /'([a-z_][a-z0-9_]*)'/i.exec(message ?? '')?.[1];
  const named = column && table.columns.has(column) ? `: column ${column}` : '';
  const meaning = meaningOf(code);
  return `${table.logicalName} ${key.logicalName}=${value}${named}: Dataverse refused it with HTTP ${status ?? '?'}${code ? ` ${code}` : ''}${meaning ? ` (${meaning})` : ''}: ${message ?? 'no message'}`;
}
