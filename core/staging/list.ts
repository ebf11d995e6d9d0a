import { z } from 'zod';
import type { Database } from '../db/database';
import { ident } from '../db/sql';
import { decodeCursor, encodeCursor } from '../input/cursor';
import type { LoadedMapping } from '../mapping/load-mapping';
import { STATUSES } from './staging-row';

export const StagedPageInputSchema = z
  .object({
    cursor: z.string().max(1000).optional().describe("The previous page's nextCursor; left out: the first page"),
    limit: z.number().int().min(1).max(1000).default(100),
  })
  .strict();
export type StagedPageInput = z.input<typeof StagedPageInputSchema>;

export interface StagedRef {
  object: string;
  legacyId: string;
  status: (typeof STATUSES)[number];
}

const Position = z.object({ object: z.string(), after: z.string() }).strict();

/** Objects of the mapping that have a staging table (reconciled at least once), in the mapping's order. */
export async function stagedObjects(db: Database, mapping: LoadedMapping): Promise<string[]> {
  const { rows } = await db.pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging' AND table_name = ANY($1::text[])`,
    [Object.keys(mapping.config.objects)],
  );
  const present = new Set(rows.map((r) => r.table_name));
  return Object.keys(mapping.config.objects).filter((o) => present.has(o));
}

/**
 * Staging rows of every reconciled object, a page at a time, object by object in the mapping's order and by legacy
 * ID within one (keyset: a row staged or removed between pages neither repeats a row nor shifts the others).
 */
export async function stagedPage(
  db: Database,
  mapping: LoadedMapping,
  input: StagedPageInput,
): Promise<{ rows: StagedRef[]; nextCursor: string | null }> {
  const { cursor, limit } = StagedPageInputSchema.parse(input);
  const objects = await stagedObjects(db, mapping);
  const order = Object.keys(mapping.config.objects);
  const position = cursor ? decodeCursor(cursor, Position) : { object: objects[0] ?? '', after: '' };
  // An object unstaged since the last page is skipped, never a reason to start again (which would repeat rows).
  const from = Math.max(order.indexOf(position.object), 0);
  let index = objects.findIndex((o) => order.indexOf(o) >= from);
  if (index < 0) index = objects.length;
  const rows: StagedRef[] = [];
  for (; index < objects.length && rows.length < limit; index++) {
    const object = objects[index]!;
    const after = object === position.object ? position.after : '';
    const page = await db.pool.query<{ legacy_id: string; status: StagedRef['status'] }>(
      `SELECT legacy_id, status FROM staging.${ident(object)} WHERE legacy_id > $1 ORDER BY legacy_id LIMIT $2`,
      [after, limit - rows.length],
    );
    rows.push(...page.rows.map((r) => ({ object, legacyId: r.legacy_id, status: r.status })));
  }
  const last = rows.at(-1);
  // A full page may be the last one; the next call then returns no rows and no cursor.
  return {
    rows,
    nextCursor: rows.length === limit && last ? encodeCursor({ object: last.object, after: last.legacyId }) : null,
  };
}
