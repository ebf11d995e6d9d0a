import type { EntityDef } from './entities';
import { CODES, DataverseFault } from './errors';
import type { StoredRow } from './store';
import type { Stored } from './values';

/*
 * The OData query options the emulator understands: `$filter` with comparisons joined by and/or/not and parentheses,
 * `$orderby`, `$select`, and alternate-key segments such as `(accountnumber='A-1',name='x')`.
 */

type Literal = string | number | boolean | null | { time: number };
type Node =
  | { kind: 'cmp'; field: string; op: string; value: Literal }
  | { kind: 'bool'; op: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; inner: Node };

const TOKEN =
  /\s*(?:(\()|(\))|('(?:[^']|'')*')|(\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:\d{2}))|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*))/iy;

const invalid = (message: string) => new DataverseFault(400, CODES.badRequest, `Invalid $filter: ${message}`);

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN.lastIndex < text.length && (m = TOKEN.exec(text))) tokens.push(m[0].trim());
  if (TOKEN.lastIndex < text.trimEnd().length) throw invalid(`syntax error at position ${TOKEN.lastIndex}`);
  return tokens.filter(Boolean);
}

function literal(token: string): Literal {
  if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
  if (/^\d{4}-\d{2}-\d{2}T/.test(token)) return { time: Date.parse(token) };
  if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
  if (token === 'true' || token === 'false') return token === 'true';
  if (token === 'null') return null;
  if (/^[0-9a-f-]{36}$/i.test(token)) return token.toLowerCase();
  throw invalid(`unexpected '${token}'`);
}

export function parseFilter(text: string): Node {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i]?.toLowerCase();
  const orExpr = (): Node => {
    let left = andExpr();
    while (peek() === 'or') {
      i++;
      left = { kind: 'bool', op: 'or', left, right: andExpr() };
    }
    return left;
  };
  const andExpr = (): Node => {
    let left = notExpr();
    while (peek() === 'and') {
      i++;
      left = { kind: 'bool', op: 'and', left, right: notExpr() };
    }
    return left;
  };
  const notExpr = (): Node => {
    if (peek() === 'not') {
      i++;
      return { kind: 'not', inner: notExpr() };
    }
    if (peek() === '(') {
      i++;
      const inner = orExpr();
      if (tokens[i++] !== ')') throw invalid('a parenthesis is not closed');
      return inner;
    }
    const field = tokens[i++];
    const op = tokens[i++]?.toLowerCase();
    const value = tokens[i++];
    if (!field || !op || value === undefined || !['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op))
      throw invalid(`expected "<column> <eq|ne|gt|ge|lt|le> <value>" near '${field ?? ''}'`);
    return { kind: 'cmp', field, op, value: literal(value) };
  };
  const node = orExpr();
  if (i < tokens.length) throw invalid(`unexpected '${tokens[i]}'`);
  return node;
}

/**
 * `f eq 'a' or f eq 'b' …` on one column as that column and its values (null for any other filter): the emulator then
 * looks rows up in the alternate-key index instead of scanning, as an upsert's read-before-write asks it.
 */
export function eqDisjunction(node: Node): { field: string; values: Literal[] } | null {
  if (node.kind === 'cmp')
    return node.op === 'eq' && typeof node.value === 'string' ? { field: node.field, values: [node.value] } : null;
  if (node.kind !== 'bool' || node.op !== 'or') return null;
  const left = eqDisjunction(node.left);
  const right = eqDisjunction(node.right);
  if (!left || !right || left.field !== right.field) return null;
  return { field: left.field, values: [...left.values, ...right.values] };
}

/** The value a query compares or selects: a lookup's `_x_value`, or a column. */
export function columnValue(row: StoredRow, field: string): Stored | undefined {
  return row.values[field];
}

function comparable(v: Stored | undefined, like: Literal): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  if (like && typeof like === 'object' && typeof v === 'string') return Date.parse(v);
  if (typeof v === 'string') return v.toLowerCase();
  return v;
}

export function matches(node: Node, row: StoredRow, def: EntityDef): boolean {
  if (node.kind === 'bool')
    return node.op === 'and'
      ? matches(node.left, row, def) && matches(node.right, row, def)
      : matches(node.left, row, def) || matches(node.right, row, def);
  if (node.kind === 'not') return !matches(node.inner, row, def);
  if (
    !(node.field in row.values) &&
    !def.attributes.some((a) => a.logicalName === node.field || `_${a.logicalName}_value` === node.field)
  )
    throw invalid(
      `Could not find a property named '${node.field}' on type 'Microsoft.Dynamics.CRM.${def.logicalName}'.`,
    );
  const a = comparable(columnValue(row, node.field), node.value);
  const raw = node.value;
  const b = raw && typeof raw === 'object' ? raw.time : typeof raw === 'string' ? raw.toLowerCase() : raw;
  if (node.op === 'eq') return a === b;
  if (node.op === 'ne') return a !== b;
  if (a === null || b === null) return false;
  if (node.op === 'gt') return a > b;
  if (node.op === 'ge') return a >= b;
  if (node.op === 'lt') return a < b;
  return a <= b;
}

/** `$orderby=modifiedon asc,accountid desc` as [column, direction] pairs. */
export function parseOrderBy(text: string | null): Array<[string, 1 | -1]> {
  if (!text) return [];
  return text.split(',').map((part) => {
    const [field, dir] = part.trim().split(/\s+/);
    if (!field || (dir && !/^(asc|desc)$/i.test(dir))) throw invalid(`bad $orderby '${part}'`);
    return [field, dir?.toLowerCase() === 'desc' ? -1 : 1];
  });
}

export function compareStored(a: Stored | undefined, b: Stored | undefined): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A key segment's values: `(accountnumber='A-1')`, `(new_a='x',new_b=2)`, or a bare GUID (returned as `{ id }`).
 * Values arrive percent-decoded.
 */
export function parseKeySegment(text: string): { id: string } | { values: Record<string, Stored> } {
  const trimmed = text.trim().replace(/^\{|\}$/g, '');
  if (/^[0-9a-f-]{36}$/i.test(trimmed)) return { id: trimmed.toLowerCase() };
  const values: Record<string, Stored> = {};
  const pair = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^']|'')*'|-?\d+(?:\.\d+)?|true|false)\s*(,|$)/y;
  pair.lastIndex = 0;
  while (pair.lastIndex < trimmed.length) {
    const m = pair.exec(trimmed);
    if (!m) throw new DataverseFault(400, CODES.badRequest, `Bad Request - Error in query syntax: key '${text}'.`);
    const v = m[2]!;
    values[m[1]!] = v.startsWith("'")
      ? v.slice(1, -1).replace(/''/g, "'")
      : v === 'true' || v === 'false'
        ? v === 'true'
        : Number(v);
  }
  if (!Object.keys(values).length)
    throw new DataverseFault(400, CODES.badRequest, `Bad Request - Error in query syntax: key '${text}'.`);
  return { values };
}
