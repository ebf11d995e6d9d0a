import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../../core/db/database';
import { loadMirror } from '../../core/example/load-mirror';

export const ROOT = path.resolve(__dirname, '..', '..');
export const EXPORT_DIR = path.join(ROOT, 'examples', 'legacy-export');
export const MIRROR_DIR = path.join(ROOT, 'examples', 'hubspot-mirror');

export interface TruthRecord {
  status: 'matched' | 'new' | 'conflict' | 'orphan';
  targetIds: string[];
  updates: string[];
  duplicateOf?: string;
}

export interface TruthObject {
  file: string;
  dataRecords: number;
  statuses: { matched: number; new: number; conflict: number; orphan: number };
  unlinkedTargets: number;
  mirrorRows: number;
  quarantined: Array<{ line: number; legacyId: string | null; kind: string }>;
  fieldIssues: Array<{ legacyId: string; field: string }>;
  records: Record<string, TruthRecord>;
}

/** What the generator injected into the shipped example data: the oracle the engine is checked against. */
export function truth(): { seed: number; objects: Record<string, TruthObject> } {
  return JSON.parse(readFileSync(path.join(ROOT, 'examples', 'truth.json'), 'utf8'));
}

export async function loadExampleMirror(db: Database): Promise<void> {
  await db.withConnection((sql) => loadMirror(sql, MIRROR_DIR, { schema: 'hubspot' }));
}

/** A matched record with pending updates, for lookups that should show something. */
export function matchedWithUpdates(object: string): [string, TruthRecord] {
  const entry = Object.entries(truth().objects[object]!.records).find(([, r]) => r.status === 'matched' && r.updates.length >= 2);
  if (!entry) throw new Error(`no matched ${object} record with updates in truth.json`);
  return entry;
}
