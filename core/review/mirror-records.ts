import type { LoadedMapping } from '../mapping/load-mapping';
import { ident, qualified, type Sql } from '../db/sql';

export interface MirrorRecord {
  id: string;
  properties: Record<string, string | null>;
}

/** Target records by ID from the CRM mirror, as text (numbers and times as the mirror prints them). */
export async function readMirrorRecords(
  sql: Sql,
  mapping: LoadedMapping,
  object: string,
  ids: string[],
): Promise<Map<string, MirrorRecord>> {
  const spec = mapping.config.objects[object];
  const out = new Map<string, MirrorRecord>();
  if (!spec || ids.length === 0) return out;
  const table = qualified(mapping.config.target.schema, spec.target.table);
  const { rows } = await sql.query<{ id: string; properties: Record<string, unknown> }>(
    `SELECT ${ident(spec.target.idColumn)}::text AS id, to_jsonb(t) AS properties FROM ${table} t WHERE ${ident(spec.target.idColumn)}::text = ANY($1::text[])`,
    [[...new Set(ids)]],
  );
  for (const r of rows) {
    const properties = Object.fromEntries(
      Object.entries(r.properties).map(([k, v]) => [
        k,
        v === null ? null : typeof v === 'string' ? v : JSON.stringify(v),
      ]),
    );
    out.set(r.id, { id: r.id, properties });
  }
  return out;
}
