import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/**
 * Loads the worker module and calls its `start(workerData)`. A caller that waits synchronously (Atomics.wait on
 * `signal`) hears of a failure to load on its `port`, never as a silent hang; any other caller gets the worker's
 * 'error' event.
 */
const BOOT = `
const { workerData } = require('node:worker_threads');
try {
  if (workerData.tsx) require(workerData.tsx);
  require(workerData.file).start(workerData);
} catch (e) {
  if (!workerData.signal) throw e;
  workerData.port.postMessage({ error: String((e && e.stack) || e) });
  const signal = new Int32Array(workerData.signal);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}
`;

/**
 * Starts `<module>.js` beside the compiled code, or `<module>.ts` through tsx's require hook when running from the
 * sources (tsx, vitest). `module` is a path without its extension, e.g. `join(__dirname, 'worker')`.
 */
export function launchWorker(
  module: string,
  workerData: Record<string, unknown>,
  transferList: Array<import('node:worker_threads').TransferListItem> = [],
): Worker {
  const compiled = existsSync(`${module}.js`);
  return new Worker(BOOT, {
    eval: true,
    workerData: {
      ...workerData,
      file: compiled ? `${module}.js` : `${module}.ts`,
      tsx: compiled ? null : require.resolve('tsx/cjs'),
    },
    transferList,
    // From the sources the worker registers tsx itself; the parent's loader flags (tsx CLI, vitest) are not for it.
    ...(compiled ? {} : { execArgv: [] }),
  });
}
