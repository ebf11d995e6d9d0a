import type { Value } from '../connector';
import type { ColumnInfo } from './describe';

/** A value as Dataverse returned it (Dates from the SDK's reviver), as the flat string every connector reads. */
export function readValue(column: ColumnInfo, raw: unknown): Value {
  if (raw === null || raw === undefined || raw === '') return null;
  if (raw instanceof Date) return raw.toISOString();
  if (typeof raw === 'number' && column.labels.size) return column.labels.get(raw) ?? String(raw);
  if (column.type === 'MultiSelectPicklist' && typeof raw === 'string')
    return raw
      .split(',')
      .map((v) => column.labels.get(Number(v)) ?? v)
      .join(';');
  return String(raw);
}

/** A value that cannot go to its column, with the reason. */
export class ValueError extends Error {}

const BOOLEAN: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };

/**
 * A flat string as the JSON value its column takes: numbers for numeric columns, booleans, a choice's value for its
 * label (or its number), ISO times. Throws a ValueError naming what is wrong; the caller names the record and column.
 */
export function writeValue(column: ColumnInfo, value: Value): unknown {
  if (value === null || value.trim() === '') return null;
  const text = value.trim();
  switch (column.type) {
    case 'Integer':
    case 'BigInt': {
      if (!/^-?\d+$/.test(text)) throw new ValueError(`"${value}" is not a whole number`);
      return Number(text);
    }
    case 'Decimal':
    case 'Double':
    case 'Money': {
      const n = Number(text);
      if (!Number.isFinite(n)) throw new ValueError(`"${value}" is not a number`);
      return n;
    }
    case 'Boolean': {
      const b = BOOLEAN[text.toLowerCase()];
      if (b === undefined) throw new ValueError(`"${value}" is not true or false`);
      return b;
    }
    case 'DateTime': {
      const at = Date.parse(text);
      if (Number.isNaN(at)) throw new ValueError(`"${value}" is not a date or time`);
      return new Date(at).toISOString();
    }
    case 'Picklist':
    case 'State':
    case 'Status': {
      const byLabel =
        column.options.get(text) ?? [...column.options].find(([l]) => l.toLowerCase() === text.toLowerCase())?.[1];
      if (byLabel !== undefined) return byLabel;
      if (/^\d+$/.test(text) && column.labels.has(Number(text))) return Number(text);
      throw new ValueError(`"${value}" is not one of its choices (${[...column.options.keys()].join(', ')})`);
    }
    case 'Lookup':
    case 'Customer':
    case 'Owner':
      throw new ValueError(`a lookup is written as "<navigation property>@odata.bind": "/<entityset>(<id or key>)"`);
    default:
      return value;
  }
}
