/**
 * Random exports against what their generator knows: the true rows, the physical lines each spans, and which rows a
 * defect was put into. Whatever the quoting, delimiters, line endings or encoding, and wherever a stray quote, a NUL
 * or a cut-off end lands, every row no defect touched must come out as a record with exactly its values, and every
 * damaged row must be set aside at its line.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReadItem } from '../../core/connectors/connector';
import { readCsv } from '../../core/connectors/csv/csv-reader';
import { encode, generate, type Case } from './csv-fuzz-generator';

const dir = mkdtempSync(path.join(os.tmpdir(), 'csv-fuzz-'));

async function read(c: Case, seed: number): Promise<ReadItem[]> {
  const file = path.join(dir, `case-${seed}.csv`);
  writeFileSync(file, encode(c));
  const items: ReadItem[] = [];
  for await (const item of readCsv(file, { idColumn: 'Id', delimiter: c.delimiter, rejectDuplicateIds: false }))
    items.push(item);
  return items;
}

/** Checks one case; returns the problems found, each naming the line. */
export function check(c: Case, items: ReadItem[]): string[] {
  const problems: string[] = [];
  const inDamage = (line: number) => c.rows.some((row) => row.damaged && line >= row.start && line <= row.end);
  const records = new Map<number, Record<string, string | null>>();
  const rejected = new Set<number>();
  for (const item of items) {
    if (item.type === 'record') records.set(item.record.origin!.line!, item.record.properties);
    else rejected.add(item.rejection.line!);
  }
  c.rows.forEach((row, k) => {
    if (row.damaged) {
      const previousDamaged = k > 0 && c.rows[k - 1]!.damaged;
      if (!rejected.has(row.start) && !previousDamaged)
        problems.push(`line ${row.start} (${row.damaged}) was not set aside`);
      return;
    }
    const got = records.get(row.start);
    const want = Object.fromEntries(c.header.map((h, i) => [h, row.values[i] === '' ? null : row.values[i]!]));
    if (!got) problems.push(`line ${row.start}: well-formed row lost${rejected.has(row.start) ? ' (set aside)' : ''}`);
    else if (JSON.stringify(got) !== JSON.stringify(want))
      problems.push(`line ${row.start}: ${JSON.stringify(got)} instead of ${JSON.stringify(want)}`);
  });
  const starts = new Set(c.rows.filter((row) => !row.damaged).map((row) => row.start));
  for (const line of records.keys())
    if (!starts.has(line) && !inDamage(line)) problems.push(`line ${line}: a record where no row starts`);
  for (const line of rejected) if (!inDamage(line)) problems.push(`line ${line}: set aside outside any damaged row`);
  return problems;
}

/** More cases on demand (CSV_FUZZ_CASES=5000); seeds are 1..n, so a failure names the seed that reproduces it. */
const CASES = Number(process.env.CSV_FUZZ_CASES ?? 1000);

describe('CSV reader under random exports', () => {
  it(`loses no well-formed row and sets aside every damaged one, over ${CASES} random files`, async () => {
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    let damaged = 0;
    let rows = 0;
    const encodings = new Set<string>();
    for (let seed = 1; seed <= CASES; seed++) {
      const c = generate(seed);
      rows += c.rows.length;
      damaged += c.rows.filter((row) => row.damaged).length;
      for (const row of c.rows) if (row.damaged) kinds.set(row.damaged, (kinds.get(row.damaged) ?? 0) + 1);
      encodings.add(c.encoding);
      const problems = check(c, await read(c, seed));
      if (problems.length)
        failures.push(
          `seed ${seed} (${c.encoding}, ${JSON.stringify(c.delimiter)}): ${problems.slice(0, 3).join('; ')}`,
        );
    }
    expect(failures).toEqual([]);
    // The generator must actually exercise damage, or the property says little.
    expect(damaged).toBeGreaterThan(rows * 0.08);
    expect([...kinds.keys()].sort()).toEqual(['NUL', 'stray quote', 'truncated']);
    expect(Math.min(...kinds.values())).toBeGreaterThan(CASES / 20);
    expect([...encodings].sort()).toEqual(['utf16le', 'utf8', 'windows1252']);
  });
});
