import { ident, type Sql } from '../db/sql';
import type { LoadedMapping } from '../mapping/load-mapping';
import { ObjectMapper } from '../mapping/object-mapper';
import type { Value } from '../mapping/transforms';
import { diffProperties } from '../reconcile/classify';
import { readMirrorRecords } from '../review/mirror-records';
import { validDecisions } from '../review/review';
import { parentLinks, type ParentLink } from './parents';

/**
 * One record to write. `create`: a legacy record HubSpot lacks. `update`: a matched record whose values differ.
 * `link`: a fuzzy match a person approved: the legacy ID is written onto that record, then its values. `survivor`:
 * the record a person chose among several carrying the same legacy ID; the others lose the legacy ID (`unlink`).
 */
export interface PlannedWrite {
  legacyId: string;
  kind: 'create' | 'update' | 'link' | 'survivor';
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

interface Row {
  legacy_id: string;
  status: string;
  target_id: string | null;
  target_ids: string[];
  match_confidence: number | null;
  legacy_properties: Record<string, string | null> | null;
  properties_to_update: Record<string, Value> | null;
  notes: string[];
}

const nonBlank = (values: Record<string, Value>) => Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null && v !== ''));

function parentKeys(links: ParentLink[], values: Record<string, Value>, only?: Record<string, Value>): Record<string, string> {
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
export async function* planPages(sql: Sql, mapping: LoadedMapping, object: string, pageSize = 500): AsyncGenerator<PlanPage> {
  const mapper = new ObjectMapper(mapping.config, object);
  const links = parentLinks(mapping.config, object);
  const legacyIdProperty = mapper.spec.target.legacyIdColumn;
  let after = '';
  for (;;) {
    const { rows } = await sql.query<Row>(
      `SELECT legacy_id, status, target_id, target_ids, match_confidence, legacy_properties, properties_to_update, notes
         FROM staging.${ident(object)} WHERE legacy_id > $1 ORDER BY legacy_id LIMIT $2`,
      [after, pageSize],
    );
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.legacy_id;
    const decisions = await validDecisions(sql, mapping, object, rows);
    const mirrorIds = rows.flatMap((r) => (r.status === 'conflict' ? r.target_ids : r.target_id ? [r.target_id] : []));
    const mirror = await readMirrorRecords(sql, mapping, object, mirrorIds);
    const page: PlanPage = { writes: [], held: [], inAgreement: 0, orphans: 0 };
    const current = (id: string | null, properties: Record<string, Value>) => {
      const record = id ? mirror.get(id) : undefined;
      return Object.fromEntries(Object.keys(properties).map((k) => [k, record ? mapper.normaliseTarget(k, record.properties[k] ?? null) : null]));
    };
    for (const r of rows) {
      const mapped = () => mapper.map(r.legacy_properties ?? {}).values;
      const decision = decisions.get(r.legacy_id);
      const base = { legacyId: r.legacy_id, unlink: [] as string[] };
      switch (r.status) {
        case 'new': {
          const properties = nonBlank(r.properties_to_update ?? {});
          delete properties[legacyIdProperty];
          page.writes.push({ ...base, kind: 'create', targetId: null, properties, before: null, parents: parentKeys(links, properties) });
          break;
        }
        case 'matched': {
          const properties = { ...(r.properties_to_update ?? {}) };
          delete properties[legacyIdProperty];
          if (Object.keys(properties).length === 0) page.inAgreement++;
          else page.writes.push({ ...base, kind: 'update', targetId: r.target_id, properties, before: current(r.target_id, properties), parents: parentKeys(links, properties, properties) });
          break;
        }
        case 'fuzzy_match': {
          if (decision?.decision === 'approve') {
            const properties = { ...(r.properties_to_update ?? {}) };
            delete properties[legacyIdProperty];
            page.writes.push({ ...base, kind: 'link', targetId: r.target_id, properties, before: current(r.target_id, properties), parents: parentKeys(links, mapped()), decidedBy: decision.decidedBy });
          } else if (decision?.decision === 'reject') {
            const properties = nonBlank(mapped());
            delete properties[legacyIdProperty];
            page.writes.push({ ...base, kind: 'create', targetId: null, properties, before: null, parents: parentKeys(links, properties), decidedBy: decision.decidedBy });
          } else {
            page.held.push({ legacyId: r.legacy_id, status: r.status, reason: `awaiting review: fuzzy match to ${r.target_id} (confidence ${r.match_confidence ?? '?'})` });
          }
          break;
        }
        case 'conflict': {
          if (decision?.decision === 'choose' && decision.targetId) {
            const survivor = mirror.get(decision.targetId);
            const values = mapped();
            const properties = diffProperties(mapper, values, survivor?.properties ?? {});
            delete properties[legacyIdProperty];
            page.writes.push({
              ...base, kind: 'survivor', targetId: decision.targetId, properties, before: current(decision.targetId, properties),
              parents: parentKeys(links, values), unlink: r.target_ids.filter((id) => id !== decision.targetId), decidedBy: decision.decidedBy,
            });
          } else {
            page.held.push({ legacyId: r.legacy_id, status: r.status, reason: `awaiting review: legacy ID is on ${r.target_ids.length} records (${r.target_ids.join(', ')})` });
          }
          break;
        }
        case 'orphan':
          page.orphans++;
          break;
        default:
          page.held.push({ legacyId: r.legacy_id, status: r.status, reason: r.notes[0] ?? `status ${r.status} is not applied` });
      }
    }
    yield page;
    if (rows.length < pageSize) return;
  }
}
