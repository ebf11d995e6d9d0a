/**
 * npx tsx bench/matching/index.ts [--sizes 100000,1000000] [--loose-blocking 1000000] [--skip-quality] [--no-baseline]
 *   [--rates-records 20000] [--rates-seeds 101,202]
 *
 * 1. Quality: pairwise precision, recall and F1 of the entities found on every labeled set in shared/data/er,
 *    with one configuration per preset (contacts for people, companies for organisations and restaurants), then
 *    the same on generated contacts at 0 %, 0.5 %, 2 %, 10 % and 30 % duplicates (bench/matching/rates.ts).
 * 2. Scale: dedupe of N generated contacts; records/s, candidate pairs, peak RSS, and the ratio to a baseline
 *    measured in the same process on the same records: normalising them and nothing else. --no-baseline skips it,
 *    so that the dedupe runs in a process whose heap holds only the records (as a CLI or n8n run does); the
 *    baseline's garbage otherwise costs the dedupe after it a few seconds of collection at 1M.
 * 3. Pair throughput: the same engine with blocking loosened until it proposes ~10M candidate pairs.
 */
import { dedupe, type MatchConfigInput } from '../../core/matching';
import { prepareDedupe } from '../../core/matching/dataset';
import { LABELED_SETS, labeledDataAvailable, ER_DIR } from './datasets';
import { clusterPairs, evaluate, score } from './evaluate';
import { DUPLICATE_RATES, measureRate } from './rates';
import { generateContacts } from './generate-contacts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? '') : undefined;
}

const pct = (x: number) => (x * 100).toFixed(1);
const mb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const sec = (ms: number) => (ms / 1000).toFixed(1);

function quality(): void {
  if (!labeledDataAvailable()) {
    console.log(`labeled sets not found in ${ER_DIR}; skipping quality`);
    return;
  }
  console.log('\n## Quality (pairwise, over the clusters found; one config per preset)\n');
  console.log(
    '| set | preset | records | true pairs | predicted | precision % | recall % | F1 % | auto-merge pairs | auto-merge precision % | auto-merge recall % | evidence | candidate pairs | s |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const load of LABELED_SETS) {
    const set = load();
    const q = evaluate(set);
    const auto = score(clusterPairs(q.result, 'auto-merge'), set.truth);
    console.log(
      `| ${q.set} | ${set.preset} | ${q.records} | ${q.truePairs} | ${q.predictedPairs} | ${pct(q.precision)} | ${pct(q.recall)} | ${pct(q.f1)} | ${clusterPairs(q.result, 'auto-merge').size} | ${pct(auto.precision)} | ${pct(auto.recall)} | ${q.result.stats.evidence} | ${q.candidatePairs} | ${q.seconds.toFixed(1)} |`,
    );
  }
}

