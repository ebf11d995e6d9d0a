import { readFileSync } from 'node:fs';
import { describeFileError, InputError, UsageError } from './errors';

/**
 * The text of a file the user named (a mapping, a job, a connections or schema file). A file that cannot be read is
 * an input problem (exit 3) named by its path: `file not found: jobs/daily.json`, not Node's raw ENOENT.
 */
export function readInputFile(file: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    throw new InputError(describeFileError(error, file) ?? `cannot read ${file}: ${(error as Error).message}`);
  }
}

/**
 * A JSON file the user named. A syntax error is told by line and column only: the parser's own message quotes the
 * text around the error, and a connections file holds secrets.
 */
export function readJsonFile(file: string, what: string): unknown {
  const text = readInputFile(file);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${what} ${file} is not valid JSON (${whereInText(text, (error as Error).message)})`);
  }
}

/** `line 3, column 14` from V8's "… at position 57" (or "line 3 column 14"); the quoted text is left out. */
function whereInText(text: string, message: string): string {
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return `line ${lineColumn[1]}, column ${lineColumn[2]}`;
  const position = /position (\d+)/.exec(message);
  if (!position)
    return text.trim() === ''
      ? 'the file is empty'
      : /end of JSON/.test(message)
        ? 'it ends too early'
        : 'an unexpected character';
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  return `line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
}
