/** The SOQL subset the connector sends: SELECT fields FROM X [WHERE cond] [ORDER BY f [ASC|DESC], ...] [LIMIT n]. */
import { to18 } from './ids';
export type Literal = string | number | boolean | null | { datetime: number };
export type Cond =
  { kind: 'and' | 'or'; left: Cond; right: Cond } | { kind: 'cmp'; field: string; op: string; value: Literal };
export interface SoqlQuery {
  fields: string[];
  from: string;
  where?: Cond;
  orderBy: Array<{ field: string; desc: boolean }>;
  limit?: number;
}

export class SoqlError extends Error {}

const TOKEN =
  /\s*(?:('(?:[^'\\]|\\.)*')|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_.]*)|(<=|>=|!=|<>|=|<|>|\(|\)|,))/y;

type Tok = { t: 'str' | 'dt' | 'num' | 'id' | 'sym'; v: string };

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < q.length) {
    if (/^\s*$/.test(q.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(q);
    if (!m) throw new SoqlError(`unexpected token at position ${pos}: ${q.slice(pos, pos + 20)}`);
    pos = TOKEN.lastIndex;
    if (m[1] !== undefined) out.push({ t: 'str', v: m[1].slice(1, -1).replace(/\\(.)/g, '$1') });
    else if (m[2] !== undefined) out.push({ t: 'dt', v: m[2] });
    else if (m[3] !== undefined) out.push({ t: 'num', v: m[3] });
    else if (m[4] !== undefined) out.push({ t: 'id', v: m[4] });
    else out.push({ t: 'sym', v: m[5]! });
  }
  return out;
}

export function parseDateTime(s: string): number {
  const iso = s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new SoqlError(`invalid datetime ${s}`);
  return t;
}

export function parseSoql(q: string): SoqlQuery {
  const toks = tokenize(q);
  let i = 0;
  const peek = () => toks[i];
  const kw = (w: string) => peek()?.t === 'id' && peek()!.v.toUpperCase() === w;
  const expectKw = (w: string) => {
    if (!kw(w)) throw new SoqlError(`expecting ${w}, found ${peek()?.v ?? 'end of query'}`);
    i++;
  };
  const ident = () => {
    const tok = toks[i++];
    if (tok?.t !== 'id') throw new SoqlError(`expecting a field name, found ${tok?.v ?? 'end of query'}`);
    return tok.v;
  };
  const sym = (s: string) => {
    if (peek()?.t === 'sym' && peek()!.v === s) {
      i++;
      return true;
    }
    return false;
  };
  expectKw('SELECT');
  const fields = [ident()];
  while (sym(',')) fields.push(ident());
  expectKw('FROM');
  const from = ident();
  const literal = (): Literal => {
    const tok = toks[i++];
    if (!tok) throw new SoqlError('unexpected end of query');
    if (tok.t === 'str') return tok.v;
    if (tok.t === 'dt') return { datetime: parseDateTime(tok.v) };
    if (tok.t === 'num') return Number(tok.v);
    if (tok.t === 'id' && /^(true|false|null)$/i.test(tok.v))
      return tok.v.toLowerCase() === 'null' ? null : tok.v.toLowerCase() === 'true';
    throw new SoqlError(`unexpected ${tok.v}`);
  };
  const primary = (): Cond => {
    if (sym('(')) {
      const c = or();
      if (!sym(')')) throw new SoqlError('expecting )');
      return c;
    }
    const field = ident();
    const op = toks[i++];
    if (op?.t !== 'sym' || !['=', '!=', '<>', '<', '<=', '>', '>='].includes(op.v))
      throw new SoqlError(`expecting an operator after ${field}`);
    return { kind: 'cmp', field, op: op.v === '<>' ? '!=' : op.v, value: literal() };
  };
  const and = (): Cond => {
    let left = primary();
    while (kw('AND')) {
      i++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const or = (): Cond => {
    let left = and();
    while (kw('OR')) {
      i++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const query: SoqlQuery = { fields, from, orderBy: [] };
  if (kw('WHERE')) {
    i++;
    query.where = or();
  }
  if (kw('ORDER')) {
    i++;
    expectKw('BY');
    do {
      const field = ident();
      let desc = false;
      if (kw('ASC')) i++;
      else if (kw('DESC')) {
        i++;
        desc = true;
      }
      query.orderBy.push({ field, desc });
    } while (sym(','));
  }
  if (kw('LIMIT')) {
    i++;
    const n = toks[i++];
    if (n?.t !== 'num') throw new SoqlError('expecting a number after LIMIT');
    query.limit = Number(n.v);
  }
  if (i < toks.length) throw new SoqlError(`unexpected token: ${toks[i]!.v}`);
  return query;
}

function comparable(v: unknown): number | string | boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) return parseDateTime(v);
  return v as number | string | boolean;
}

export function matches(cond: Cond, rec: Record<string, unknown>): boolean {
  if (cond.kind !== 'cmp') {
    return cond.kind === 'and'
      ? matches(cond.left, rec) && matches(cond.right, rec)
      : matches(cond.left, rec) || matches(cond.right, rec);
  }
  const a = comparable(rec[cond.field]);
  const b = cond.value !== null && typeof cond.value === 'object' ? cond.value.datetime : cond.value;
  if (cond.op === '=') return a === b;
  if (cond.op === '!=') return a !== b;
  if (a === null || b === null) return false;
  switch (cond.op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

export function compareBy(
  orderBy: SoqlQuery['orderBy'],
): (x: Record<string, unknown>, y: Record<string, unknown>) => number {
  return (x, y) => {
    for (const { field, desc } of orderBy) {
      const a = comparable(x[field]);
      const b = comparable(y[field]);
      if (a === b) continue;
      const r = a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;
      return desc ? -r : r;
    }
    return 0;
  };
}

/**
 * The earliest SystemModstamp (ms) a record must have to match, when the condition implies one: what lets an
 * incremental read start inside the ordered index instead of at its beginning.
 */
export function lowerTimeBound(cond: Cond | undefined): number | undefined {
  if (!cond) return undefined;
  if (cond.kind === 'cmp') {
    const v = cond.value;
    const time = v !== null && typeof v === 'object' ? v.datetime : undefined;
    return cond.field === 'SystemModstamp' && ['>', '>=', '='].includes(cond.op) ? time : undefined;
  }
  const l = lowerTimeBound(cond.left);
  const r = lowerTimeBound(cond.right);
  if (cond.kind === 'and') return l === undefined ? r : r === undefined ? l : Math.max(l, r);
  return l === undefined || r === undefined ? undefined : Math.min(l, r);
}

/** Field names in their describe spelling, and 15-character IDs compared with ID / lookup fields in 18-character form. */
export function normalizeIds(
  cond: Cond,
  named: (f: string) => string,
  typeOf: (f: string) => string | undefined,
): Cond {
  if (cond.kind !== 'cmp')
    return { ...cond, left: normalizeIds(cond.left, named, typeOf), right: normalizeIds(cond.right, named, typeOf) };
  const field = named(cond.field);
  const type = typeOf(field);
  const value =
    (type === 'id' || type === 'reference') && typeof cond.value === 'string' && /^[A-Za-z0-9]{15}$/.test(cond.value)
      ? to18(cond.value)
      : cond.value;
  return { ...cond, field, value };
}
