import type { Command } from 'commander';
import { resolveDatabaseOptions } from '../../core/db/database';
import { chooseDatabase, isProjectFolder } from '../../core/db/home';
import { loadMapping } from '../../core/mapping/load-mapping';
import { realRoots } from '../../mcp/allowed-paths';
import type { GlobalOptions } from '../context';
import { fail } from '../output';

export function registerMcp(program: Command): void {
  program
    .command('mcp')
    .description('Serve the MCP tools (lookup_by_legacy_id, reconcile, …) on stdio for AI assistants')
    .option(
      '--allow-dir <dir...>',
      'folders the tools may read files from (default: the working directory when it is a crm-bridge project, else none)',
    )
    .option(
      '--allow-writes',
      'let apply_sync and apply_staging write to CRMs, decide_review_item record decisions and refresh_mirror rewrite the mirror (off by default: assistants can only plan)',
    )
    .action(async (opts: { allowDir?: string[]; allowWrites?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      try {
        // A client starts the server in a folder of its choosing (often / or the home folder): the working directory
        // is a reading root only when it is a project, never the whole disk by accident.
        const roots = realRoots(opts.allowDir ?? (isProjectFolder(process.cwd()) ? [process.cwd()] : []));
        const allowWrites = opts.allowWrites ?? false;
        // stdout belongs to the protocol; this one line on stderr lands in the client's server log.
        process.stderr.write(
          `crm-bridge mcp: ${chooseDatabase({ db: global.db, home: global.home }).description}; ` +
            `files readable in: ${roots.length ? roots.join(', ') : `none (${opts.allowDir ? '' : 'this folder is not a crm-bridge project; '}start with --allow-dir <folder>)`}; ` +
            `writes to CRMs: ${allowWrites ? 'allowed' : 'off (plan only; --allow-writes to allow)'}\n`,
        );
        // The MCP SDK (and its JSON-schema stack) is loaded only by the command that serves it.
        const { startStdioServer } = await import('../../mcp/stdio.js');
        await startStdioServer({
          database: resolveDatabaseOptions(process.env, { url: global.db, home: global.home }),
          mapping: loadMapping(global.mapping),
          allowedRoots: roots,
          allowWrites,
        });
      } catch (error) {
        fail(error, global);
      }
    });
}
