import { statSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import type { Rejection } from '../connectors/connector';
import { CsvExportConnector } from '../connectors/csv/csv-export';
import type { MappingConfig } from '../mapping/mapping-config';
import { ObjectMapper } from '../mapping/object-mapper';
import { launchWorker } from '../threads/launch-worker';
import type { LegacySide } from './classify';

/** What the legacy phase consumes, in file order: a record read and mapped, or a row the reader could not read. */
export type MappedItem =
  | { kind: 'rejected'; rejection: Rejection }
  | { kind: 'record'; side: LegacySide; /** the physical line, when the reader knows it */ originLine?: number };

/** The export of one object, as reconcile reads it: repeated IDs are caught later, by the run's scratch table. */
export function legacyConnector(legacyPath: string, object: string, mapper: ObjectMapper): CsvExportConnector {
  const spec = mapper.spec;
  return new CsvExportConnector(
    legacyPath,
    {
      [object]: {
        file: spec.legacy.file,
        idColumn: spec.legacy.idColumn,
        requiredColumns: mapper.legacyColumns.slice(1),
      },
    },
    { rejectDuplicateIds: false },
  );
}

/** Reads and maps the export, `size` items at a time. The same on the calling thread and on the reader thread. */
export async function* mapLegacy(
  legacy: CsvExportConnector,
  mapper: ObjectMapper,
  object: string,
  size: number,
): AsyncGenerator<MappedItem[]> {
  let batch: MappedItem[] = [];
  for await (const item of legacy.read(object)) {
    if (item.type === 'rejected') batch.push({ kind: 'rejected', rejection: item.rejection });
    else {
      const { record } = item;
      const { values, issues } = mapper.map(record.properties);
      batch.push({
        kind: 'record',
        originLine: record.origin?.line,
        side: {
          legacyId: record.id,
          source: record.origin?.source ?? object,
          line: record.origin?.line ?? 0,
          legacyProperties: record.properties,
          mapped: values,
          issues,
        },
      });
    }
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/**
 * From this size on, the export is read and mapped on a thread of its own: parsing and mapping (phones above all) are
 * most of a large run's work, and on a second core they overlap with classifying and writing. Below it, starting the
 * thread (loading the mapping code again, ~0.1 s) costs more than it saves.
 */
export const THREAD_FROM_BYTES = 4 * 1024 * 1024;

/** Batches read ahead by the reader thread; each waits, cloned, until the run takes it. Bounds memory. */
const READ_AHEAD = 2;

export interface LegacyBatchOptions {
  legacyPath: string;
  object: string;
  mapping: MappingConfig;
  mapper: ObjectMapper;
  legacy: CsvExportConnector;
  size: number;
  /** true or false forces the choice; by default the export's size decides. */
  thread?: boolean;
}

/** The export's batches, read and mapped on the reader thread when it is large (see THREAD_FROM_BYTES). */
export function legacyBatches(options: LegacyBatchOptions): AsyncIterable<MappedItem[]> {
  const thread = options.thread ?? statSync(options.legacy.fileOf(options.object)).size >= THREAD_FROM_BYTES;
  return thread ? onReaderThread(options) : mapLegacy(options.legacy, options.mapper, options.object, options.size);
}

/** An error as it crosses threads: what classifyError and the messages read (name, message, code, path). */
export interface ThreadError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  path?: string;
}

export type ReaderMessage = { batch: MappedItem[] } | { done: true } | { error: ThreadError };

function rebuilt(e: ThreadError): Error {
  return Object.assign(new Error(e.message), e);
}

async function* onReaderThread(options: LegacyBatchOptions): AsyncGenerator<MappedItem[]> {
  const { port1, port2 } = new MessageChannel();
  const worker = launchWorker(
    join(__dirname, 'legacy-thread'),
    {
      port: port2,
      legacyPath: options.legacyPath,
      object: options.object,
      mapping: options.mapping,
      size: options.size,
      readAhead: READ_AHEAD,
    },
    [port2],
  );
  const arrived: ReaderMessage[] = [];
  let wake: (() => void) | undefined;
  const receive = (m: ReaderMessage) => {
    arrived.push(m);
    wake?.();
  };
  port1.on('message', receive);
  worker.on('error', (e) =>
    receive({ error: { name: e.name, message: `the export reader thread failed: ${e.message}` } }),
  );
  worker.on('exit', (code) =>
    receive({ error: { name: 'Error', message: `the export reader thread stopped (exit code ${code})` } }),
  );
  try {
    for (;;) {
      if (arrived.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const m = arrived.shift()!;
      if ('error' in m) throw rebuilt(m.error);
      if ('done' in m) return;
      port1.postMessage('more');
      yield m.batch;
    }
  } finally {
    worker.removeAllListeners('exit');
    port1.close();
    await worker.terminate();
  }
}
