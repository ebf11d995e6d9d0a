import { copyField, copyInto, copyRows, copyTextArray } from '../db/copy';
import { cursorPages, type Sql } from '../db/sql';
import type { MappingConfig } from '../mapping/mapping-config';
import type { ObjectMapper } from '../mapping/object-mapper';
import type { Value } from '../connectors/connector';
import { link, recogniseFields, type FieldConfig, type InputRecord, type MatchPair } from '../matching';
import type { FuzzyLink, LegacySide } from './classify';
import { legacySideOf, UNMATCHED_COLUMNS, type TargetLayout, type UnmatchedRow } from './scratch';

/** How records of one object are compared when the legacy ID finds nothing. */
export interface FuzzyPlan {
  preset: 'companies' | 'contacts';
  fields: FieldConfig[];
}

/**
 * Companies and contacts have identities people can recognise (names, e-mail, phone, address), so the matching presets
 * apply. Deals and engagements do not: a deal name or an e-mail subject agrees by chance far too often, and their
 * links to companies and contacts already travel as legacy IDs, so linking them by resemblance would mostly invent
 * matches. They skip the fallback.
 */
const PRESET_BY_OBJECT: Record<string, FuzzyPlan['preset']> = { companies: 'companies', contacts: 'contacts' };

/** Fields need at least a name to compare on; a preset that only recognised, say, a city would link strangers. */
const NAME_KINDS = new Set(['companyName', 'givenName', 'familyName', 'fullName']);

/**
 * The preset's fields, plus every mapped property that holds another object's legacy ID (a contact's
 * `legacy_company_id`): two people of the same name at different companies are different people, and the
 * presets cannot know which columns are references.
 */
export function fuzzyPlanFor(object: string, mapper: ObjectMapper, config: MappingConfig): FuzzyPlan | null {
  const preset = PRESET_BY_OBJECT[object];
  if (!preset) return null;
  const fields = recogniseFields(preset, mapper.targetProperties);
  if (!fields.some((f) => NAME_KINDS.has(f.kind))) return null;
  const references = new Set(
    Object.entries(config.objects)
      .filter(([name]) => name !== object)
      .map(([, spec]) => spec.target.legacyIdColumn),
  );
  for (const property of mapper.targetProperties) {
    if (references.has(property) && !fields.some((f) => f.columns.includes(property)))
      fields.push({ name: property, kind: 'identifier', columns: [property] });
  }
  return { preset, fields };
}

/**
 * However strong the rest, a pair whose every name disagrees is two entities that share a switchboard number or an
 * address (a company and its neighbour, two colleagues); the model's weights alone let such pairs through.
 */
function namesAllDisagree(pair: MatchPair, nameFields: ReadonlySet<string>): boolean {
  const names = (pair.reasons ?? []).filter((r) => nameFields.has(r.field) && r.outcome !== 'missing');
  return names.length > 0 && names.every((r) => r.outcome === 'disagree');
}

/** The ID column of the records handed to `link`; a name no mapped property can have. */
const ID = '__crm_bridge_id';

/** Candidates kept per legacy record, so one taken by a stronger pair can still fall back on its next best. */
const KEEP_PER_LEGACY = 3;

export interface FuzzyStats {
  legacy: number;
  targets: number;
  candidatePairs: number;
  links: number;
  linkCalls: number;
  /** Milliseconds per step, summed over the `link` calls, plus `readTargets` (reading and normalising the targets). */
  timingsMs: Record<string, number>;
}

function toRecord(id: string, values: Record<string, Value>, columns: readonly string[]): InputRecord {
  const record: Record<string, Value> = { [ID]: id };
  for (const c of columns) record[c] = values[c] ?? null;
  return record;
}

/** The held-back legacy records in chunks, as link input (only the compared columns). */
async function* legacyChunks(
  sql: Sql,
  runId: string,
  columns: readonly string[],
  size: number,
): AsyncGenerator<InputRecord[]> {
  const chunks = cursorPages<{ legacy_id: string; mapped: Record<string, Value> }>(
    sql,
    'crm_bridge_fuzzy_legacy',
    'SELECT legacy_id, mapped FROM staging.run_unmatched WHERE run_id = $1 ORDER BY legacy_id',
    [runId],
    size,
  );
  for await (const rows of chunks) yield rows.map((r) => toRecord(r.legacy_id, r.mapped, columns));
}

