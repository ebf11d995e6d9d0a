/**
 * npx tsx bench/mapping/index.ts [--verbose] [--tuning] [--no-samples] [--threshold 50]
 *
 * Runs suggestMappings on every labeled schema pair in core/mapping/schemas/ and prints, per pair and overall:
 * - top-1: the one-to-one suggestion is right (a field that maps to nothing is right when it gets "no match");
 * - top-3: for fields that do map somewhere, the right target is among the first three candidates;
 * - no-match precision / recall: of the fields given "no match", how many really map to nothing, and of those
 *   that map to nothing, how many got "no match".
 * Held-out pairs (not used to tune the vocabulary or the weights) are reported separately. `--tuning` leaves them
 * out entirely, which is how the engine was tuned; `--verbose` lists every wrong suggestion; `--no-samples` drops every
 * sample value (names, labels and types only), to show what the value profiles add.
 */
import { expectedTargets, loadLabeledPairs, type LabeledPair } from '../../core/mapping/suggest/labeled-pairs';
import { suggestMappings } from '../../core/mapping/suggest/suggest';

interface Score {
  fields: number;
  top1: number;
  mapped: number;
  top3: number;
  saidNone: number;
  saidNoneRight: number;
  isNone: number;
  ms: number;
}

const empty = (): Score => ({
  fields: 0,
  top1: 0,
  mapped: 0,
  top3: 0,
  saidNone: 0,
  saidNoneRight: 0,
  isNone: 0,
  ms: 0,
});

function add(a: Score, b: Score): Score {
  const out = empty();
  for (const k of Object.keys(out) as Array<keyof Score>) out[k] = a[k] + b[k];
  return out;
}

const strip = <T extends { fields: Array<{ sample?: string[] }> }>(o: T): T => ({
  ...o,
  fields: o.fields.map(({ sample: _drop, ...f }) => f),
});

function evaluate(pair: LabeledPair, threshold: number, verbose: boolean, noSamples: boolean): Score {
  const t = performance.now();
  const [source, target] = noSamples ? [strip(pair.source), strip(pair.target)] : [pair.source, pair.target];
  const result = suggestMappings(source, target, undefined, { threshold });
  const s = empty();
  s.ms = performance.now() - t;
  const wrong: string[] = [];
  for (const sug of result.suggestions) {
    const expected = expectedTargets(pair, sug.source);
    s.fields++;
    const right = expected.length === 0 ? sug.target === null : sug.target !== null && expected.includes(sug.target);
    if (right) s.top1++;
    if (expected.length > 0) {
      s.mapped++;
      if (sug.candidates.slice(0, 3).some((c) => expected.includes(c.target))) s.top3++;
    } else s.isNone++;
    if (sug.target === null) {
      s.saidNone++;
      if (expected.length === 0) s.saidNoneRight++;
    }
    if (!right) {
      const alt = sug.candidates
        .slice(0, 3)
        .map((c) => `${c.target} ${c.confidence}`)
        .join(', ');
      wrong.push(
        `    ${sug.source}: got ${sug.target ?? '(no match)'}${sug.target ? ` ${sug.confidence}` : ''}, expected ${expected.join(' | ') || '(no match)'}  [${alt}]`,
      );
    }
  }
  if (verbose && wrong.length) console.log(`  ${pair.id}\n${wrong.join('\n')}`);
  return s;
}

const pct = (n: number, d: number) => (d === 0 ? '   -  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`);

function row(name: string, s: Score): string {
  return `| ${name.padEnd(56)} | ${String(s.fields).padStart(6)} | ${pct(s.top1, s.fields)} | ${pct(s.top3, s.mapped)} | ${pct(s.saidNoneRight, s.saidNone)} | ${pct(s.saidNoneRight, s.isNone)} | ${s.ms.toFixed(1).padStart(6)} |`;
}

function main(): void {
  const verbose = process.argv.includes('--verbose');
  const tuning = process.argv.includes('--tuning');
  const noSamples = process.argv.includes('--no-samples');
  const ti = process.argv.indexOf('--threshold');
  const threshold = ti >= 0 ? Number(process.argv[ti + 1]) : 50;
  const pairs = loadLabeledPairs().filter((p) => !(tuning && p.heldOut));
  const scores = pairs.map((p) => ({ pair: p, score: evaluate(p, threshold, verbose, noSamples) }));
  console.log(
    `\nmapping suggestions, threshold ${threshold}${tuning ? ' (tuning set only)' : ''}${noSamples ? ', without sample values' : ''}\n`,
  );
  console.log(`| ${'pair'.padEnd(56)} | fields | top-1  | top-3  | none P | none R |   ms   |`);
  console.log(`|${'-'.repeat(58)}|--------|--------|--------|--------|--------|--------|`);
  for (const { pair, score } of scores.filter((x) => !x.pair.heldOut)) console.log(row(pair.id, score));
  const tuned = scores.filter((x) => !x.pair.heldOut).reduce((a, x) => add(a, x.score), empty());
  console.log(row('OVERALL (tuning pairs)', tuned));
  const held = scores.filter((x) => x.pair.heldOut);
  for (const { pair, score } of held) console.log(row(`held out: ${pair.id}`, score));
  if (held.length)
    console.log(
      row(
        'OVERALL (all pairs)',
        scores.reduce((a, x) => add(a, x.score), empty()),
      ),
    );
  console.log(
    '\ntop-1 counts "no match" as an answer; top-3 is over fields that map somewhere; none P/R: no-match precision/recall',
  );
}

main();
