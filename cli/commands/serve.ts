import type { Command } from 'commander';
import { openDatabase, resolveDatabaseOptions } from '../../core/db/database';
import { UsageError } from '../../core/errors';
import { loadWebhookSettings, startWebhookServer, summarizeCounts, webhookCounts, WEBHOOK_SYSTEMS, type WebhookLogEntry } from '../../core/webhooks';
import type { GlobalOptions } from '../context';
import { fail, printJson } from '../output';

interface ServeOptions {
  port: string;
  host: string;
  webhookSettings?: string;
}

function describeEntry(entry: WebhookLogEntry): string {
  if (entry.outcome === 'rejected') return `webhook ${entry.system}: rejected ${entry.reason} (${entry.status})`;
  if (entry.outcome === 'error') return `webhook ${entry.system}: error (${entry.status}) ${entry.detail ?? ''}`.trim();
  return `webhook ${entry.system}: accepted ${entry.accepted}, replayed ${entry.replayed}${entry.ignored ? `, ignored ${entry.ignored}` : ''}`;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Receive CRM webhooks (HubSpot v3 signed, Pipedrive basic auth, Salesforce outbound messages) and store change notices; Ctrl-C stops')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8787')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--webhook-settings <file>', 'JSON settings (hubspot.clientSecret, pipedrive.user/password, salesforce.organizationId); else $HUBSPOT_CLIENT_SECRET, $PIPEDRIVE_WEBHOOK_USER/$PIPEDRIVE_WEBHOOK_PASSWORD, $SALESFORCE_ORG_ID')
    .action(async (opts: ServeOptions, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      try {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be a port number, not "${opts.port}"`);
        const settings = loadWebhookSettings(opts.webhookSettings);
        const served = WEBHOOK_SYSTEMS.filter((s) => settings[s]);
        if (served.length === 0) {
          throw new UsageError('No webhook settings: give --webhook-settings or set HUBSPOT_CLIENT_SECRET, PIPEDRIVE_WEBHOOK_USER/PIPEDRIVE_WEBHOOK_PASSWORD or SALESFORCE_ORG_ID');
        }
        const db = await openDatabase(resolveDatabaseOptions(process.env, { url: global.db, home: global.home, maxConnections: 8 }));
        try {
          const log = (entry: WebhookLogEntry) => process.stderr.write(`${global.json ? JSON.stringify(entry) : describeEntry(entry)}\n`);
          const receiver = await startWebhookServer({ settings, sql: db.pool, port, host: opts.host, log });
          const paths = served.map((s) => `${receiver.url}/webhooks/${s}`);
          if (global.json) printJson({ listening: receiver.url, paths, database: db.location });
          else process.stdout.write(`Receiving webhooks on ${receiver.url} (database ${db.location})\n${paths.map((p) => `  POST ${p}`).join('\n')}\nCtrl-C stops.\n`);
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
          await receiver.close();
          const counts = await webhookCounts(db.pool);
          const totals = summarizeCounts(counts);
          if (global.json) printJson({ stopped: true, totals, counts: counts.map(({ system, outcome, reason, count }) => ({ system, outcome, reason, count })) });
          else {
            const rejected = counts.filter((c) => c.outcome === 'rejected').map((c) => `${c.system} ${c.reason} ${c.count}`);
            process.stdout.write(`Stopped. accepted ${totals.accepted}, replayed ${totals.replayed}, rejected ${totals.rejected}${rejected.length ? ` (${rejected.join(', ')})` : ''}, ignored ${totals.ignored}\n`);
          }
        } finally {
          await db.close();
        }
      } catch (error) {
        fail(error, global);
      }
    });
}
