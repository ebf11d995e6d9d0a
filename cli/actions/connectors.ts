import { createReadStream } from 'node:fs';
import readline from 'node:readline';
import type { Command } from 'commander';
import type { UpsertInput, UpsertResult } from '../../core/connectors/connector';
import { CrmNameSchema, describeSchema } from '../../core/connectors/requests';
import { readCsv } from '../../core/connectors/csv/csv-reader';
import { loadConnections, openConnector } from '../../core/connectors/registry';
import { UsageError } from '../../core/errors';
import type { GlobalOptions } from '../context';
import { emit, fail, table } from '../output';

const CHUNK = 2000;

/** Input records for an upsert, from CSV (header row) or JSON lines, in chunks so memory stays flat. */
async function* inputChunks(file: string, key: string): AsyncGenerator<UpsertInput[]> {
  const chunk: UpsertInput[] = [];
  const push = (record: Record<string, unknown>, where: string) => {
    const value = record[key];
    if (value === undefined || value === null || String(value).trim() === '')
      throw new UsageError(`${where}: no value for the key "${key}"`);
    const properties: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(record))
      properties[k] = v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v);
    chunk.push({ key: String(value).trim(), properties });
  };
  if (/\.jsonl?$/i.test(file)) {
    let line = 0;
    for await (const text of readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      line++;
      if (!text.trim()) continue;
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch (error) {
        throw new UsageError(`${file} line ${line}: not JSON (${(error as Error).message})`);
      }
      push(record as Record<string, unknown>, `${file} line ${line}`);
      if (chunk.length >= CHUNK) yield chunk.splice(0);
    }
  } else {
    for await (const item of readCsv(file, { idColumn: key })) {
      if (item.type === 'rejected')
        throw new UsageError(`${file} line ${item.rejection.line}: ${item.rejection.reason}`);
      push(item.record.properties, `${file} line ${item.record.origin?.line}`);
      if (chunk.length >= CHUNK) yield chunk.splice(0);
    }
  }
  if (chunk.length) yield chunk;
}

export const describeAction = async (
  opts: { from: string; object: string; connections?: string },
  command: Command,
) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    const crm = CrmNameSchema.parse(opts.from);
    const connector = await openConnector(crm, loadConnections(opts.connections));
    const result = await describeSchema(connector, { crm, object: opts.object });
    emit(global, result, (r) =>
      [
        `${r.crm} ${r.object}: ${r.fieldCount} field(s), ID ${r.idField}`,
        table(
          ['name', 'label', 'type', 'flags', 'options'],
          r.fields.map((f) => [
            f.name,
            f.label ?? '',
            f.format ? `${f.type} (${f.format})` : f.type,
            [f.required && 'required', f.unique && 'unique', f.readOnly && 'read-only'].filter(Boolean).join(', '),
            f.options?.join('; ') ?? '',
          ]),
        ),
      ].join('\n'),
    );
  } catch (error) {
    fail(error, global);
  }
};

export const readAction = async (
  opts: {
    from: string;
    object: string;
    since?: string;
    properties?: string;
    limit?: number;
    connections?: string;
  },
  command: Command,
) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    const connector = await openConnector(CrmNameSchema.parse(opts.from), loadConnections(opts.connections));
    let n = 0;
    let cursor: string | undefined;
    // Without --json the records stream out as JSON lines; with it they are gathered into the one envelope.
    const records: Array<{ id: string; modifiedAt?: string; properties: Record<string, unknown> }> = [];
    for await (const item of connector.read(opts.object, {
      since: opts.since,
      properties: opts.properties
        ?.split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    })) {
      if (item.type !== 'record') continue;
      const { id, modifiedAt, properties } = item.record;
      if (global.json) records.push({ id, modifiedAt, properties });
      else process.stdout.write(`${JSON.stringify({ id, modifiedAt, properties })}\n`);
      if (modifiedAt) cursor = `${modifiedAt}|${id}`;
      if (++n === opts.limit) break;
    }
    if (global.json) emit(global, { object: opts.object, count: n, nextCursor: cursor ?? null, records }, () => '');
    else
      process.stderr.write(
        `read ${n} ${opts.object} record(s)${cursor ? `; continue with --since '${cursor}'` : ''}\n`,
      );
  } catch (error) {
    fail(error, global);
  }
};

export const upsertAction = async (
  opts: { to: string; object: string; key: string; input: string; connections?: string },
  command: Command,
) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    const connector = await openConnector(CrmNameSchema.parse(opts.to), loadConnections(opts.connections));
    if (!connector.upsert) throw new UsageError(`${opts.to} cannot be written to`);
    const counts = { created: 0, updated: 0, unchanged: 0, failed: 0 };
    const failures: UpsertResult[] = [];
    for await (const chunk of inputChunks(opts.input, opts.key)) {
      for (const r of await connector.upsert(opts.object, chunk, { keyProperty: opts.key })) {
        counts[r.status]++;
        if (r.status === 'failed') failures.push(r);
      }
    }
    const verdict = failures.length
      ? {
          kind: 'partial' as const,
          message: `${failures.length} record(s) failed, e.g. ${failures
            .slice(0, 3)
            .map((f) => `${opts.key}=${f.key}: ${f.error}`)
            .join('; ')}`,
        }
      : undefined;
    emit(
      global,
      { counts, failures },
      () => {
        const lines = [
          table(
            ['created', 'updated', 'unchanged', 'failed'],
            [[counts.created, counts.updated, counts.unchanged, counts.failed]],
          ),
        ];
        for (const f of failures.slice(0, 50)) lines.push(`failed ${opts.key}=${f.key}: ${f.error}`);
        if (failures.length > 50) lines.push(`… and ${failures.length - 50} more (use --json for all)`);
        return lines.join('\n');
      },
      verdict,
    );
  } catch (error) {
    fail(error, global);
  }
};
