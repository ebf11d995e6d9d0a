import type { Chart } from './charts';
import { chartSlot, esc, formatNumber, numberCell, rowHead, table, textCell, time } from './html-kit';
import { EXAMPLES_PER_CLASS } from './quarantine-reasons';
import type { ObjectReport, RunInfo } from './schemas';

/** A titled block: its chart (when there is one) beside the table that holds the same numbers. */
function block(title: string, chart: Chart | undefined, body: string, after = ''): string {
  return `<div class="block"><h3>${esc(title)}</h3><div class="pair">${chart ? chartSlot(chart.id, chart.label) : ''}<div class="tables">${body}</div></div>${after}</div>`;
}

const note = (text: string) => `<p class="note">${text}</p>`;

function runLine(run: Pick<RunInfo, 'runId' | 'status' | 'startedAt' | 'finishedAt'>): string {
  return `run <code>${esc(run.runId)}</code>, ${esc(run.status)}, started ${time(run.startedAt)}, finished ${time(run.finishedAt)}`;
}

/** Says so when the newest run is not the one staging holds (it failed, or is still running). */
function staleWarning(r: ObjectReport): string {
  const latest = r.latestRun;
  if (!latest || latest.runId === r.run?.runId) return '';
  const why =
    latest.status === 'running'
      ? 'is still running'
      : `${esc(latest.status)}${latest.error ? `: ${esc(latest.error)}` : ''}`;
  const shown = r.run
    ? `This report shows the staging of the run finished ${time(r.run.finishedAt)}.`
    : 'No run of this object has succeeded yet.';
  return `<p class="warn" data-object="${esc(r.object)}" data-warning="latest-run">The latest run of ${esc(r.object)} (started ${time(latest.startedAt)}) ${why}. ${shown}</p>`;
}

function runFacts(r: ObjectReport): string {
  const run = r.run!;
  const o = r.object;
  return table(
    `${o}: the run staging holds`,
    ['', 'value'],
    [
      `${rowHead('run')}${textCell(run.runId, 'mono')}`,
      `${rowHead('finished')}<td>${time(run.finishedAt)}</td>`,
      `${rowHead('legacy export')}${textCell(run.source, 'mono')}`,
      `${rowHead('mirror')}${textCell(run.target, 'mono')}`,
      `${rowHead('legacy rows reconciled')}${numberCell(run.legacyRows, { object: o, metric: 'legacy_rows' })}`,
      `${rowHead('staging rows')}${numberCell(r.records, { object: o, metric: 'records' })}`,
      `${rowHead('rows quarantined')}${numberCell(run.quarantined, { object: o, metric: 'quarantined' })}`,
      `${rowHead('field issues')}${numberCell(run.fieldIssues, { object: o, metric: 'field_issues' })}`,
      `${rowHead('updates pending')}${numberCell(r.updatesPending, { object: o, metric: 'updates_pending' })}`,
    ],
    'facts',
  );
}

function statusBlock(r: ObjectReport, chart?: Chart): string {
  const o = r.object;
  const rows = r.statuses.map(
    (s) => `${rowHead(s.key)}${numberCell(s.count, { object: o, metric: 'status', key: s.key })}`,
  );
  rows.push(`${rowHead('total')}${numberCell(r.records, { object: o, metric: 'records' })}`);
  return block('Records by status', chart, table(`${o}: staging rows by status`, ['status', 'rows'], rows));
}

function confidenceBlock(r: ObjectReport, chart?: Chart): string {
  const o = r.object;
  if (r.fuzzy.total === 0)
    return block('Confidence of fuzzy matches', undefined, note('No fuzzy matches in this run.'));
  const rows = r.fuzzy.bins.map(
    (b) => `${rowHead(String(b.from))}${numberCell(b.count, { object: o, metric: 'confidence', key: String(b.from) })}`,
  );
  if (r.fuzzy.withoutConfidence)
    rows.push(
      `${rowHead('no confidence')}${numberCell(r.fuzzy.withoutConfidence, { object: o, metric: 'fuzzy_without_confidence' })}`,
    );
  rows.push(`${rowHead('total')}${numberCell(r.fuzzy.total, { object: o, metric: 'fuzzy_matches' })}`);
  return block(
    'Confidence of fuzzy matches',
    chart,
    table(`${o}: fuzzy matches by match confidence (0-100)`, ['confidence', 'fuzzy matches'], rows),
  );
}

function driftBlock(r: ObjectReport, chart?: Chart): string {
  const o = r.object;
  if (r.drift.rows === 0)
    return block('Fields that drift most', undefined, note('No matched record has a property to update.'));
  const rows = r.drift.properties.map(
    (p) => `${rowHead(p.key)}${numberCell(p.count, { object: o, metric: 'drift_property', key: p.key })}`,
  );
  if (r.drift.more)
    rows.push(
      `${rowHead('other properties (not listed)')}${numberCell(r.drift.more, { object: o, metric: 'drift_more' })}`,
    );
  const caption = `${o}: matched records whose HubSpot value differs, per property`;
  const total = table(
    `${o}: matched records with at least one property to update`,
    ['', 'records'],
    [`${rowHead('matched records to update')}${numberCell(r.drift.rows, { object: o, metric: 'drift_rows' })}`],
  );
  return block('Fields that drift most', chart, table(caption, ['property', 'records'], rows) + total);
}

