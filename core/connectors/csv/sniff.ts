import { open } from 'node:fs/promises';

export type CsvEncoding = 'utf8' | 'utf16le' | 'utf16be' | 'windows1252';
export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

export interface Sniffed {
  encoding: CsvEncoding;
  bom: boolean;
  delimiter: Delimiter;
}

const SAMPLE_BYTES = 64 * 1024;

async function readSample(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SAMPLE_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Drops a multi-byte UTF-8 sequence cut off by the end of the sample, so it is not mistaken for bad bytes. */
function trimPartialUtf8(sample: Buffer): Buffer {
  let end = sample.length;
  let back = 0;
  while (end - back - 1 >= 0 && back < 4 && ((sample[end - back - 1] ?? 0) & 0xc0) === 0x80) back++;
  const lead = sample[end - back - 1];
  if (lead !== undefined && lead >= 0xc0) {
    const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : 1;
    if (back < need) end = end - back - 1;
  }
  return sample.subarray(0, end);
}

/** `wholeFile`: the sample is all of the file, so a multi-byte sequence cut off at its end is a bad byte, not a cut. */
export function detectEncoding(sample: Buffer, wholeFile = false): { encoding: CsvEncoding; bom: boolean } {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return { encoding: 'utf8', bom: true };
  if (sample[0] === 0xff && sample[1] === 0xfe) return { encoding: 'utf16le', bom: true };
  if (sample[0] === 0xfe && sample[1] === 0xff) return { encoding: 'utf16be', bom: true };
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(wholeFile ? sample : trimPartialUtf8(sample));
    return { encoding: 'utf8', bom: false };
  } catch {
    // Legacy Windows exports: Windows-1252 is a superset of Latin-1 for printable text (’ “ ” € live in 0x80-0x9F).
    return { encoding: 'windows1252', bom: false };
  }
}

/** Splits the first lines of text into logical lines, honouring quoted line breaks. */
function firstLogicalLines(text: string, max: number): string[] {
  const lines: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && (ch === '\n' || ch === '\r')) {
      if (current) lines.push(current);
      current = '';
      if (lines.length >= max) break;
      continue;
    }
    current += ch;
  }
  if (current && lines.length < max) lines.push(current);
  return lines;
}

function countOutsideQuotes(line: string, delimiter: string): number {
  let quoted = false;
  let n = 0;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === delimiter) n++;
  }
  return n;
}

/**
 * Picks the delimiter that splits the header and the first rows into the same, largest number of fields.
 * A comma inside a `;` file's data (addresses, amounts) is outvoted by its consistency across lines.
 */
export function detectDelimiter(text: string): Delimiter {
  const lines = firstLogicalLines(text, 20);
  let best: { delimiter: Delimiter; score: number } = { delimiter: ',', score: -1 };
  for (const delimiter of DELIMITERS) {
    const counts = lines.map((l) => countOutsideQuotes(l, delimiter));
    const header = counts[0] ?? 0;
    if (header === 0) continue;
    const agreeing = counts.filter((c) => c === header).length / counts.length;
    const score = agreeing * 1000 + header;
    if (score > best.score) best = { delimiter, score };
  }
  return best.delimiter;
}

export async function sniffFile(file: string, overrides: Partial<Sniffed> = {}): Promise<Sniffed> {
  const sample = await readSample(file);
  const detected = detectEncoding(sample, sample.length < SAMPLE_BYTES);
  const encoding = overrides.encoding ?? detected.encoding;
  const text = new TextDecoder(
    encoding === 'windows1252'
      ? 'windows-1252'
      : encoding === 'utf16be'
        ? 'utf-16be'
        : encoding === 'utf16le'
          ? 'utf-16le'
          : 'utf-8',
  ).decode(sample);
  return {
    encoding,
    bom: detected.bom,
    delimiter: overrides.delimiter ?? detectDelimiter(text.replace(/^\uFEFF/, '')),
  };
}
