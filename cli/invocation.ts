import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../core/version';

const ENTRY = path.join(PACKAGE_ROOT, 'dist', 'cli', 'index.js');

const real = (file: string): string | undefined => {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
};

/** `crm-bridge` on PATH is this very program (npm link, a global install). */
function onPath(env: NodeJS.ProcessEnv): boolean {
  const entry = real(ENTRY);
  return (
    Boolean(entry) &&
    (env.PATH ?? '').split(path.delimiter).some((dir) => dir && real(path.join(dir, 'crm-bridge')) === entry)
  );
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * How to run this CLI again from `cwd`, for commands printed as hints: plain `crm-bridge` only when that is on PATH;
 * `npx crm-bridge` inside this package or a project that has it installed (npx finds the bin there without the
 * registry); anywhere else `npx --prefix <package> crm-bridge`. A bare `npx crm-bridge` outside would fetch whatever
 * the registry calls crm-bridge, which is not this package.
 */
export function cliCommand(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  if (onPath(env)) return 'crm-bridge';
  const relative = path.relative(PACKAGE_ROOT, path.resolve(cwd));
  const insidePackage = relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  if (insidePackage || existsSync(path.join(cwd, 'node_modules', '.bin', 'crm-bridge'))) return 'npx crm-bridge';
  return `npx --prefix ${quote(PACKAGE_ROOT)} crm-bridge`;
}
