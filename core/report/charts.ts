import type { ObjectReport } from './schemas';

/** A Vega-Lite spec, kept as plain JSON: it is inlined into the page and compiled there by vega-lite. */
export type VegaLiteSpec = Record<string, unknown>;

export interface Chart {
  id: string;
  /** What the chart shows, for screen readers (the numbers are in the table beside it). */
  label: string;
  spec: VegaLiteSpec;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const WIDTH = 380;
/** Fuzzy pairs are kept from the matching engine's review threshold (50 by default) up, so the axis starts there. */
const REVIEW_FLOOR = 50;

const config = {
  font: FONT,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 11 },
  bar: { color: '#3b6ea5' },
};

/** 0, 1, 5, 10, 50, 100, … up to the largest count: vega's own ticks on a symlog scale skip the small decades. */
function symlogTicks(max: number): number[] {
  const ticks = [0];
  for (let decade = 1; decade <= Math.max(1, max); decade *= 10)
    ticks.push(...[decade, 5 * decade].filter((t) => t <= Math.max(1, max)));
  return ticks;
}

/** A horizontal bar per category, longest first; the category labels can be long (reason classes). */
function barChart(values: Array<{ key: string; count: number }>, measure: string): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    config,
    width: WIDTH,
    height: { step: 18 },
    data: { values },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      // No axis title: the labels say what they are, and a title would sit on top of long labels.
      y: { field: 'key', type: 'nominal', sort: '-x', title: null, axis: { labelLimit: 260 } },
      x: { field: 'count', type: 'quantitative', title: measure, axis: { tickMinStep: 1, format: 'd', tickCount: 5 } },
    },
  };
}

/** The charts of one object: only those that have something to draw (an empty chart would look like a failure). */
export function chartsFor(report: ObjectReport): Chart[] {
  const o = report.object;
  const charts: Chart[] = [];
  if (report.statuses.length) {
    charts.push({ id: `${o}-status`, label: `${o}: staging rows by status`, spec: barChart(report.statuses, 'rows') });
  }
  if (report.fuzzy.bins.length) {
    const lowest = Math.min(REVIEW_FLOOR, ...report.fuzzy.bins.map((b) => b.from));
    const ticks = Array.from({ length: Math.floor((100 - lowest) / 10) + 1 }, (_, i) => 100 - 10 * i).reverse();
    charts.push({
      id: `${o}-confidence`,
      label: `${o}: match confidence of fuzzy matches`,
      spec: {
        $schema: SCHEMA,
        config,
        width: WIDTH,
        height: 160,
        data: { values: report.fuzzy.bins },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: {
            field: 'from',
            type: 'quantitative',
            bin: { binned: true, step: 1 },
            title: 'match confidence',
            scale: { domain: [lowest, 101] },
            axis: { values: ticks },
          },
          x2: { field: 'to' },
          y: { field: 'count', type: 'quantitative', title: 'fuzzy matches', axis: { tickMinStep: 1, format: 'd' } },
        },
      },
    });
  }
  if (report.drift.properties.length) {
    charts.push({
      id: `${o}-drift`,
      label: `${o}: properties that differ most among matched records`,
      spec: barChart(report.drift.properties, 'matched records to update'),
    });
  }
  if (report.quarantine.classes.length) {
    charts.push({
      id: `${o}-quarantine`,
      label: `${o}: quarantine entries by reason`,
      spec: barChart(report.quarantine.classes, 'entries'),
    });
  }
  if (report.apply && report.apply.results.length) {
    charts.push({
      id: `${o}-apply`,
      label: `${o}: latest apply, audit rows by result and action`,
      spec: {
        $schema: SCHEMA,
        config,
        width: WIDTH,
        height: { step: 22 },
        data: { values: report.apply.results },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'result', type: 'nominal', title: 'result' },
          x: {
            field: 'count',
            type: 'quantitative',
            title: 'records',
            stack: 'zero',
            axis: { tickMinStep: 1, format: 'd' },
          },
          color: { field: 'action', type: 'nominal', title: 'action', scale: { scheme: 'tableau10' } },
        },
      },
    });
  }
  if (report.trend.runs.length) {
    const values = report.trend.runs.flatMap((run, i) =>
      report.trend.metrics.map((metric) => ({
        run: i + 1,
        finishedAt: run.finishedAt,
        metric,
        count: run.counts[metric] ?? 0,
      })),
    );
    charts.push({
      id: `${o}-trend`,
      label: `${o}: counts per succeeded reconcile run, oldest to newest`,
      spec: {
        $schema: SCHEMA,
        config,
        width: WIDTH,
        height: 200,
        data: { values },
        // Runs, not clock time, on the x axis: runs minutes and months apart are equally one step.
        mark: { type: 'line', point: true, tooltip: true },
        encoding: {
          x: { field: 'run', type: 'ordinal', title: 'succeeded run (oldest → newest)', axis: { labelAngle: 0 } },
          // Symlog: matched counts in thousands would flatten conflicts and quarantine in tens onto the axis; zero stays drawable.
          y: {
            field: 'count',
            type: 'quantitative',
            title: 'records (symlog scale)',
            scale: { type: 'symlog' },
            axis: { format: 'd', values: symlogTicks(Math.max(0, ...values.map((v) => v.count))) },
          },
          color: { field: 'metric', type: 'nominal', title: null, scale: { scheme: 'tableau10' } },
        },
      },
    });
  }
  return charts;
}
