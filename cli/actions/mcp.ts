import type { Command } from 'commander';
import { openDatabase, resolveDatabaseOptions } from '../../core/db/database';
import { chooseDatabase } from '../../core/db/home';
import { createHttpApp } from '../../core/http/app';
import { listen } from '../../core/http/listen';
import { loadMapping } from '../../core/mapping/load-mapping';
import type { GlobalOptions } from '../context';
import { httpAuth, mcpOverHttp, mcpRoots, onPort, parsePort, type HttpAuthOptions } from '../http-options';
import { fail } from '../output';
import { printJson } from '../print-json';

interface McpOptions extends HttpAuthOptions {
  allowDir?: string[];
  allowWrites?: boolean;
  http?: boolean;
  port: string;
  host: string;
}

/** `mcp --http`: the tools alone over Streamable HTTP at /mcp (`serve --mcp` adds them to the other endpoints). */
async function serveMcpOverHttp(global: GlobalOptions, opts: McpOptions): Promise<void> {
  const port = parsePort(opts.port);
  const { tokens, oauth } = httpAuth(opts, opts.host, 'MCP');
  const mapping = loadMapping(global.mapping);
  const db = await openDatabase(
    resolveDatabaseOptions(process.env, { url: global.db, home: global.home, maxConnections: 8 }),
  );
  try {
    const app = createHttpApp({ tokens, oauth, db, mcp: await mcpOverHttp(global, db, mapping, opts) });
    const server = await onPort(
      (p) => listen(app.handler, { port: p, host: opts.host }),
      port,
      '--port',
      'another crm-bridge mcp --http',
    );
    const url = `${server.url}/mcp`;
    if (global.json)
      printJson({
        ok: true,
        result: {
          url,
          database: db.location,
          tokens: tokens.length,
          ...(oauth ? { authorizationServer: oauth.issuer } : {}),
        },
      });
    else
      process.stdout.write(
        `MCP on ${url} (Streamable HTTP; database ${db.location}; ${[...(tokens.length ? [`${tokens.length} token(s)`] : []), ...(oauth ? [`access tokens of ${oauth.issuer}`] : [])].join(' and ') || 'no token: loopback only'}; writes ${opts.allowWrites ? 'allowed for write tokens' : 'off'})\nCtrl-C stops.\n`,
      );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    const refusals = app.refusals();
    if (global.json) printJson({ ok: true, result: { stopped: true, refusals } });
  } finally {
    await db.close();
  }
}

export const mcpAction = async (opts: McpOptions, command: Command) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    if (opts.http) return await serveMcpOverHttp(global, opts);
    // A client starts the server in a folder of its choosing (often / or the home folder): the working directory
    // is a reading root only when it is a project, never the whole disk by accident.
    const roots = mcpRoots(opts.allowDir);
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
};
