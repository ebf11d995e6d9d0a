import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { reconcile } from '../../core/reconcile/reconcile';
import { writeReport, type ReportResult } from '../../core/report';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { EXPORT_DIR, loadExampleMirror } from '../helpers/example-data';
import { launchChromium, SKIP_BROWSER, SKIP_MESSAGE, type Browser } from './browser';
import { cellsInHtml, cellsOf, expectedCells, reasonClass, type PageCell } from './expected-counts';
import { exportWithScript, insertApplyRuns, SCRIPT, type FakeApply } from './fixtures';

const OBJECTS = ['companies', 'contacts', 'deals', 'engagements'];
const IMG_REASON = 'odd value <img src=x onerror=alert(2)> in row';
const mapping = builtInMapping();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-report-'));
const out = path.join(tmp, 'report.html');
let t: TestDatabase;
let result: ReportResult;
let html: string;
let planted: { legacyId: string; line: number };
let apply: FakeApply;

beforeAll(async () => {
  t = await createTestDatabase();
  await loadExampleMirror(t.db);
  const legacy = path.join(tmp, 'legacy-export');
  planted = exportWithScript(EXPORT_DIR, legacy);
  for (const object of OBJECTS) await reconcile(t.db, { object, mapping, legacyPath: legacy });
  // A second run of companies, so its trend has two points.
  await reconcile(t.db, { object: 'companies', mapping, legacyPath: legacy });
  apply = await insertApplyRuns(t.db, 'companies');
  // Markup before any quote stays in the reason class, so it reaches a chart's labels and the chart's inlined JSON.
  await t.db.pool.query(
    `INSERT INTO staging.quarantine (run_id, object, source, line, reason, raw)
     SELECT run_id, 'deals', 'Opportunity.csv', 9999, $1, $1 FROM staging.reconciliation_log WHERE object = 'deals' AND status = 'succeeded'`,
    [IMG_REASON],
  );
  result = await writeReport(t.db, mapping, { out });
  html = readFileSync(out, 'utf8');
}, 240_000);
afterAll(async () => {
  await t?.drop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the report of the shipped example, as written', () => {
  it('covers every reconciled object and says what apply wrote for companies, and that contacts have no apply yet', async () => {
    expect(result.objects.map((o) => o.object)).toEqual(OBJECTS);
    const companies = result.objects.find((o) => o.object === 'companies')!;
    expect(companies.apply).toEqual({
      runId: apply.runId,
      status: 'partial',
      refused: apply.refused + apply.associateRefused,
      results: { created: apply.created, updated: apply.updated, failed: apply.refused + apply.associateRefused },
    });
    expect(result.objects.find((o) => o.object === 'contacts')!.apply).toBeNull();
    const { rows } = await t.db.pool.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM staging.deals GROUP BY status',
    );
    expect(result.objects.find((o) => o.object === 'deals')!.statuses).toEqual(
      Object.fromEntries(rows.map((r) => [r.status, r.n])),
    );
  });

  it('is one self-contained file: the chart libraries and the data inlined, nothing to fetch', () => {
    // Booleans, not the page itself, on failure: the page is a megabyte of library code.
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(/<script[^>]*\ssrc=/i.test(html)).toBe(false);
    expect(/<link[^>]*\shref=/i.test(html)).toBe(false);
    for (const library of ['vega', 'vega-lite', 'vega-embed'])
      expect(html.includes(`data-library="${library}"`), library).toBe(true);
    expect(html.includes(`content="default-src 'none';`)).toBe(true);
    expect(result.bytes).toBe(Buffer.byteLength(html));
  });

  it("escapes a legacy value that holds a script tag, in the quarantine and in HubSpot's reason alike", () => {
    expect(html.includes(SCRIPT)).toBe(false);
    expect(html.split('&lt;script&gt;alert(1)&lt;/script&gt;').length - 1).toBe(3);
    // The page up to the libraries' code (which has markup of its own in strings): the sections and the chart data.
    const ours = html.slice(0, html.indexOf('<script nonce='));
    expect(ours.includes('<img')).toBe(false);
    expect(ours.includes('&lt;img src=x onerror=alert(2)&gt;')).toBe(true);
    // In the chart data, as JSON escapes that JSON.parse reads back as the text (the class writes numbers N).
    expect(ours.includes('"odd value \\u003cimg src=x onerror=alert(N)\\u003e in row"')).toBe(true);
  });

  it('shows the same numbers as a fresh count of the tables (read from the HTML text)', async () => {
    const { cells, mismatches } = cellsOf(cellsInHtml(html));
    expect(mismatches).toEqual([]);
    expect(cells).toEqual(await expectedCells(t.db, OBJECTS));
  });
});

