/** Waits until `condition` holds, checking every few ms; fails naming `what` (and `log()`, e.g. a process's output). */
export async function until(what: string, condition: () => boolean, log?: () => string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${log ? `:\n${log()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
