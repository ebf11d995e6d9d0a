/** Prints a markdown table (as BENCHMARKS.md records the benches' results): the header, its rule, one line a row. */
export function printTable(head: string[], rows: Array<Array<string | number>>): void {
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}
