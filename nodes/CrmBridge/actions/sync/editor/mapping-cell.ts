import { UsageError } from '../../../../../core/errors';

/**
 * What a target field of the field mapping receives, written as one text cell of n8n's resourceMapper:
 * - `Name`: a source field (the job's `from`);
 * - `{FirstName} {LastName}`: a template of source fields (`template`), recognised by its `{`;
 * - `"Loans"`: a constant in double quotes, JSON-escaped (`value`), the same for every record.
 * Cells are plain text, never n8n expressions: a sync reads its own records, not the node's input items.
 */
export type MappingSource = { from: string } | { template: string } | { value: string };

export function parseMappingCell(cell: string): MappingSource {
  const text = cell.trim();
  if (text.startsWith('"')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new UsageError(
        `${JSON.stringify(cell)} starts with a quote but is not one quoted constant such as "Loans"`,
      );
    }
    if (typeof value !== 'string') throw new UsageError(`${JSON.stringify(cell)} is not a quoted text constant`);
    return { value };
  }
  if (text.includes('{') || text.includes('}')) return { template: text };
  return { from: text };
}

/** The cell a job property becomes; refuses what would read back as something else. */
export function formatMappingCell(source: MappingSource): string {
  if ('value' in source) return JSON.stringify(source.value);
  const text = 'from' in source ? source.from : source.template;
  const kind = 'from' in source ? 'source field' : 'template';
  if (text !== text.trim() || text.startsWith('"') || text.startsWith('='))
    throw new UsageError(
      `the ${kind} ${JSON.stringify(text)} cannot be written in the editor (it starts with a quote, "=" or a space)`,
    );
  if ('from' in source && /[{}]/.test(text))
    throw new UsageError(`the source field ${JSON.stringify(text)} contains a brace and would read as a template`);
  return text;
}