/**
 * Target records a legacy record may be linked to: those without a legacy ID, and those whose legacy ID is not in the
 * export (a record re-keyed in the legacy system looks exactly like that). A legacy ID found only in an unreadable row
 * is in the export, so its target is no candidate. Found once, into a temporary table the run's transaction drops:
 * asked again for every chunk, the anti-join read all the run's targets each time. The legacy ID is compared with
 * the quarantine's in the database's collation, which its index is in (the scratch tables' IDs are in "C").
 */
const CANDIDATES = 'crm_bridge_fuzzy_candidates';

async function collectCandidates(sql: Sql, runId: string): Promise<number> {
  await sql.query(`DROP TABLE IF EXISTS ${CANDIDATES}`);
  await sql.query(
    `CREATE TEMP TABLE ${CANDIDATES} ON COMMIT DROP AS
       SELECT t.target_id FROM staging.run_target t
        WHERE t.run_id = $1 AND (t.legacy_id IS NULL
          OR (NOT EXISTS (SELECT 1 FROM staging.run_seen l WHERE l.run_id = $1 AND l.legacy_id = t.legacy_id)
              AND NOT EXISTS (SELECT 1 FROM staging.quarantine q
                               WHERE q.run_id = $1 AND q.legacy_id = t.legacy_id COLLATE "default")))`,
    [runId],
  );
  await sql.query(`ALTER TABLE ${CANDIDATES} ADD PRIMARY KEY (target_id)`);
  // Counted, not taken from the CREATE's row count, which the embedded database does not report.
  return countOf(sql, `SELECT count(*) AS n FROM ${CANDIDATES}`);
}

async function* targetChunks(
  sql: Sql,
  runId: string,
  mapper: ObjectMapper,
  layout: TargetLayout,
  columns: readonly string[],
  size: number,
): AsyncGenerator<InputRecord[]> {
  const chunks = cursorPages<{ target_id: string; property_values: Array<string | null> }>(
    sql,
    'crm_bridge_fuzzy_targets',
    `SELECT t.target_id, t.property_values FROM ${CANDIDATES} c
       JOIN staging.run_target t ON t.run_id = $1 AND t.target_id = c.target_id
      ORDER BY c.target_id`,
    [runId],
    size,
  );
  // The mirror holds values as HubSpot writes them; the legacy side is already canonical, so bring the target there.
  for await (const rows of chunks) {
    yield rows.map((r) => {
      const properties = layout.read(r.property_values);
      const values: Record<string, Value> = {};
      for (const c of columns) values[c] = mapper.normaliseTarget(c, properties[c] ?? null);
      return toRecord(r.target_id, values, columns);
    });
  }
}

async function countOf(sql: Sql, query: string, runId?: string): Promise<number> {
  const { rows } = await sql.query<{ n: string }>(query, runId === undefined ? [] : [runId]);
  return Number(rows[0]?.n ?? 0);
}

function reasonText(pair: MatchPair): string[] {
  return (pair.reasons ?? []).map((r) => `${r.field} ${r.level} (${r.weight >= 0 ? '+' : ''}${r.weight.toFixed(1)})`);
}

/** Best first; equal confidences fall back on the IDs so every run pairs the same records. */
function byStrength(a: MatchPair, b: MatchPair): number {
  return (
    b.confidence - a.confidence ||
    (a.left < b.left ? -1 : a.left > b.left ? 1 : 0) ||
    (a.right < b.right ? -1 : a.right > b.right ? 1 : 0)
  );
}

/**
 * The pairs each legacy record kept, then the links chosen among them: temporary tables the run's transaction drops.
 * In the database rather than in memory, the fallback holds at most one legacy chunk's pairs at a time, however many
 * records it links; IDs are bytewise ("C") like the scratch tables', so the strongest-first order is the same as
 * JavaScript's string order on IDs of the Basic Multilingual Plane.
 */
const PAIRS = 'crm_bridge_fuzzy_pairs';
const LINKS = 'crm_bridge_fuzzy_links';
const ACCEPTED = 'crm_bridge_fuzzy_accepted';
const PAIR_COLUMNS = `legacy_id text COLLATE "C" NOT NULL, target_id text COLLATE "C" NOT NULL,
  confidence float8 NOT NULL, decision text NOT NULL, reasons text[] NOT NULL`;

