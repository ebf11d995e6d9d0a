import type { Command } from 'commander';
import { AUTH_OPTION_HELP } from '../auth-option-help';
import { lazyAction } from '../lazy-action';

export function registerMcp(program: Command): void {
  program
    .command('mcp')
    .description(
      'Serve the MCP tools (lookup_by_legacy_id, reconcile, …) for AI assistants: on stdio, or with --http over Streamable HTTP',
    )
    .option(
      '--allow-dir <dir...>',
      'folders the tools may read files from (default: the working directory when it is a crm-bridge project, else none)',
    )
    .option(
      '--allow-writes',
      'let apply_sync and apply_staging write to CRMs, decide_review_item record decisions and refresh_mirror rewrite the mirror (off by default: assistants can only plan)',
    )
    .option('--http', 'serve over Streamable HTTP at http://<host>:<port>/mcp instead of stdio')
    .option('--port <port>', 'with --http: port (0 picks a free one)', '8788')
    .option('--host <host>', 'with --http: address to listen on', '127.0.0.1')
    .option(
      '--token <token...>',
      'with --http: bearer tokens, TOKEN (read) or write:TOKEN; also $CRM_BRIDGE_API_TOKEN. Without any, only a loopback --host',
    )
    .option('--auth-server <issuer>', `with --http: ${AUTH_OPTION_HELP.authServer}`)
    .option('--public-url <url>', AUTH_OPTION_HELP.publicUrl)
    .option('--auth-jwks-uri <url>', AUTH_OPTION_HELP.authJwksUri)
    .action(lazyAction(async () => (await import('../actions/mcp.js')).mcpAction));
}
