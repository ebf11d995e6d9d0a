/**
 * The labeled entity-resolution sets in shared/data/er, loaded as plain records plus their ground truth:
 * an entity key per record (dedupe) or the set of true cross pairs (link).
 */
import { PACKAGE_ROOT } from '../../core/version';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { InputRecord } from '../../core/matching';

// shared/ sits beside the repository, whether this runs from source or from dist/.
export const ER_DIR = process.env.ER_DATA_DIR ?? path.resolve(PACKAGE_ROOT, '..', 'shared', 'data', 'er');

export interface DedupeSet {
  name: string;
  mode: 'dedupe';
  preset: 'contacts' | 'companies';
  records: Array<Record<string, string>>;
  idColumn: string;
  /** True matching pairs as "idA|idB" with idA < idB. */
  truth: Set<string>;
}

export interface LinkSet {
  name: string;
  mode: 'link';
  preset: 'contacts' | 'companies';
  left: Array<Record<string, string>>;
  right: Array<Record<string, string>>;
  idColumn: string;
  truth: Set<string>;
}

export type LabeledSet = DedupeSet | LinkSet;

function readCsv(file: string, febrl = false): Array<Record<string, string>> {
  return parse(readFileSync(path.join(ER_DIR, file)), {
    columns: true,
    skip_empty_lines: true,
    trim: febrl,
    relax_column_count: true,
    bom: true,
  });
}

export const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** All within-group pairs of records grouped by an entity key. */
export function pairsFromEntities(ids: readonly string[], entity: (i: number) => string): Set<string> {
  const groups = new Map<string, string[]>();
  ids.forEach((id, i) => {
    const e = entity(i);
    const g = groups.get(e);
    if (g) g.push(id);
    else groups.set(e, [id]);
  });
  const out = new Set<string>();
  for (const g of groups.values())
    for (let x = 0; x < g.length; x++) for (let y = x + 1; y < g.length; y++) out.add(pairKey(g[x]!, g[y]!));
  return out;
}

const febrlEntity = (id: string) => /^rec-(\d+)-/.exec(id)![1]!;

function febrlDedupe(n: 1 | 2 | 3): DedupeSet {
  const records = readCsv(`febrl/febrl_dataset${n}.csv`, true);
  const ids = records.map((r) => r.rec_id!);
  return {
    name: `febrl${n}`,
    mode: 'dedupe',
    preset: 'contacts',
    records,
    idColumn: 'rec_id',
    truth: pairsFromEntities(ids, (i) => febrlEntity(ids[i]!)),
  };
}

function febrlLink(): LinkSet {
  const left = readCsv('febrl/febrl_dataset4a.csv', true);
  const right = readCsv('febrl/febrl_dataset4b.csv', true);
  const rightByEntity = new Map(right.map((r) => [febrlEntity(r.rec_id!), r.rec_id!]));
  const truth = new Set<string>();
  for (const l of left) {
    const r = rightByEntity.get(febrlEntity(l.rec_id!));
    if (r) truth.add(`${l.rec_id}|${r}`);
  }
  return { name: 'febrl4a-4b', mode: 'link', preset: 'contacts', left, right, idColumn: 'rec_id', truth };
}

function splinkFake1000(): DedupeSet {
  const raw = readCsv('splink/fake_1000.csv');
  const records = raw.map(({ cluster: _c, ...rest }) => rest);
  const ids = raw.map((r) => r.unique_id!);
  return {
    name: 'splink fake_1000',
    mode: 'dedupe',
    preset: 'contacts',
    records,
    idColumn: 'unique_id',
    truth: pairsFromEntities(ids, (i) => raw[i]!.cluster!),
  };
}

function dedupeOrg(): DedupeSet {
  const raw = readCsv('dedupe_org/csv_example_input_with_true_ids.csv');
  // The label column is removed so that the engine cannot see it.
  const records = raw.map(({ ['True Id']: _t, ...rest }) => rest);
  const ids = raw.map((r) => r.Id!);
  return {
    name: 'dedupe organisations',
    mode: 'dedupe',
    preset: 'companies',
    records,
    idColumn: 'Id',
    truth: pairsFromEntities(ids, (i) => raw[i]!['True Id']!),
  };
}

function restaurants(): DedupeSet {
  const records = readCsv('restaurants/restaurants.csv');
  const truth = new Set(readCsv('restaurants/ground_truth_pairs.csv').map((r) => pairKey(r.id1!, r.id2!)));
  return { name: 'restaurants (Fodors-Zagat)', mode: 'dedupe', preset: 'companies', records, idColumn: 'id', truth };
}

export const LABELED_SETS: Array<() => LabeledSet> = [
  () => febrlDedupe(1),
  () => febrlDedupe(2),
  () => febrlDedupe(3),
  febrlLink,
  splinkFake1000,
  dedupeOrg,
  restaurants,
];

export function labeledDataAvailable(): boolean {
  return existsSync(path.join(ER_DIR, 'febrl/febrl_dataset1.csv'));
}

export type { InputRecord };
