import path from 'node:path';
import type { Database } from '../../core/db/database';
import { loadMirror } from '../../demo/load-mirror';
import {
  readTruth,
  ROOT,
  SHIPPED,
  type TruthObject as AnyTruthObject,
  type TruthRecord,
} from '../example/example-files';

export { ROOT, type TruthRecord };
export const EXPORT_DIR = path.join(SHIPPED, 'legacy-export');
export const MIRROR_DIR = path.join(SHIPPED, 'hubspot-mirror');

/** The shipped truth.json is written in full, so its lists are always there. */
export type TruthObject = Required<AnyTruthObject>;

/** What the generator planted in the shipped example data: the oracle the engine is checked against. */
export function truth(): { seed: number; objects: Record<string, TruthObject> } {
  return readTruth(SHIPPED) as { seed: number; objects: Record<string, TruthObject> };
}

export async function loadExampleMirror(db: Database): Promise<void> {
  await db.withConnection((sql) => loadMirror(sql, MIRROR_DIR, { schema: 'hubspot' }));
}

/** A matched record with pending updates, for lookups that should show something. */
export function matchedWithUpdates(object: string): [string, TruthRecord] {
  const entry = Object.entries(truth().objects[object]!.records).find(
    ([, r]) => r.status === 'matched' && r.updates.length >= 2,
  );
  if (!entry) throw new Error(`no matched ${object} record with updates in truth.json`);
  return entry;
}
