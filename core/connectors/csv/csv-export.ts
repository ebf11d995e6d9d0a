import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type {
  Connector,
  ConnectionCheck,
  FieldSchema,
  FieldType,
  ObjectSchema,
  ReadItem,
  ReadOptions,
} from '../connector';
import { CsvFormatError, inspectCsv, readCsv, resolveColumns, type CsvReadOptions } from './csv-reader';

export interface CsvObject {
  /** Table name of the export: `Company` is read from `Company.csv` (any case, .csv/.tsv/.txt). */
  file: string;
  idColumn: string;
  requiredColumns?: string[];
  modifiedColumn?: string;
  /** Column names, for a file exported without a header row. */
  columns?: string[];
}

export interface CsvExportOptions {
  encoding?: CsvReadOptions['encoding'];
  delimiter?: CsvReadOptions['delimiter'];
  /** Reject repeated IDs while reading (costs memory per distinct ID); callers that dedupe in a database pass false. */
  rejectDuplicateIds?: boolean;
}

const EXTENSIONS = ['.csv', '.tsv', '.txt'];

function inferType(values: string[]): FieldType {
  const present = values.filter((v) => v.trim() !== '');
  if (present.length === 0) return 'unknown';
  if (present.every((v) => /^[-+]?\d+$/.test(v.trim()))) return 'integer';
  if (present.every((v) => /^[-+]?[\d,]*\.?\d+$/.test(v.trim()))) return 'number';
  if (present.every((v) => /^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$/.test(v.trim()))) return 'date';
  if (present.every((v) => /^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}[ T]\d{1,2}:\d{2}/.test(v.trim()))) return 'datetime';
  return 'string';
}

/** A legacy CRM's export: one file per table, in a folder (or a single file for a single object). */
export class CsvExportConnector implements Connector {
  readonly system = 'csv';

  constructor(
    private readonly location: string,
    private readonly objects: Record<string, CsvObject>,
    private readonly options: CsvExportOptions = {},
  ) {}

  private spec(object: string): CsvObject {
    const spec = this.objects[object];
    if (!spec) throw new CsvFormatError(`No export table is configured for object "${object}"`);
    return spec;
  }

  /** Finds the object's file; a path to a single file serves whichever object is asked for. */
  fileOf(object: string): string {
    const spec = this.spec(object);
    let stat;
    try {
      stat = statSync(this.location);
    } catch {
      throw new CsvFormatError(`Legacy export not found: ${this.location}`);
    }
    if (stat.isFile()) return this.location;
    const wanted = EXTENSIONS.map((e) => `${spec.file}${e}`.toLowerCase());
    const match = readdirSync(this.location).find((f) => wanted.includes(f.toLowerCase()));
    if (!match) throw new CsvFormatError(`No ${spec.file}.csv in ${this.location} (object "${object}")`);
    return path.join(this.location, match);
  }

  private readOptions(object: string, options: ReadOptions = {}): CsvReadOptions {
    const spec = this.spec(object);
    return {
      idColumn: spec.idColumn,
      requiredColumns: spec.requiredColumns,
      columns: spec.columns,
      modifiedColumn: spec.modifiedColumn,
      since: options.since,
      encoding: this.options.encoding,
      delimiter: this.options.delimiter,
      rejectDuplicateIds: this.options.rejectDuplicateIds,
    };
  }

  async checkConnection(): Promise<ConnectionCheck> {
    const found: string[] = [];
    const missing: string[] = [];
    for (const object of Object.keys(this.objects)) {
      try {
        found.push(path.basename(this.fileOf(object)));
      } catch {
        missing.push(object);
      }
    }
    return missing.length === 0
      ? { ok: true, message: `found ${found.join(', ')}` }
      : { ok: found.length > 0, message: `found ${found.join(', ') || 'nothing'}; missing ${missing.join(', ')}` };
  }

  async listObjects(): Promise<string[]> {
    return Object.keys(this.objects).filter((o) => {
      try {
        this.fileOf(o);
        return true;
      } catch {
        return false;
      }
    });
  }

  async describe(object: string): Promise<ObjectSchema> {
    const file = this.fileOf(object);
    const layout = await inspectCsv(file, this.readOptions(object));
    const samples: string[][] = layout.header.map(() => []);
    let n = 0;
    for await (const item of readCsv(file, this.readOptions(object))) {
      if (item.type !== 'record') continue;
      layout.header.forEach((h, i) => {
        const v = item.record.properties[h];
        if (v != null && samples[i]!.length < 20) samples[i]!.push(v);
      });
      if (++n >= 200) break;
    }
    const fields: FieldSchema[] = layout.header.map((name, i) => ({
      name,
      type: inferType(samples[i]!),
      sample: samples[i]!.slice(0, 5),
    }));
    return { object, idField: this.spec(object).idColumn, fields };
  }

  /** Checks that the object's file exists and has its ID and required columns, before any work starts. */
  async verify(object: string): Promise<void> {
    const file = this.fileOf(object);
    const options = this.readOptions(object);
    resolveColumns(
      await inspectCsv(file, options),
      [options.idColumn, ...(options.requiredColumns ?? [])],
      options.idColumn,
    );
  }

  read(object: string, options?: ReadOptions): AsyncIterable<ReadItem> {
    return readCsv(this.fileOf(object), this.readOptions(object, options));
  }
}