export async function createLinkTables(sql: Sql): Promise<void> {
  for (const table of [PAIRS, LINKS, ACCEPTED]) await sql.query(`DROP TABLE IF EXISTS ${table}`);
  await sql.query(`CREATE TEMP TABLE ${PAIRS} (${PAIR_COLUMNS}) ON COMMIT DROP`);
  await sql.query(`CREATE TEMP TABLE ${LINKS} (${PAIR_COLUMNS}) ON COMMIT DROP`);
}

/**
 * Pairs per COPY. One COPY per legacy chunk built the text of all its pairs at once: with the whole of the 1M run's
 * legacy side in one chunk (`chunkSize` 150,000), the fallback peaked at 2,080 MB, against 1,591 MB in batches.
 */
const KEEP_BATCH = 5_000;

export async function keepPairs(sql: Sql, pairs: Iterable<MatchPair>): Promise<void> {
  let rows: string[][] = [];
  const flush = async () => {
    if (rows.length)
      await copyInto(sql, `${PAIRS} (legacy_id, target_id, confidence, decision, reasons)`, copyRows(rows));
    rows = [];
  };
  for (const p of pairs) {
    rows.push([
      copyField(p.left),
      copyField(p.right),
      copyField(p.confidence),
      p.decision,
      copyTextArray(reasonText(p)),
    ]);
    if (rows.length >= KEEP_BATCH) await flush();
  }
  await flush();
}

function* eachPair(kept: ReadonlyMap<string, readonly MatchPair[]>): Generator<MatchPair> {
  for (const list of kept.values()) yield* list;
}

/** Pairs read per page while assigning; only the two IDs travel. */
const ASSIGN_PAGE = 10_000;

/**
 * Greedy one-to-one assignment over the kept pairs, strongest first, read in that order from the database: each legacy
 * record and each target is used once. Not the optimum of an assignment solver, but every accepted pair is the best
 * still available to both sides, which is what a person reviewing the link would expect to see. What stays in memory
 * is the IDs already taken, two per link.
 */
export async function assignLinks(sql: Sql): Promise<number> {
  const takenLeft = new Set<string>();
  const takenRight = new Set<string>();
  const accepted: string[][] = [];
  const strongestFirst = cursorPages<{ legacy_id: string; target_id: string }>(
    sql,
    'crm_bridge_fuzzy_strongest',
    `SELECT legacy_id, target_id FROM ${PAIRS} ORDER BY confidence DESC, legacy_id, target_id`,
    [],
    ASSIGN_PAGE,
  );
  for await (const rows of strongestFirst) {
    for (const { legacy_id: left, target_id: right } of rows) {
      if (takenLeft.has(left) || takenRight.has(right)) continue;
      takenLeft.add(left);
      takenRight.add(right);
      accepted.push([copyField(left), copyField(right)]);
    }
  }
  if (accepted.length === 0) return 0;
  await sql.query(
    `CREATE TEMP TABLE ${ACCEPTED} (legacy_id text COLLATE "C", target_id text COLLATE "C") ON COMMIT DROP`,
  );
  await copyInto(sql, `${ACCEPTED} (legacy_id, target_id)`, copyRows(accepted));
  await sql.query(`INSERT INTO ${LINKS} SELECT p.* FROM ${PAIRS} p JOIN ${ACCEPTED} a USING (legacy_id, target_id)`);
  await sql.query(`DROP TABLE ${ACCEPTED}`);
  await sql.query(`ALTER TABLE ${LINKS} ADD PRIMARY KEY (legacy_id)`);
  await sql.query(`CREATE INDEX ON ${LINKS} (target_id)`);
  return accepted.length;
}

/**
 * Links the legacy records held back in `staging.run_unmatched` to the candidate target records, one-to-one, into a
 * temporary table that `linkedPages` and `linkedTargets` read until the run's transaction ends.
 *
 * Memory is bounded by `chunkSize` records per side: when either side is larger, every legacy chunk is linked against
 * every target chunk, read page by page from the scratch tables, and the best few pairs per legacy record of the chunk
 * are kept in the database before the next chunk. The one-to-one assignment then reads all kept pairs, strongest first;
 * what it holds grows with the links, by their two IDs only (at 1,000,000 companies, 80,271 links).
 *
 * The time does not stay linear: every legacy chunk meets every target chunk, so the `link` calls grow with the product
 * of the chunk counts (9 at 1,000,000 companies, against 1 at 100,000), and each call prepares its records anew.
 */