/** Precision and recall at each duplicate rate, on seeds the engine was not tuned on. */
function rates(): void {
  const records = Number(arg('rates-records') ?? 20_000);
  const seeds = (arg('rates-seeds') ?? '101,202').split(',').filter(Boolean).map(Number);
  console.log(
    `\n## Quality by duplicate rate (${records} generated contacts, seeds ${seeds.join(', ')}; pairwise, over the groups found)\n`,
  );
  console.log(
    '| duplicates % | seed | true pairs | auto-merge pairs | false auto-merge pairs | auto-merge precision % | auto-merge recall % | pairs in groups (auto + review) | false pairs in groups | precision % | recall % | F1 % | evidence | s |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  // At 0 % there is nothing to find: precision is undefined there, and the false pairs are the figure.
  const orDash = (x: number, defined: boolean) => (defined ? pct(x) : '-');
  for (const rate of DUPLICATE_RATES) {
    for (const seed of seeds) {
      const q = measureRate(records, rate, seed);
      console.log(
        `| ${(rate * 100).toFixed(1)} | ${seed} | ${q.truePairs} | ${q.autoPairs} | ${q.falseAutoPairs} | ${orDash(q.autoPrecision, q.autoPairs > 0)} | ${orDash(q.autoRecall, q.truePairs > 0)} | ${q.groupPairs} | ${q.falseGroupPairs} | ${orDash(q.precision, q.groupPairs > 0)} | ${orDash(q.recall, q.truePairs > 0)} | ${orDash(q.f1, q.truePairs > 0)} | ${q.evidence} | ${q.seconds.toFixed(1)} |`,
      );
    }
  }
}

/**
 * Milliseconds for a fixed loop of integer mixing and Map inserts: how fast the machine is at this moment. Shared
 * VMs wander (1.8x within minutes has been seen), so runs are compared at similar calibrations only.
 */
function calibrate(): number {
  const t = performance.now();
  let h = 0;
  for (let i = 0; i < 3e7; i++) h = Math.imul(h ^ i, 16777619) >>> 0;
  const m = new Map<string, number>();
  for (let i = 0; i < 3e5; i++) m.set(`k${i}`, i ^ h);
  return Math.round(performance.now() - t);
}

function scaleRun(n: number, label: string, config: MatchConfigInput): void {
  const calibration = calibrate();
  let t = performance.now();
  const { records } = generateContacts(n, 42);
  const rows = records as unknown as Array<Record<string, string>>;
  const generated = performance.now() - t;
  // Baseline: the same records, only normalised (what any matching must at least do).
  let baseline = Number.NaN;
  if (arg('no-baseline') === undefined) {
    t = performance.now();
    prepareDedupe(rows, config);
    baseline = performance.now() - t;
  }
  t = performance.now();
  // CPU time beside wall time: on a shared machine the wall clock also measures the neighbours.
  const cpu0 = process.cpuUsage();
  const r = dedupe(rows, config);
  const total = performance.now() - t;
  const used = process.cpuUsage(cpu0);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const s = r.stats;
  const cells = [
    label,
    calibration,
    n,
    sec(generated),
    Number.isNaN(baseline) ? '-' : sec(baseline),
    sec(total),
    cpuSeconds.toFixed(1),
    Number.isNaN(baseline) ? '-' : (total / baseline).toFixed(1),
    Math.round(n / (total / 1000)),
    s.candidatePairs,
    (s.candidatePairs / n).toFixed(2),
    Math.round(s.candidatePairs / ((s.timingsMs.fit! + s.timingsMs.score!) / 1000)),
    s.autoMergePairs + s.reviewPairs,
    s.autoMergePairs,
    s.heldForReview,
    s.evidence,
    s.clusters,
    s.blocking.reduce((x, b) => x + b.oversizedBlocks, 0),
    mb(),
    `normalise ${sec(s.timingsMs.normalise!)} / block ${sec(s.timingsMs.block!)} / fit ${sec(s.timingsMs.fit!)} / score ${sec(s.timingsMs.score!)} / cluster ${sec(s.timingsMs.cluster!)}`,
  ];
  console.log(`| ${cells.join(' | ')} |`);
}

function main(): void {
  if (arg('skip-quality') === undefined) {
    quality();
    rates();
  }
  const sizes = (arg('sizes') ?? '100000,1000000').split(',').filter(Boolean).map(Number);
  console.log('\n## Scale (generated contacts, seed 42; dedupe with the contacts preset, reasons off)\n');
  console.log(
    '| run | calibration ms | records | generate s | baseline: normalise only s | dedupe s | dedupe CPU s | dedupe / baseline | records/s | candidate pairs | pairs/record | pairs/s (fit+score) | pairs ≥ review | auto-merge pairs | held for review | evidence | clusters | oversized blocks | peak RSS MB (process) | stages s |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const n of sizes) scaleRun(n, 'default blocking', { preset: 'contacts', includeReasons: false });
  const loose = arg('loose-blocking');
  if (loose !== undefined) {
    const n = Number(loose || 1_000_000);
    scaleRun(n, 'loose blocking (block cap 2000, window 100)', {
      preset: 'contacts',
      includeReasons: false,
      blocking: { maxBlockSize: 2000, window: 100 },
    });
  }
}

main();
