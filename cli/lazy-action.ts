import type { Command } from 'commander';

/**
 * A command's action whose module, and everything it imports, loads only when the command runs. Registering a command
 * then costs its options and help alone: `--version`, `--help` and every other command do not load its vendor SDKs,
 * database drivers or matcher.
 */
export const lazyAction =
  <O>(load: () => Promise<(opts: O, command: Command) => Promise<void>>) =>
  async (opts: O, command: Command): Promise<void> =>
    (await load())(opts, command);
