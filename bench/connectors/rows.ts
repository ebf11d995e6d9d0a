/** One row of the connector bench, the same columns for every CRM. */
export interface BenchRow {
  crm: string;
  scenario: string;
  records: number;
  seconds: number;
  perSecond: number;
  limitMax: string;
  ratioLimit: string;
  ratioBaseline: string;
  requests: number;
  r429: number;
  retries: number;
  failed: number;
  lost: number;
  duplicated: number;
}

export const fmt = (x: number, d = 1) => x.toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d });

/** The rows as a markdown table (as BENCHMARKS.md records them), then the notes. */
export function printRows(rows: BenchRow[], notes: string[]): void {
  const head = ['CRM', 'scenario', 'records', 'seconds', 'records/s', 'limit max records/s', 'ratio to limit', 'ratio to baseline', 'requests', '429s', 'retries', 'failed', 'lost', 'duplicated'];
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---').join('|')}|`);
  for (const r of rows) {
    console.log(`| ${[r.crm, r.scenario, r.records.toLocaleString('en-GB'), fmt(r.seconds), fmt(r.perSecond, 0), r.limitMax, r.ratioLimit, r.ratioBaseline, r.requests, r.r429, r.retries, r.failed, r.lost, r.duplicated].join(' | ')} |`);
  }
  for (const n of notes) console.log(n);
}

/** Runs one CRM's bench on its own (`npx tsx bench/connectors/<crm>.ts`) and prints its table. */
export function printWhenRun(bench: Promise<{ rows: BenchRow[]; notes: string[] }>): void {
  bench.then(({ rows, notes }) => printRows(rows, notes), (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
