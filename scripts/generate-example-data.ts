/**
 * Writes the example legacy export, HubSpot mirror and answer key.
 *
 *   npx tsx scripts/generate-example-data.ts [--seed 42] [--companies 2000] [--out examples]
 *       [--objects companies,contacts] [--truth full|counts]
 *       [--persons-per-company 1.5] [--opportunities-per-company 1.25] [--communications-per-company 2]
 */
import path from 'node:path';
import { EXAMPLE_OBJECTS, generateExample, type ExampleObject } from '../demo/generator';

function usage(message?: string): never {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write(
    'usage: npx tsx scripts/generate-example-data.ts [--seed 42] [--companies 2000] [--out examples] ' +
      '[--objects companies,contacts,deals,engagements] [--truth full|counts]\n',
  );
  process.exit(message ? 2 : 0);
}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-h' || arg === '--help') usage();
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) usage(`unexpected argument: ${arg}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) usage(`--${m[1]} needs a value`);
    out[m[1]!] = value;
  }
  return out;
}

function number(args: Record<string, string>, name: string, fallback: number, integer = false): number {
  const raw = args[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)))
    usage(`--${name} must be a ${integer ? 'whole ' : ''}number, got "${raw}"`);
  return n;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const known = new Set([
    'seed',
    'companies',
    'out',
    'objects',
    'truth',
    'persons-per-company',
    'opportunities-per-company',
    'communications-per-company',
  ]);
  for (const k of Object.keys(args)) if (!known.has(k)) usage(`unknown option --${k}`);
  const objects = args.objects
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const o of objects ?? [])
    if (!EXAMPLE_OBJECTS.includes(o as ExampleObject))
      usage(`unknown object "${o}" (use ${EXAMPLE_OBJECTS.join(', ')})`);
  const truth = args.truth ?? 'full';
  if (truth !== 'full' && truth !== 'counts') usage('--truth must be full or counts');
  const outDir = path.resolve(args.out ?? 'examples');
  const started = Date.now();
  const result = await generateExample({
    seed: number(args, 'seed', 42, true),
    companies: number(args, 'companies', 2000, true),
    outDir,
    objects: objects as ExampleObject[] | undefined,
    truth,
    personsPerCompany: number(args, 'persons-per-company', 1.5),
    opportunitiesPerCompany: number(args, 'opportunities-per-company', 1.25),
    communicationsPerCompany: number(args, 'communications-per-company', 2),
    onProgress: process.stderr.isTTY
      ? (object, rows) => process.stderr.write(`\r${object}: ${rows} records`)
      : undefined,
  });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const rel = (p: string) => path.relative(process.cwd(), p) || p;
  process.stdout.write(`Wrote ${rel(result.outDir)} in ${((Date.now() - started) / 1000).toFixed(1)} s:\n`);
  for (const f of result.files)
    process.stdout.write(`  ${rel(f.path).padEnd(48)} ${(f.bytes / 1024).toFixed(0).padStart(8)} KiB\n`);
  for (const [object, s] of Object.entries(result.objects)) {
    const st = s.statuses;
    process.stdout.write(
      `  ${object.padEnd(12)} ${s.dataRecords} legacy rows (${st.matched} matched, ${st.fuzzy_match} fuzzy match, ${st.new} new incl. ${s.duplicateCount} duplicates, ` +
        `${st.conflict} conflict, ${s.quarantinedCount} quarantined, ${s.fieldIssueCount} field issues); ` +
        `${s.mirrorRows} mirror rows (${st.orphan} orphan IDs, ${s.unlinkedTargets} unlinked)\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