describe.skipIf(SKIP_BROWSER)('the report in headless Chromium', () => {
  let browser: Browser;
  const errors: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];
  let page: Awaited<ReturnType<Browser['context']['newPage']>>;

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(pathToFileURL(out).href);
    // A string, run in the page: the tests are compiled without the DOM's types.
    await page.waitForFunction(
      `[...document.querySelectorAll('[data-chart]')].every((n) => n.hasAttribute('data-rendered'))`,
      null,
      { timeout: 60_000 },
    );
  }, 120_000);
  afterAll(async () => browser?.close());

  it('renders every chart as SVG with one mark per value drawn', async () => {
    const charts = await page.$$eval('[data-chart]', (slots) =>
      slots.map((s) => ({
        id: s.getAttribute('data-chart')!,
        rendered: s.getAttribute('data-rendered'),
        svg: s.querySelectorAll('svg').length,
        bars: s.querySelectorAll('g.mark-rect.role-mark > path').length,
        lines: s.querySelectorAll('g.mark-line.role-mark > path').length,
        points: s.querySelectorAll('g.mark-symbol.role-mark > path').length,
      })),
    );
    const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
    // Objects with fuzzy matching (companies, contacts) have six charts, the others five, less apply where none ran.
    expect(Object.keys(byId).sort()).toEqual([
      'companies-apply',
      'companies-confidence',
      'companies-drift',
      'companies-quarantine',
      'companies-status',
      'companies-trend',
      'contacts-confidence',
      'contacts-drift',
      'contacts-quarantine',
      'contacts-status',
      'contacts-trend',
      'deals-drift',
      'deals-quarantine',
      'deals-status',
      'deals-trend',
      'engagements-drift',
      'engagements-quarantine',
      'engagements-status',
      'engagements-trend',
    ]);
    for (const c of charts) {
      expect(c, c.id).toMatchObject({ rendered: 'true', svg: 1 });
      expect(c.bars + c.lines + c.points, c.id).toBeGreaterThan(0);
    }
    const statuses = result.objects.find((o) => o.object === 'companies')!.statuses;
    expect(byId['companies-status']!.bars).toBe(Object.keys(statuses).length);
    // Eight counts per run (five statuses, quarantined, field issues, updates pending): a line each, a point per run.
    expect(byId['companies-trend']).toMatchObject({ lines: 8, points: 16 });
    expect(byId['deals-trend']).toMatchObject({ lines: 8, points: 8 });
  });

  it('shows in its tables the same numbers as a fresh count of the database', async () => {
    const shown = await page.$$eval('td[data-metric]', (tds) =>
      tds.map((td): PageCell => ({
        object: td.getAttribute('data-object') ?? '',
        metric: td.getAttribute('data-metric') ?? '',
        key: td.getAttribute('data-key') ?? '',
        run: td.getAttribute('data-run') ?? '',
        value: td.getAttribute('data-value') ?? '',
        text: td.textContent ?? '',
      })),
    );
    const { cells, mismatches } = cellsOf(shown);
    expect(mismatches).toEqual([]);
    expect(cells).toEqual(await expectedCells(t.db, OBJECTS));
    expect(cells['companies|apply_refused||']).toBe(apply.refused + apply.associateRefused);
  });

  it('shows the script tag from the legacy export as text, with its file and line, and runs only its own scripts', async () => {
    const quarantined = await page.$$eval('section#object-companies table.examples tr', (trs) =>
      trs.map((tr) => [...tr.cells].map((c) => c.textContent)),
    );
    expect(quarantined).toContainEqual([
      'Company.csv',
      String(planted.line),
      planted.legacyId,
      'Comp_Employees',
      `not a number: "${SCRIPT}"`,
      SCRIPT,
    ]);
    const refusedReasons = await page.$$eval('section#object-companies table.examples td', (tds) =>
      tds.map((td) => td.textContent),
    );
    expect(refusedReasons).toContain(`Property values were not valid: name "${SCRIPT}" is not allowed`);
    expect(
      await page.$$eval('script', (s) =>
        s.map((x) => x.getAttribute('data-library') ?? x.getAttribute('type') ?? 'boot'),
      ),
    ).toEqual(['application/json', 'vega', 'vega-lite', 'vega-embed', 'boot']);
    const label = await page.$$eval('[data-chart="deals-quarantine"] svg text', (texts) =>
      texts.map((x) => x.textContent).find((x) => x?.startsWith('odd value')),
    );
    // Vega cuts long labels with an ellipsis; what it draws is the text, markup included, as text.
    expect(label!.length).toBeGreaterThan(30);
    expect(reasonClass(IMG_REASON).startsWith(label!.replace(/…$/, ''))).toBe(true);
    const heads = await page.$$eval('section#object-deals th', (ths) => ths.map((th) => th.textContent));
    expect(heads).toContain('odd value <img src=x onerror=alert(N)> in row');
    expect(await page.$$eval('img', (imgs) => imgs.length)).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('says "No apply yet" where no apply ran, and the console shows no error and nothing was fetched', async () => {
    expect(await page.textContent('section#object-contacts [data-apply="none"]')).toBe('No apply yet.');
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(out).href]);
  });
});

if (SKIP_BROWSER) console.warn(`SKIPPED: ${SKIP_MESSAGE}`);
