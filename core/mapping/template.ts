import type { Value } from '../connectors/connector';

/**
 * `{Column}` placeholders filled from a record; `{{` and `}}` are literal braces. Plain substitution, never evaluated,
 * so a template from a config file cannot run code.
 */
export interface Template {
  readonly columns: string[];
  render(row: Record<string, Value | undefined>): Value;
}

type Part = { text: string } | { column: string };

export function parseTemplate(source: string): Template {
  const parts: Part[] = [];
  let text = '';
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if ((ch === '{' || ch === '}') && source[i + 1] === ch) {
      text += ch;
      i++;
    } else if (ch === '{') {
      const end = source.indexOf('}', i);
      if (end < 0) throw new Error(`unclosed "{" at position ${i} in template "${source}"`);
      const column = source.slice(i + 1, end).trim();
      if (!column) throw new Error(`empty placeholder at position ${i} in template "${source}"`);
      if (text) parts.push({ text });
      text = '';
      parts.push({ column });
      i = end;
    } else if (ch === '}') {
      throw new Error(`unmatched "}" at position ${i} in template "${source}" (write "}}" for a literal brace)`);
    } else text += ch;
  }
  if (text) parts.push({ text });
  const columns = [...new Set(parts.flatMap((p) => ('column' in p ? [p.column] : [])))];
  if (columns.length === 0) throw new Error(`template "${source}" names no column: write {Column}`);
  return {
    columns,
    render(row) {
      let anyValue = false;
      let out = '';
      for (const p of parts) {
        if ('text' in p) out += p.text;
        else {
          const v = row[p.column];
          if (v !== null && v !== undefined && v.trim() !== '') anyValue = true;
          out += v ?? '';
        }
      }
      // "{First} {Last}" of a record with neither is blank, not " ".
      return anyValue ? out.replace(/\s+/g, ' ').trim() : null;
    },
  };
}
