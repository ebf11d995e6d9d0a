import { ident, type Sql } from '../db/sql';
import type { LoadedMapping } from '../mapping/load-mapping';
import { ObjectMapper } from '../mapping/object-mapper';
import type { Value } from '../connectors/connector';
import { diffProperties } from '../reconcile/classify';
import { readMirrorRecords } from '../review/mirror-records';
import { validDecisions } from '../review/review';
import { candidateTargets, stagedColumns, type StagedRow } from '../staging/staged-row';
import { parentLinks, type ParentLink } from './parents';

/**
 * One record to write. `create`: a legacy record HubSpot lacks. `update`: a matched record whose values differ.
 * `link`: a fuzzy match a person approved: the legacy ID is written onto that record, then its values. `survivor`:
 * the record a person chose among several carrying the same legacy ID; the others lose the legacy ID (`unlink`).
 */
export interface PlannedWrite {
  legacyId: string;
  /** `associate`: a record in agreement whose parent apply created or linked: only the association is made. */
  kind: 'create' | 'update' | 'link' | 'survivor' | 'associate';
  targetId: string | null;
  /** Properties to write, the legacy-ID property excluded (it is the key). */
  properties: Record<string, Value>;
  /** The mirror's current values of those properties (null for a create). */
  before: Record<string, Value> | null;
  /** Parent object -> the parent's legacy ID, for records to associate with their parents. */
  parents: Record<string, string>;
  /** Records that lose the legacy ID (the other records of a settled conflict). */
  unlink: string[];
  /** Who decided, for links and survivors. */
  decidedBy?: string;
}

export interface HeldBack {
  legacyId: string;
  status: string;
  reason: string;
}

export interface PlanPage {
  writes: PlannedWrite[];
  held: HeldBack[];
  /** Matched records with nothing to change. */
  inAgreement: number;
  /** Target records whose legacy ID the export does not have: reported, never written. */
  orphans: number;
}

/**
 * Parents that exist in the CRM under their legacy ID only because apply created or linked them: records the mirror
 * shows in agreement cannot have been associated with them yet. Returns `object|legacyId` keys.
 */
async function parentsApplyMade(
  sql: Sql,
  links: ParentLink[],
  keysByObject: Map<string, Set<string>>,
): Promise<Set<string>> {
  const out = new Set<string>();
  for (const l of links) {
    const keys = [...(keysByObject.get(l.object) ?? [])];
    if (keys.length === 0) continue;
    const { rows } = await sql.query<{ legacy_id: string }>(
      `SELECT DISTINCT legacy_id FROM staging.apply_audit
        WHERE object = $1 AND legacy_id = ANY($2::text[]) AND action IN ('create', 'link') AND result IN ('created', 'updated', 'unchanged')`,
      [l.object, keys],
    );
    for (const r of rows) out.add(`${l.object}|${r.legacy_id}`);
  }
  return out;
}

/** Associations apply already made (or found in place) for these records: `legacyId|parentObject|parentKey`. */
async function associationsMade(sql: Sql, object: string, legacyIds: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  if (legacyIds.length === 0) return out;
  const { rows } = await sql.query<{ legacy_id: string; after: Record<string, Value> }>(
    `SELECT legacy_id, after FROM staging.apply_audit
      WHERE object = $1 AND legacy_id = ANY($2::text[]) AND result IN ('created', 'updated', 'unchanged')
        AND EXISTS (SELECT 1 FROM jsonb_object_keys(after) k WHERE k LIKE 'associate:%')`,
    [object, legacyIds],
  );
  for (const r of rows) {
    for (const [k, v] of Object.entries(r.after))
      if (k.startsWith('associate:') && v !== null) out.add(`${r.legacy_id}|${k.slice('associate:'.length)}|${v}`);
  }
  return out;
}

const nonBlank = (values: Record<string, Value>) =>
  Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null && v !== ''));

function parentKeys(
  links: ParentLink[],
  values: Record<string, Value>,
  only?: Record<string, Value>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of links) {
    if (only && !(l.property in only)) continue;
    const v = values[l.property];
    if (v !== null && v !== undefined && v !== '') out[l.object] = String(v);
  }
  return out;
}

/**
 * What applying an object's staging to the CRM would write, a page of staging rows at a time (so memory stays flat
 * however many rows): creates, updates field by field, links and survivors that a person decided, and what is held
 * back (undecided fuzzy matches and conflicts, rows the export could not be read for).
 */
