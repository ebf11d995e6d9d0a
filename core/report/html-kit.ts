/** Small pieces of HTML every section uses. Everything that comes from data goes through `esc`. */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and for quoted attribute values alike. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * JSON that can sit inside a <script> element: `<`, `>` and `&` written as \u escapes cannot close the element or
 * open a comment, and JSON.parse reads them back unchanged.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const NUMBER = new Intl.NumberFormat('en-GB');

/** Where a number in a table comes from, as data attributes, so tests and assistive tools can read it back. */
export interface Metric {
  object: string;
  metric: string;
  key?: string;
  run?: string;
}

/** A table cell with one number, its raw value in data-value and its origin in data-object/data-metric/data-key. */
export function numberCell(value: number, m: Metric): string {
  const key = m.key === undefined ? '' : ` data-key="${esc(m.key)}"`;
  const run = m.run === undefined ? '' : ` data-run="${esc(m.run)}"`;
  return `<td class="num" data-object="${esc(m.object)}" data-metric="${esc(m.metric)}"${key}${run} data-value="${value}">${NUMBER.format(value)}</td>`;
}

/** A UTC time people can read, inside a <time> element that keeps the exact instant. */
export function time(iso: string | null): string {
  if (!iso) return '—';
  return `<time datetime="${esc(iso)}">${esc(
    iso
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z')
      .replace('Z', ' UTC'),
  )}</time>`;
}

export function formatNumber(value: number): string {
  return NUMBER.format(value);
}

/** A table with a caption (what it counts) and a header row; `rows` are already-built <tr> contents. */
export function table(caption: string, head: string[], rows: string[], className = ''): string {
  return [
    `<table${className ? ` class="${className}"` : ''}>`,
    `<caption>${esc(caption)}</caption>`,
    `<thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead>`,
    `<tbody>${rows.map((r) => `<tr>${r}</tr>`).join('')}</tbody>`,
    '</table>',
  ].join('');
}

/** A row header cell (the thing a row counts). */
export function rowHead(text: string): string {
  return `<th scope="row">${esc(text)}</th>`;
}

export function textCell(text: string | number | null, className = ''): string {
  return `<td${className ? ` class="${className}"` : ''}>${text === null ? '—' : esc(text)}</td>`;
}

/** Where a chart is drawn; the boot script finds it by data-chart and marks it data-rendered when done. */
export function chartSlot(id: string, label: string): string {
  return `<div class="chart" data-chart="${esc(id)}" role="img" aria-label="${esc(label)}"></div>`;
}