export async function linkUnmatched(
  sql: Sql,
  runId: string,
  mapper: ObjectMapper,
  layout: TargetLayout,
  plan: FuzzyPlan,
  chunkSize: number,
  onProgress?: (rows: number) => void,
): Promise<FuzzyStats> {
  const stats: FuzzyStats = { legacy: 0, targets: 0, candidatePairs: 0, links: 0, linkCalls: 0, timingsMs: {} };
  const spent = (step: string, ms: number) => (stats.timingsMs[step] = (stats.timingsMs[step] ?? 0) + Math.round(ms));
  await createLinkTables(sql);
  stats.legacy = await countOf(sql, 'SELECT count(*) AS n FROM staging.run_unmatched WHERE run_id = $1', runId);
  stats.targets = await collectCandidates(sql, runId);
  if (stats.legacy === 0 || stats.targets === 0) return stats;

  const columns = [...new Set(plan.fields.flatMap((f) => f.columns))];
  const config = { fields: plan.fields, idColumn: ID };
  const nameFields = new Set(plan.fields.filter((f) => NAME_KINDS.has(f.kind)).map((f) => f.name));
  let done = 0;
  for await (const left of legacyChunks(sql, runId, columns, chunkSize)) {
    // A legacy record is in one chunk only, so its best pairs over every target chunk are known when the chunk ends.
    const kept = new Map<string, MatchPair[]>();
    let read = performance.now();
    for await (const right of targetChunks(sql, runId, mapper, layout, columns, chunkSize)) {
      spent('readTargets', performance.now() - read);
      const result = link(left, right, config);
      stats.linkCalls++;
      for (const [step, ms] of Object.entries(result.stats.timingsMs)) if (step !== 'total') spent(step, ms);
      for (const pair of result.pairs) {
        if (namesAllDisagree(pair, nameFields)) continue;
        stats.candidatePairs++;
        const list = kept.get(pair.left) ?? [];
        list.push(pair);
        list.sort(byStrength);
        if (list.length > KEEP_PER_LEGACY) list.length = KEEP_PER_LEGACY;
        kept.set(pair.left, list);
      }
      read = performance.now();
    }
    const started = performance.now();
    await keepPairs(sql, eachPair(kept));
    spent('keepPairs', performance.now() - started);
    onProgress?.((done += left.length));
  }
  const started = performance.now();
  stats.links = await assignLinks(sql);
  spent('assign', performance.now() - started);
  return stats;
}

/** The held-back legacy records, page by page in legacy ID order, each with its link when the fallback found one. */
export async function* linkedPages(
  sql: Sql,
  runId: string,
  pageSize: number,
): AsyncGenerator<Array<{ legacy: LegacySide; link: FuzzyLink | null }>> {
  const pages = cursorPages<
    UnmatchedRow & { target_id: string | null; confidence: number; decision: FuzzyLink['decision']; reasons: string[] }
  >(
    sql,
    'crm_bridge_linked',
    `SELECT ${UNMATCHED_COLUMNS.map((c) => `u.${c}`).join(', ')}, k.target_id, k.confidence, k.decision, k.reasons
       FROM staging.run_unmatched u LEFT JOIN ${LINKS} k ON k.legacy_id = u.legacy_id
      WHERE u.run_id = $1 ORDER BY u.legacy_id`,
    [runId],
    pageSize,
  );
  for await (const rows of pages) {
    yield rows.map((r) => ({
      legacy: legacySideOf(r),
      link:
        r.target_id === null
          ? null
          : { targetId: r.target_id, confidence: r.confidence, decision: r.decision, reasons: r.reasons },
    }));
  }
}

/** Per target ID among `targetIds`, the legacy record the fallback linked it to. */
export async function linkedTargets(sql: Sql, targetIds: readonly string[]): Promise<Map<string, string>> {
  if (targetIds.length === 0) return new Map();
  const { rows } = await sql.query<{ target_id: string; legacy_id: string }>(
    `SELECT target_id, legacy_id FROM ${LINKS} WHERE target_id = ANY($1::text[])`,
    [targetIds],
  );
  return new Map(rows.map((r) => [r.target_id, r.legacy_id]));
}