export async function* planPages(
  sql: Sql,
  mapping: LoadedMapping,
  object: string,
  pageSize = 500,
): AsyncGenerator<PlanPage> {
  const mapper = new ObjectMapper(mapping.config, object);
  const links = parentLinks(mapping.config, object);
  const legacyIdProperty = mapper.spec.target.legacyIdColumn;
  let after = '';
  for (;;) {
    const { rows } = await sql.query<StagedRow>(
      `SELECT ${stagedColumns()}
         FROM staging.${ident(object)} WHERE legacy_id > $1 ORDER BY legacy_id LIMIT $2`,
      [after, pageSize],
    );
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.legacy_id;
    const decisions = await validDecisions(sql, mapping, object, rows);
    const mirrorIds = rows.flatMap(candidateTargets);
    const mirror = await readMirrorRecords(sql, mapping, object, mirrorIds);
    const page: PlanPage = { writes: [], held: [], inAgreement: 0, orphans: 0 };
    // Matched records whose parent key did not change: associated only when apply made that parent (see below).
    const matchedParents = new Map<string, Record<string, string>>();
    if (links.length) {
      const keysByObject = new Map<string, Set<string>>();
      for (const r of rows) {
        if (r.status !== 'matched') continue;
        const changed = r.properties_to_update ?? {};
        const parents = parentKeys(links, mapper.map(r.legacy_properties ?? {}).values);
        for (const l of links) if (l.property in changed) delete parents[l.object];
        if (Object.keys(parents).length === 0) continue;
        matchedParents.set(r.legacy_id, parents);
        for (const [o, k] of Object.entries(parents)) keysByObject.set(o, (keysByObject.get(o) ?? new Set()).add(k));
      }
      const made = await parentsApplyMade(sql, links, keysByObject);
      const done = await associationsMade(sql, object, [...matchedParents.keys()]);
      for (const [legacyId, parents] of matchedParents) {
        for (const [o, k] of Object.entries(parents))
          if (!made.has(`${o}|${k}`) || done.has(`${legacyId}|${o}|${k}`)) delete parents[o];
        if (Object.keys(parents).length === 0) matchedParents.delete(legacyId);
      }
    }
    const current = (id: string | null, properties: Record<string, Value>) => {
      const record = id ? mirror.get(id) : undefined;
      return Object.fromEntries(
        Object.keys(properties).map((k) => [
          k,
          record ? mapper.normaliseTarget(k, record.properties[k] ?? null) : null,
        ]),
      );
    };
    /** What a write sends: a copy of `properties` without the legacy ID property. */
    const toWrite = (properties: Record<string, Value>) => {
      const out = { ...properties };
      delete out[legacyIdProperty];
      return out;
    };
    for (const r of rows) {
      const mapped = () => mapper.map(r.legacy_properties ?? {}).values;
      const decision = decisions.get(r.legacy_id);
      const base = { legacyId: r.legacy_id, unlink: [] as string[] };
      /** A new record of the legacy values (blanks left out), made by itself or by a reviewer's decision. */
      const create = (values: Record<string, Value>, decidedBy?: { decidedBy: string }): PlannedWrite => {
        const properties = toWrite(nonBlank(values));
        const parents = parentKeys(links, properties);
        return { ...base, kind: 'create', targetId: null, properties, before: null, parents, ...decidedBy };
      };
      switch (r.status) {
        case 'new':
          page.writes.push(create(r.properties_to_update ?? {}));
          break;
        case 'matched': {
          const properties = toWrite(r.properties_to_update ?? {});
          const toAssociate = matchedParents.get(r.legacy_id) ?? {};
          if (Object.keys(properties).length === 0) {
            page.inAgreement++;
            if (Object.keys(toAssociate).length)
              page.writes.push({
                ...base,
                kind: 'associate',
                targetId: r.target_id,
                properties: {},
                before: null,
                parents: toAssociate,
              });
          } else {
            page.writes.push({
              ...base,
              kind: 'update',
              targetId: r.target_id,
              properties,
              before: current(r.target_id, properties),
              parents: { ...parentKeys(links, properties, properties), ...toAssociate },
            });
          }
          break;
        }
        case 'fuzzy_match': {
          if (decision?.decision === 'approve') {
            const properties = toWrite(r.properties_to_update ?? {});
            page.writes.push({
              ...base,
              kind: 'link',
              targetId: r.target_id,
              properties,
              before: current(r.target_id, properties),
              parents: parentKeys(links, mapped()),
              decidedBy: decision.decidedBy,
            });
          } else if (decision?.decision === 'reject') {
            page.writes.push(create(mapped(), { decidedBy: decision.decidedBy }));
          } else {
            page.held.push({
              legacyId: r.legacy_id,
              status: r.status,
              reason: `awaiting review: fuzzy match to ${r.target_id} (confidence ${r.match_confidence ?? '?'})`,
            });
          }
          break;
        }
        case 'conflict': {
          if (decision?.decision === 'choose' && decision.targetId) {
            const survivor = mirror.get(decision.targetId);
            const values = mapped();
            const properties = toWrite(diffProperties(mapper, values, survivor?.properties ?? {}));
            page.writes.push({
              ...base,
              kind: 'survivor',
              targetId: decision.targetId,
              properties,
              before: current(decision.targetId, properties),
              parents: parentKeys(links, values),
              unlink: r.target_ids.filter((id) => id !== decision.targetId),
              decidedBy: decision.decidedBy,
            });
          } else {
            page.held.push({
              legacyId: r.legacy_id,
              status: r.status,
              reason: `awaiting review: legacy ID is on ${r.target_ids.length} records (${r.target_ids.join(', ')})`,
            });
          }
          break;
        }
        case 'orphan':
          page.orphans++;
          break;
        default:
          page.held.push({
            legacyId: r.legacy_id,
            status: r.status,
            reason: r.notes[0] ?? `status ${r.status} is not applied`,
          });
      }
    }
    yield page;
    if (rows.length < pageSize) return;
  }
}