function quarantineBlock(r: ObjectReport, chart?: Chart): string {
  const o = r.object;
  const q = r.quarantine;
  if (q.total === 0) return block('Quarantine', undefined, note('Nothing was quarantined in this run.'));
  const rows = q.classes.map(
    (c) => `${rowHead(c.key)}${numberCell(c.count, { object: o, metric: 'quarantine_class', key: c.key })}`,
  );
  if (q.otherClasses.classes) {
    rows.push(
      `${rowHead(`${formatNumber(q.otherClasses.classes)} other reasons (not listed)`)}${numberCell(q.otherClasses.entries, { object: o, metric: 'quarantine_other' })}`,
    );
  }
  rows.push(`${rowHead('total')}${numberCell(q.total, { object: o, metric: 'quarantine_entries' })}`);
  // Examples under a heading row per reason class, in the order of the counts above.
  const examples = q.classes.flatMap((c) => [
    `<th colspan="6" scope="rowgroup" class="group">${esc(c.key)}</th>`,
    ...q.examples
      .filter((e) => e.reasonClass === c.key)
      .map((e) =>
        [
          textCell(e.source, 'mono'),
          textCell(e.line, 'nowrap'),
          textCell(e.legacyId, 'mono'),
          textCell(e.field, 'mono'),
          textCell(e.reason),
          textCell(e.raw, 'mono raw'),
        ].join(''),
      ),
  ]);
  const caption = `${o}: examples, at most ${EXAMPLES_PER_CLASS} per reason (the whole list is in staging.quarantine)`;
  return block(
    'Quarantine reasons',
    chart,
    table(`${o}: quarantine entries (rows set aside and field issues) by reason`, ['reason', 'entries'], rows),
    table(caption, ['file', 'line', 'legacy ID', 'field', 'reason', 'raw'], examples, 'examples'),
  );
}

function applyBlock(r: ObjectReport, chart?: Chart): string {
  const o = r.object;
  const a = r.apply;
  if (!a)
    return block(
      'What apply wrote and refused',
      undefined,
      `<p class="note" data-object="${esc(o)}" data-apply="none">No apply yet.</p>`,
    );
  const head = `<p>Latest apply to ${esc(a.target)}: ${runLine(a)}${a.error ? ` — ${esc(a.error)}` : ''}</p>`;
  const rows = a.results.map(
    (x) =>
      `${rowHead(x.action)}${textCell(x.result)}${numberCell(x.count, { object: o, metric: 'apply_result', key: `${x.action}:${x.result}` })}`,
  );
  rows.push(
    `${rowHead('all actions')}${textCell('refused (failed)')}${numberCell(a.refused.total, { object: o, metric: 'apply_refused' })}`,
  );
  const refused = a.refused.records.map((x) =>
    [
      textCell(x.legacyId, 'mono'),
      textCell(x.action, 'nowrap'),
      textCell(x.targetId, 'mono'),
      textCell(x.error),
      `<td>${time(x.at)}</td>`,
    ].join(''),
  );
  const more = a.refused.total - a.refused.records.length;
  const list =
    (refused.length
      ? table(
          `${o}: records HubSpot refused, with its reason`,
          ['legacy ID', 'action', 'HubSpot ID', 'reason', 'at'],
          refused,
          'examples',
        )
      : '') +
    (more > 0
      ? note(`${formatNumber(more)} more refused records are not listed; staging.apply_audit has them all.`)
      : '');
  return block(
    'What apply wrote and refused',
    chart,
    head + table(`${o}: audit rows of the latest apply by action and result`, ['action', 'result', 'records'], rows),
    list,
  );
}

function trendBlock(r: ObjectReport, chart?: Chart): string {
  const o = r.object;
  const t = r.trend;
  if (t.runs.length === 0) return '';
  const rows = t.runs.map(
    (run, i) =>
      `${rowHead(String(i + 1))}<td>${time(run.finishedAt)}</td>${t.metrics.map((m) => numberCell(run.counts[m] ?? 0, { object: o, metric: 'trend', key: m, run: run.runId })).join('')}`,
  );
  const older = t.total - t.runs.length;
  return block(
    'Trend across runs',
    chart,
    table(
      `${o}: counts of each succeeded reconcile run, oldest first`,
      ['run', 'finished', ...t.metrics],
      rows,
      'trend',
    ) + (older > 0 ? note(`${formatNumber(older)} older succeeded runs are not shown.`) : ''),
  );
}

/** One object's part of the page. */
export function objectSection(r: ObjectReport, charts: Chart[]): string {
  const chart = (kind: string) => charts.find((c) => c.id === `${r.object}-${kind}`);
  const open = `<section id="object-${esc(r.object)}" data-object="${esc(r.object)}"><h2>${esc(r.object)}</h2>`;
  if (!r.hasTable || !r.run) {
    return `${open}${staleWarning(r)}<p class="note" data-object="${esc(r.object)}" data-reconciled="false">${esc(r.object)} has not been reconciled yet.</p>${applyBlock(r, chart('apply'))}</section>`;
  }
  return [
    open,
    staleWarning(r),
    runFacts(r),
    '<div class="grid">',
    statusBlock(r, chart('status')),
    confidenceBlock(r, chart('confidence')),
    driftBlock(r, chart('drift')),
    applyBlock(r, chart('apply')),
    '</div>',
    quarantineBlock(r, chart('quarantine')),
    trendBlock(r, chart('trend')),
    '</section>',
  ].join('');
}
