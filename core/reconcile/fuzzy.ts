import { cursorPages, type Sql } from '../db/sql';
import type { MappingConfig } from '../mapping/mapping-config';
import type { ObjectMapper } from '../mapping/object-mapper';
import type { Value } from '../connectors/connector';
import { link, recogniseFields, type FieldConfig, type InputRecord, type MatchPair } from '../matching';
import type { FuzzyLink } from './classify';
import type { TargetLayout } from './scratch';

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
}

export interface FuzzyResult {
  /** Legacy ID -> its link; one-to-one. */
  links: Map<string, FuzzyLink>;
  stats: FuzzyStats;
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
 * Links the legacy records held back in `staging.run_unmatched` to the candidate target records, one-to-one.
 *
 * Memory is bounded by `chunkSize` records per side: when either side is larger, every legacy chunk is linked against
 * every target chunk, read page by page from the scratch tables, and only the best few pairs per legacy record stay
 * in memory. The one-to-one assignment is then greedy over all kept pairs, strongest first.
 */
export async function linkUnmatched(
  sql: Sql,
  runId: string,
  mapper: ObjectMapper,
  layout: TargetLayout,
  plan: FuzzyPlan,
  chunkSize: number,
  onProgress?: (rows: number) => void,
): Promise<FuzzyResult> {
  const stats: FuzzyStats = { legacy: 0, targets: 0, candidatePairs: 0, links: 0, linkCalls: 0 };
  stats.legacy = await countOf(sql, 'SELECT count(*) AS n FROM staging.run_unmatched WHERE run_id = $1', runId);
  stats.targets = await collectCandidates(sql, runId);
  const links = new Map<string, FuzzyLink>();
  if (stats.legacy === 0 || stats.targets === 0) return { links, stats };

  const columns = [...new Set(plan.fields.flatMap((f) => f.columns))];
  const config = { fields: plan.fields, idColumn: ID };
  const nameFields = new Set(plan.fields.filter((f) => NAME_KINDS.has(f.kind)).map((f) => f.name));
  const kept = new Map<string, MatchPair[]>();
  let done = 0;
  for await (const left of legacyChunks(sql, runId, columns, chunkSize)) {
    for await (const right of targetChunks(sql, runId, mapper, layout, columns, chunkSize)) {
      const result = link(left, right, config);
      stats.linkCalls++;
      for (const pair of result.pairs) {
        if (namesAllDisagree(pair, nameFields)) continue;
        stats.candidatePairs++;
        const list = kept.get(pair.left) ?? [];
        list.push(pair);
        list.sort(byStrength);
        if (list.length > KEEP_PER_LEGACY) list.length = KEEP_PER_LEGACY;
        kept.set(pair.left, list);
      }
    }
    onProgress?.((done += left.length));
  }

  const assigned = assignOneToOne([...kept.values()].flat());
  kept.clear();
  for (const pair of assigned) {
    links.set(pair.left, {
      targetId: pair.right,
      confidence: pair.confidence,
      decision: pair.decision,
      reasons: reasonText(pair),
    });
  }
  stats.links = links.size;
  return { links, stats };
}

/**
 * Greedy one-to-one assignment, strongest pair first: each legacy record (left) and each target (right) is used once.
 * Not the optimum of an assignment solver, but every accepted pair is the best still available to both sides, which is
 * what a person reviewing the link would expect to see.
 */
export function assignOneToOne(pairs: readonly MatchPair[]): MatchPair[] {
  const takenLeft = new Set<string>();
  const takenRight = new Set<string>();
  const out: MatchPair[] = [];
  for (const pair of [...pairs].sort(byStrength)) {
    if (takenLeft.has(pair.left) || takenRight.has(pair.right)) continue;
    takenLeft.add(pair.left);
    takenRight.add(pair.right);
    out.push(pair);
  }
  return out;
}
