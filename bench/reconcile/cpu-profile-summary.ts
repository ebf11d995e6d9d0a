/**
 * Where a `node --cpu-prof` profile spent its CPU: self time per function and per file, largest first.
 *
 *   node dist/bench/reconcile/cpu-profile-summary.js <file.cpuprofile> [--top 25] [--inclusive map@object-mapper,classifyLegacy,...]
 *
 * Self time is the time a function was on top of the stack; `(garbage collector)`, `(program)` (native code outside
 * JavaScript, such as the pg socket and JSON parsing) and `(idle)` (waiting, e.g. for the database) are V8's own buckets.
 * Files under node_modules are grouped by package, so `pg`, `libphonenumber-js` and our own modules stand apart.
 * `--inclusive` adds, per named function, the time with that function anywhere on the stack (its callees included),
 * which is how the steps of the legacy phase (map, normaliseTarget, classifyLegacy, writeStagingRows, ...) are told apart.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function fileOf(url: string): string {
  if (!url) return '(native)';
  const packageAt = url.lastIndexOf('node_modules/');
  if (packageAt >= 0) {
    const rest = url.slice(packageAt + 'node_modules/'.length).split('/');
    return `npm:${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) return url;
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + '/dist/'.length) : path.basename(url);
}

function top(totals: Map<string, number>, n: number, all: number): string[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `${(us / 1e6).toFixed(2).padStart(8)} s ${((100 * us) / all).toFixed(1).padStart(5)}%  ${k}`);
}

function main(): void {
  const file = process.argv[2];
  if (!file) throw new Error('usage: cpu-profile-summary.js <file.cpuprofile> [--top 25]');
  const i = process.argv.indexOf('--top');
  const n = i >= 0 ? Number(process.argv[i + 1]) : 25;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let all = 0;
  let idle = 0;
  profile.samples.forEach((id, k) => {
    const us = profile.timeDeltas[k] ?? 0;
    const frame = byId.get(id)!.callFrame;
    all += us;
    if (frame.functionName === '(idle)') idle += us;
    const where = fileOf(frame.url);
    const name = `${frame.functionName || '(anonymous)'} ${where}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byFile.set(where, (byFile.get(where) ?? 0) + us);
  });
  console.log(
    `${file}: ${(all / 1e6).toFixed(1)} s sampled, of which ${(idle / 1e6).toFixed(1)} s idle (waiting), ${((all - idle) / 1e6).toFixed(1)} s on the CPU`,
  );
  console.log(`\nself time by function (top ${n}):`);
  for (const line of top(byFunction, n, all)) console.log(line);
  console.log(`\nself time by file or package (top ${n}):`);
  for (const line of top(byFile, n, all)) console.log(line);
  const j = process.argv.indexOf('--inclusive');
  if (j >= 0) inclusive(profile, byId, (process.argv[j + 1] ?? '').split(','), all);
}

function inclusive(profile: Profile, byId: Map<number, ProfileNode>, names: string[], all: number): void {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, number>(names.map((name) => [name, 0]));
  profile.samples.forEach((id, k) => {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      // `name@file` tells apart functions of the same name (PropertyMapper's `map` from Array's).
      const name = names.find((n) => {
        const [fn, file] = n.split('@');
        return fn === frame.functionName && (!file || frame.url.includes(file));
      });
      if (name !== undefined && !seen.has(name)) {
        seen.add(name);
        totals.set(name, totals.get(name)! + (profile.timeDeltas[k] ?? 0));
      }
    }
  });
  console.log('\ninclusive time (the function or anything it called):');
  for (const line of top(totals, names.length, all)) console.log(line);
}

main();
