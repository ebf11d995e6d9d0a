import type { Command } from 'commander';
import { resolveDatabaseOptions } from '../../core/db/database';
import { loadMapping } from '../../core/mapping/load-mapping';
import { startStdioServer } from '../../mcp/stdio';
import type { GlobalOptions } from '../context';
import { fail } from '../output';

export function registerMcp(program: Command): void {
  program
    .command('mcp')
    .description('Serve the MCP tools (lookup_by_legacy_id, reconcile, …) on stdio for AI assistants')
    .option('--allow-dir <dir...>', 'folders the reconcile and sync tools may read files from (default: the working directory)')
    .option('--allow-writes', 'let apply_sync write to CRMs (off by default: assistants can only plan)')
    .action(async (opts: { allowDir?: string[]; allowWrites?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      try {
        await startStdioServer({
          database: resolveDatabaseOptions(process.env, { url: global.db, home: global.home }),
          mapping: loadMapping(global.mapping),
          allowedRoots: opts.allowDir ?? [process.cwd()],
          allowWrites: opts.allowWrites ?? false,
        });
      } catch (error) {
        fail(error, global);
      }
    });
}
