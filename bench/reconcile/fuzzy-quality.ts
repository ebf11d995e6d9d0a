/**
 * Precision and recall of reconcile's fuzzy fallback on generated data larger than the shipped example, where
 * namesakes are common: the generator draws company and person names from small pools.
 *
 *   npx tsx bench/reconcile/fuzzy-quality.ts [--companies 20000] [--objects companies,contacts] [--fuzzy-chunk N] [--db postgres://…]
 *   (default $DATABASE_URL or local server; `--objects companies` alone keeps a large run to one object)
 *
 * A link counts as correct when the target is a hand-typed copy of the legacy record's entity (truth.json's
 * `unlinkedCopies`; a legacy duplicate company counts as its original); recall is over the copies the generator
 * planted for records without an ID match (status fuzzy_match in truth.json).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../core/db/database';
import { createTemporaryDatabase } from '../../core/db/temporary-database';
import { generateExample, type ExampleObject } from '../../demo/generator';
import { loadMirror } from '../../demo/load-mirror';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { reconcile } from '../../core/reconcile/reconcile';
import { PACKAGE_ROOT } from '../../core/version';

interface TruthObject {
  records: Record<string, { status: string; targetIds: string[]; duplicateOf?: string }>;
  unlinkedCopies: Record<string, string>;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

async function main(): Promise<void> {
  const companies = Number(arg('companies', '20000'));
  const objects = arg('objects', 'companies,contacts').split(',');
  const chunkSize = Number(arg('fuzzy-chunk', '0'));
  if (!Number.isInteger(chunkSize) || chunkSize < 0) throw new Error('--fuzzy-chunk takes a positive whole number');
  const unknown = objects.filter((o) => o !== 'companies' && o !== 'contacts');
  if (unknown.length) throw new Error(`--objects takes companies and/or contacts, not ${unknown.join(', ')}`);
  const server = arg('db', process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres');
  // Contacts reference companies, so they bring the companies with them; companies alone generate alone (at 1,000,000
  // companies, the contacts would be several million rows the run does not look at).
  const generated = objects.includes('contacts') ? ['companies', 'contacts'] : ['companies'];
  const dir = path.join(
    PACKAGE_ROOT,
    '.bench',
    `fuzzy-quality-${companies}${generated.length === 1 ? '-companies' : ''}`,
  );
  if (!existsSync(path.join(dir, '.complete'))) {
    await generateExample({ seed: 11, outDir: dir, companies, objects: generated as ExampleObject[] });
    writeFileSync(path.join(dir, '.complete'), new Date().toISOString());
  }
  const truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8')) as {
    objects: Record<string, TruthObject>;
  };
  const temporary = await createTemporaryDatabase(server, 'crm_bridge_fuzzy_quality');
  const db = await openDatabase({ url: temporary.url });
  try {
    await db.withConnection((sql) =>
      loadMirror(sql, path.join(dir, 'hubspot-mirror'), { schema: 'hubspot', batchSize: 5000 }),
    );
    for (const object of objects) {
      let stats: unknown;
      const summary = await reconcile(db, {
        object,
        mapping: builtInMapping(),
        legacyPath: path.join(dir, 'legacy-export'),
        ...(chunkSize ? { fuzzy: { chunkSize } } : {}),
        onFuzzyStats: (s) => (stats = s),
      });
      const t = truth.objects[object]!;
      const { rows } = await db.pool.query<{ legacy_id: string; target_id: string; notes: string[] }>(
        `SELECT legacy_id, target_id, notes FROM staging.${object} WHERE status = 'fuzzy_match'`,
      );
      const entity = (id: string) => t.records[id]?.duplicateOf ?? id;
      const isCorrect = (r: { legacy_id: string; target_id: string }) =>
        t.unlinkedCopies[r.target_id] !== undefined && entity(t.unlinkedCopies[r.target_id]!) === entity(r.legacy_id);
      const correct = rows.filter(isCorrect).length;
      // Wrong links whose names and e-mail or website agree exactly: namesakes the generator made, that no field tells apart.
      const wrong = rows.filter((r) => !isCorrect(r));
      const exact = (r: { notes: string[] }, field: RegExp) => r.notes.some((n) => field.test(n) && / exact /.test(n));
      const indistinguishable = wrong.filter((r) =>
        object === 'companies'
          ? exact(r, /^fuzzy: name /) && exact(r, /^fuzzy: website /)
          : exact(r, /^fuzzy: given_name /) && exact(r, /^fuzzy: surname /) && exact(r, /^fuzzy: email /),
      ).length;
      const toOrphans = wrong.filter((r) => t.unlinkedCopies[r.target_id] === undefined).length;
      const linked = new Map(rows.map((r) => [r.legacy_id, r.target_id]));
      const planted = Object.entries(t.records).filter(([, r]) => r.status === 'fuzzy_match');
      const found = planted.filter(([id, r]) => linked.get(id) === r.targetIds[0]).length;
      console.log(
        `${object}: ${summary.legacyRows} legacy rows, ${summary.fuzzyMatch} fuzzy_match, ${summary.new} new; ` +
          `precision ${(correct / rows.length).toFixed(3)} (${correct}/${rows.length}), recall ${(found / planted.length).toFixed(3)} (${found}/${planted.length}); ` +
          `wrong: ${wrong.length}, of which ${indistinguishable} agree exactly on name and ${object === 'companies' ? 'website' : 'e-mail'}, ` +
          `${toOrphans} go to a target that copies no legacy record; reconcile ${(summary.durationMs / 1000).toFixed(1)} s; fallback ${JSON.stringify(stats)}`,
      );
    }
  } finally {
    await db.close();
    await temporary.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
