import type { Command } from 'commander';
import { AUTH_OPTION_HELP } from '../auth-option-help';
import { lazyAction } from '../lazy-action';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'Receive CRM webhooks (HubSpot v3 signed, Pipedrive basic auth, Salesforce outbound messages) and store change notices, and with --api answer lookups by legacy ID over HTTP; Ctrl-C stops',
    )
    .option('--api', 'serve the lookup API: GET /v1/lookup/{object}/{legacyId}, POST /v1/lookup/{object}')
    .option('--mcp', 'serve the MCP tools over Streamable HTTP at /mcp (stateless)')
    .option('--allow-dir <dir...>', 'with --mcp: folders the tools may read files from (as crm-bridge mcp)')
    .option(
      '--allow-writes',
      'with --mcp: let the write tools run, for callers whose token has write scope (off by default: plan only)',
    )
    .option(
      '--token <token...>',
      'bearer tokens the API accepts: TOKEN (read) or write:TOKEN; also $CRM_BRIDGE_API_TOKEN (comma-separated). Without any, only a loopback --host is allowed',
    )
    .option('--auth-server <issuer>', AUTH_OPTION_HELP.authServer)
    .option('--public-url <url>', AUTH_OPTION_HELP.publicUrl)
    .option('--auth-jwks-uri <url>', AUTH_OPTION_HELP.authJwksUri)
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8787')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--job <file...>',
      'sync jobs to run when their source changes (a webhook wakes them; they also poll, see --every)',
    )
    .option(
      '--connections <file>',
      "connections file for the jobs' CRMs (JSON); the environment fills what it leaves out",
    )
    .option(
      '--every <seconds>',
      "with --job: seconds between catch-up polls (default: each job's schedule.everySeconds, else 60)",
    )
    .option(
      '--change-events',
      'with --job: subscribe to Salesforce Change Data Capture for every stream of the jobs that read Salesforce (a job can pick channels itself: streams[].source.changeEvents); each event wakes its job, polling catches up',
    )
    .option(
      '--webhook-settings <file>',
      'JSON settings (hubspot.clientSecret, pipedrive.user/password, salesforce.organizationId); else $HUBSPOT_CLIENT_SECRET, $PIPEDRIVE_WEBHOOK_USER/$PIPEDRIVE_WEBHOOK_PASSWORD, $SALESFORCE_ORG_ID',
    )
    .action(lazyAction(async () => (await import('../actions/serve.js')).serveAction));
}
