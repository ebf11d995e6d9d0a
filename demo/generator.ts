/**
 * Generates a deterministic legacy-CRM export (one CSV per table), a HubSpot mirror of the same data
 * (one CSV per table) with realistic drift, and `truth.json`, the answer key the reconcile engine is checked
 * against. Everything is streamed: memory stays bounded whatever the number of companies, because every
 * record is a pure function of (seed, table, index) and references are computed, never looked up.
 */
import { createReadStream, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { MIRROR_TABLES } from './mirror-schema';
import { EXAMPLE_OBJECTS, objectDefs } from './objects';
import { Sink } from './sink';
import { childCounts, type Layout } from './layout';
import { TableRun } from './table-run';
import type { GenerateExampleOptions, GenerateExampleResult } from './types';

export { EXAMPLE_OBJECTS, type ExampleObject } from './objects';
export type {
  RecordStatus,
  QuarantineKind,
  GenerateExampleOptions,
  QuarantinedRow,
  ObjectSummary,
  GenerateExampleResult,
} from './types';

export async function generateExample(opts: GenerateExampleOptions): Promise<GenerateExampleResult> {
  const seed = opts.seed >>> 0;
  if (!Number.isInteger(opts.companies) || opts.companies < 1) throw new Error('companies must be a positive integer');
  const objects = EXAMPLE_OBJECTS.filter((o) => !opts.objects || opts.objects.includes(o));
  if (objects.length === 0) throw new Error(`objects must name at least one of ${EXAMPLE_OBJECTS.join(', ')}`);
  const truth = opts.truth ?? 'full';
  const layout: Layout = {
    seed,
    companies: opts.companies,
    personsPerCompany: opts.personsPerCompany ?? 1.5,
    opportunitiesPerCompany: opts.opportunitiesPerCompany ?? 1.25,
    communicationsPerCompany: opts.communicationsPerCompany ?? 2,
    totals: { companies: opts.companies, contacts: 0, deals: 0, engagements: 0 },
  };
  for (let i = 0; i < layout.companies; i++) {
    const c = childCounts(layout, i);
    layout.totals.contacts += c.persons;
    layout.totals.deals += c.deals;
    layout.totals.engagements += c.comms;
  }

  const outDir = path.resolve(opts.outDir);
  mkdirSync(path.join(outDir, 'legacy-export'), { recursive: true });
  mkdirSync(path.join(outDir, 'hubspot-mirror'), { recursive: true });
  const runs: TableRun[] = [];
  const files: string[] = [];
  for (const object of objects) {
    const run = new TableRun(object, layout, outDir, truth);
    await run.run(opts.onProgress);
    runs.push(run);
    const def = objectDefs()[object];
    files.push(path.join(outDir, 'legacy-export', def.file), path.join(outDir, 'hubspot-mirror', `${def.table}.csv`));
  }

  const truthFile = path.join(outDir, 'truth.json');
  await writeTruth(truthFile, outDir, seed, layout, truth, runs);
  files.push(truthFile);
  return {
    outDir,
    truthFile,
    files: files.map((p) => ({ path: p, bytes: statSync(p).size })),
    objects: Object.fromEntries(runs.map((r) => [r.object, r.summary])),
  };
}

async function writeTruth(
  file: string,
  outDir: string,
  seed: number,
  layout: Layout,
  truth: 'full' | 'counts',
  runs: TableRun[],
): Promise<void> {
  const out = new Sink(file);
  const j = (v: unknown) => JSON.stringify(v);
  out.write(`{\n  "seed": ${seed},\n  "generatedBy": "scripts/generate-example-data.ts",\n`);
  out.write(
    `  "options": ${j({
      companies: layout.companies,
      personsPerCompany: layout.personsPerCompany,
      opportunitiesPerCompany: layout.opportunitiesPerCompany,
      communicationsPerCompany: layout.communicationsPerCompany,
      truth,
    })},\n  "objects": {\n`,
  );
  for (const [k, run] of runs.entries()) {
    const s = run.summary;
    out.write(`    ${j(run.object)}: {\n`);
    out.write(
      `      "file": ${j(s.file)},\n      "mirrorFile": ${j(s.mirrorFile)},\n      "dataRecords": ${s.dataRecords},\n`,
    );
    out.write(
      `      "statuses": ${j(s.statuses)},\n      "unlinkedTargets": ${s.unlinkedTargets},\n      "mirrorRows": ${s.mirrorRows},\n`,
    );
    out.write(
      `      "quarantinedCount": ${s.quarantinedCount},\n      "fieldIssueCount": ${s.fieldIssueCount},\n      "duplicateCount": ${s.duplicateCount}`,
    );
    if (truth === 'full') {
      out.write(
        `,\n      "quarantined": [${run.quarantined.map((q) => `\n        ${j(q)}`).join(',')}${run.quarantined.length ? '\n      ' : ''}]`,
      );
      out.write(`,\n      "unlinkedCopies": ${j(Object.fromEntries(run.unlinkedCopies))}`);
      out.write(
        `,\n      "fieldIssues": [${run.fieldIssues.map((q) => `\n        ${j(q)}`).join(',')}${run.fieldIssues.length ? '\n      ' : ''}]`,
      );
      out.write(`,\n      "records": {\n`);
      await out.flush(true);
      const tmp = path.join(outDir, `.truth-${run.object}.tmp`);
      for await (const chunk of createReadStream(tmp, { encoding: 'utf8' })) {
        out.write(chunk as string);
        await out.flush();
      }
      rmSync(tmp, { force: true });
      out.write(`\n      }`);
    }
    out.write(`\n    }${k < runs.length - 1 ? ',' : ''}\n`);
  }
  out.write('  }\n}\n');
  await out.close();
}

/** Column types of the mirror, re-exported for the loader and tests. */
export { MIRROR_TABLES };
