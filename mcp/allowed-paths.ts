import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { CsvExportConnector } from '../core/connectors/csv/csv-export';
import { InputError, UsageError } from '../core/errors';

/**
 * The folders the server may read, by their real paths. Resolved once at start, so a root that is itself a link
 * (macOS's /tmp, a mounted share) compares with the real paths of the files asked for.
 */
export function realRoots(roots: string[]): string[] {
  return roots.map((root) => {
    try {
      return realpathSync.native(path.resolve(root));
    } catch {
      throw new UsageError(`--allow-dir ${root} does not exist`);
    }
  });
}

const within = (real: string, root: string) => {
  const relative = path.relative(root, real);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

/**
 * The real path of a file or folder a model named, when it is inside one of `roots` (real paths from `realRoots`).
 * Links are followed first, so a link inside an allowed folder to /etc/passwd is outside, and it is refused before
 * anything is read: the refusal can carry nothing of the file. A path that does not exist is "not found" only
 * when it would be inside; outside, the answer is the same refusal whether it exists or not.
 */
export function insideRoots(candidate: string, roots: string[]): string {
  const resolved = path.resolve(candidate);
  let real: string;
  let exists = true;
  try {
    real = realpathSync.native(resolved);
  } catch {
    exists = false;
    real = realOfMissing(resolved);
  }
  if (!roots.some((root) => within(real, root))) {
    const link = exists && real !== resolved && roots.some((root) => within(resolved, root));
    throw new UsageError(
      link
        ? `${candidate} is a link to a place outside the folders this server may read (${roots.join(', ')}); it was not read`
        : roots.length
          ? `${candidate} is outside the folders this server may read (${roots.join(', ')})`
          : `${candidate} cannot be read: this server was started without a folder to read from (start it with --allow-dir <folder>)`,
    );
  }
  if (!exists) throw new InputError(`file not found: ${candidate}`);
  return real;
}

/** A path that does not exist: the real path of its nearest existing folder, plus the rest as given. */
function realOfMissing(resolved: string): string {
  const rest: string[] = [];
  let current = resolved;
  for (;;) {
    const parent = path.dirname(current);
    rest.unshift(path.basename(current));
    if (parent === current) return resolved;
    current = parent;
    try {
      return path.join(realpathSync.native(current), ...rest);
    } catch {
      // keep climbing
    }
  }
}

/**
 * For an export given as a folder: the table's file inside it must be inside the roots too (it may be a link out of
 * the folder). Returns the folder's real path; a missing table file is left for the reader to report.
 */
export function exportInsideRoots(legacyPath: string, table: string | undefined, roots: string[]): string {
  const real = insideRoots(legacyPath, roots);
  if (table === undefined || !statSync(real).isDirectory()) return real;
  let file: string;
  try {
    file = new CsvExportConnector(real, { table: { file: table, idColumn: '' } }).fileOf('table');
  } catch {
    return real;
  }
  insideRoots(file, roots);
  return real;
}
