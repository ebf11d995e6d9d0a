import path from 'node:path';
import { UsageError } from '../core/errors';

/** Resolves a path a model gave and refuses it outside the folders the server was started with. */
export function insideRoots(candidate: string, roots: string[]): string {
  const resolved = path.resolve(candidate);
  const allowed = roots.some((root) => {
    const relative = path.relative(path.resolve(root), resolved);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  });
  if (!allowed) throw new UsageError(`${candidate} is outside the folders this server may read (${roots.join(', ')})`);
  return resolved;
}
