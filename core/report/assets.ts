import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The UMD builds inlined into the page, in load order (vega-lite needs vega, vega-embed needs both). */
const LIBRARIES = [
  { name: 'vega', file: 'build/vega.min.js' },
  { name: 'vega-lite', file: 'build/vega-lite.min.js' },
  { name: 'vega-embed', file: 'build/vega-embed.min.js' },
] as const;

export interface Library {
  name: string;
  version: string;
  code: string;
}

/**
 * The package's folder, found from its entry point: the packages' `exports` expose neither their package.json nor
 * their UMD builds, so neither can be resolved by name.
 */
function packageRoot(name: string): { dir: string; version: string } {
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === name) return { dir, version: pkg.version ?? '' };
    } catch {
      // no package.json here; keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the folder of the ${name} package`);
    dir = parent;
  }
}

let cached: Library[] | undefined;

/** Library code ready to sit inside a <script> element: a `</script` in it would end the element early. */
export function chartLibraries(): Library[] {
  cached ??= LIBRARIES.map(({ name, file }) => {
    const { dir, version } = packageRoot(name);
    const code = readFileSync(path.join(dir, file), 'utf8').replace(/<\/script/gi, '<\\/script');
    return { name, version, code };
  });
  return cached;
}
