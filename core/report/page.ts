import { randomBytes } from 'node:crypto';
import { chartLibraries } from './assets';
import { chartsFor, type Chart } from './charts';
import { esc, numberCell, scriptJson, table, textCell, time } from './html-kit';
import type { ObjectReport, ReportData } from './schemas';
import { objectSection } from './sections';

const CSS = `
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6474; --line: #dde1e8; --warn: #8a4b00; --warn-bg: #fff4e0; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1180px; padding: 24px 28px 64px; color: var(--ink); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 20px; margin: 40px 0 8px; padding-top: 16px; border-top: 2px solid var(--ink); }
h3 { font-size: 15px; margin: 0 0 8px; } header p { margin: 2px 0; color: var(--muted); }
nav a { margin-right: 12px; }
table { border-collapse: collapse; margin: 0 0 12px; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); font-size: 12px; padding-bottom: 4px; caption-side: top; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
thead th { font-weight: 600; border-bottom: 1px solid var(--ink); }
th[scope=row] { font-weight: normal; }
th.group { font-weight: 600; padding-top: 10px; }
td.num { text-align: right; padding-left: 12px; }
.mono, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.raw { max-width: 340px; overflow-wrap: anywhere; white-space: pre-wrap; }
table.examples td { max-width: 320px; overflow-wrap: anywhere; }
table.examples td.mono:not(.raw), td.nowrap { white-space: nowrap; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 8px 32px; }
.block { margin: 16px 0; } .pair { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: flex-start; }
.chart { min-width: 300px; } .note { color: var(--muted); }
.warn { color: var(--warn); background: var(--warn-bg); padding: 8px 12px; border-radius: 4px; }
.overview { overflow-x: auto; }
`;

/** Renders every [data-chart] slot with its inlined spec; a chart that fails says so in its slot and on the console. */
const BOOT = `(function () {
  var specs = JSON.parse(document.getElementById('report-charts').textContent);
  document.querySelectorAll('[data-chart]').forEach(function (slot) {
    var spec = specs[slot.getAttribute('data-chart')];
    vegaEmbed(slot, spec, { renderer: 'svg', actions: false }).then(function () {
      slot.setAttribute('data-rendered', 'true');
    }).catch(function (error) {
      slot.setAttribute('data-rendered', 'failed');
      slot.textContent = 'This chart could not be drawn: ' + error.message;
      console.error(error);
    });
  });
})();`;

function overview(objects: ObjectReport[]): string {
  const statuses = [...new Set(objects.flatMap((o) => o.statuses.map((s) => s.key)))];
  const rows = objects.map((r) => {
    const o = r.object;
    const link = `<th scope="row"><a href="#object-${esc(o)}">${esc(o)}</a></th>`;
    if (!r.run) return `${link}<td colspan="${statuses.length + 7}">not reconciled yet</td>`;
    const counts = statuses.map((s) =>
      numberCell(r.statuses.find((x) => x.key === s)?.count ?? 0, { object: o, metric: 'status', key: s }),
    );
    return [
      link,
      `<td>${time(r.run.finishedAt)}</td>`,
      numberCell(r.records, { object: o, metric: 'records' }),
      ...counts,
      numberCell(r.run.quarantined, { object: o, metric: 'quarantined' }),
      numberCell(r.run.fieldIssues, { object: o, metric: 'field_issues' }),
      numberCell(r.updatesPending, { object: o, metric: 'updates_pending' }),
      textCell(r.apply ? r.apply.status : 'no apply yet'),
      r.apply ? numberCell(r.apply.refused.total, { object: o, metric: 'apply_refused' }) : textCell(null),
    ].join('');
  });
  const head = [
    'object',
    'reconciled',
    'records',
    ...statuses,
    'quarantined',
    'field issues',
    'updates pending',
    'latest apply',
    'refused',
  ];
  return `<div class="overview">${table('Every object: the latest successful reconcile, by status', head, rows)}</div>`;
}

/** The whole page: one self-contained HTML document, library code and data inlined, no request at view time. */
export function renderPage(data: ReportData): string {
  const charts: Chart[] = data.objects.flatMap(chartsFor);
  const specs = Object.fromEntries(charts.map((c) => [c.id, c.spec]));
  // Only scripts carrying this page's nonce run, so markup that slipped through from data could not execute.
  // Vega compiles its expressions with Function(), hence 'unsafe-eval'; nothing may be fetched (default-src 'none').
  const nonce = randomBytes(16).toString('base64');
  const csp = `default-src 'none'; script-src 'nonce-${nonce}' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src data:`;
  const libraries = chartLibraries();
  const objects = data.objects.length
    ? data.objects.map((o) => objectSection(o, charts)).join('\n')
    : '<p class="note" data-reconciled="none">No object has been reconciled yet: run <code>crm-bridge reconcile</code> first.</p>';
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // Not escaped: the policy is this function's own text, and its quotes are single quotes inside a double-quoted attribute.
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>CRM Bridge — migration report</title>',
    `<style>${CSS}</style></head><body>`,
    '<header><h1>CRM Bridge — migration report</h1>',
    `<p>Generated ${time(data.generatedAt)} from ${esc(data.database)} by crm-bridge ${esc(data.version)}.</p>`,
    `<p>Charts drawn with ${libraries.map((l) => `${esc(l.name)} ${esc(l.version)}`).join(', ')}; every number is also in the tables.</p>`,
    data.objects.length
      ? `<nav>${data.objects.map((o) => `<a href="#object-${esc(o.object)}">${esc(o.object)}</a>`).join('')}</nav>`
      : '',
    '</header><main>',
    data.objects.length ? overview(data.objects) : '',
    objects,
    '</main>',
    `<script type="application/json" id="report-charts">${scriptJson(specs)}</script>`,
    ...libraries.map((l) => `<script nonce="${nonce}" data-library="${esc(l.name)}">${l.code}</script>`),
    `<script nonce="${nonce}">${BOOT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
