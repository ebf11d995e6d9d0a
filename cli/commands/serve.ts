import type { Command } from 'commander';
import { openDatabase, resolveDatabaseOptions } from '../../core/db/database';
import { UsageError } from '../../core/errors';
import {
  loadWebhookSettings,
  startWebhookServer,
  summarizeCounts,
  webhookCounts,
  WEBHOOK_SYSTEMS,
  type WebhookLogEntry,
} from '../../core/webhooks';
import { loadConnections } from '../../core/connectors/registry';
import { loadSyncJob, openJobConnectors } from '../../core/sync/load-job';
import { SyncOnChange, type WatchedJob } from '../../core/sync/on-change';
import type { GlobalOptions } from '../context';
import { fail, printJson } from '../output';

interface ServeOptions {
  port: string;
  host: string;
  webhookSettings?: string;
  job?: string[];
  connections?: string;
  every?: string;
}

function describeEntry(entry: WebhookLogEntry): string {
  if (entry.outcome === 'rejected') return `webhook ${entry.system}: rejected ${entry.reason} (${entry.status})`;
  if (entry.outcome === 'error') return `webhook ${entry.system}: error (${entry.status}) ${entry.detail ?? ''}`.trim();
  return `webhook ${entry.system}: accepted ${entry.accepted}, replayed ${entry.replayed}${entry.ignored ? `, ignored ${entry.ignored}` : ''}`;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'Receive CRM webhooks (HubSpot v3 signed, Pipedrive basic auth, Salesforce outbound messages) and store change notices; Ctrl-C stops',
    )
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
      '--webhook-settings <file>',
      'JSON settings (hubspot.clientSecret, pipedrive.user/password, salesforce.organizationId); else $HUBSPOT_CLIENT_SECRET, $PIPEDRIVE_WEBHOOK_USER/$PIPEDRIVE_WEBHOOK_PASSWORD, $SALESFORCE_ORG_ID',
    )
    .action(async (opts: ServeOptions, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      try {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65_535)
          throw new UsageError(`--port must be a port number, not "${opts.port}"`);
        const settings = loadWebhookSettings(opts.webhookSettings);
        const served = WEBHOOK_SYSTEMS.filter((s) => settings[s]);
        if (served.length === 0) {
          throw new UsageError(
            'No webhook settings: give --webhook-settings or set HUBSPOT_CLIENT_SECRET, PIPEDRIVE_WEBHOOK_USER/PIPEDRIVE_WEBHOOK_PASSWORD or SALESFORCE_ORG_ID',
          );
        }
        const db = await openDatabase(
          resolveDatabaseOptions(process.env, { url: global.db, home: global.home, maxConnections: 8 }),
        );
        let onChange: SyncOnChange | null = null;
        try {
          const log = (entry: WebhookLogEntry) =>
            process.stderr.write(`${global.json ? JSON.stringify(entry) : describeEntry(entry)}\n`);
          if (opts.job?.length) {
            const connections = loadConnections(opts.connections);
            const watched: WatchedJob[] = [];
            for (const file of opts.job) {
              const job = loadSyncJob(file);
              watched.push({ job, ...(await openJobConnectors(job, connections)) });
            }
            const every =
              opts.every !== undefined
                ? Number(opts.every)
                : Math.min(...watched.map((w) => w.job.schedule?.everySeconds ?? 60));
            if (!Number.isFinite(every) || every < 0)
              throw new UsageError(`--every must be a number of seconds, not "${opts.every}"`);
            onChange = new SyncOnChange(db, watched, {
              everySeconds: every,
              onReport: (r, trigger) => {
                const t = r.totals;
                process.stderr.write(
                  global.json
                    ? `${JSON.stringify({ sync: r.job, trigger, runId: r.runId, status: r.status, headline: r.headline, totals: t })}\n`
                    : `sync ${r.job} (${trigger}): ${r.status}; created ${t.created}, updated ${t.updated}, failed ${t.failed}, deferred ${t.deferred}\n` +
                        (r.status === 'succeeded' ? '' : `  ${r.headline}\n`),
                );
              },
              onError: (job, error) => process.stderr.write(`sync ${job} failed: ${error.message}\n`),
            });
          }
          const receiver = await startWebhookServer({
            settings,
            sql: db.pool,
            port,
            host: opts.host,
            log,
            ...(onChange ? { onAccepted: (notices) => onChange!.notify(notices) } : {}),
          });
          onChange?.start();
          const paths = served.map((s) => `${receiver.url}/webhooks/${s}`);
          // A long-running command: one envelope when it is ready, one when it stops.
          if (global.json) printJson({ ok: true, result: { listening: receiver.url, paths, database: db.location } });
          else
            process.stdout.write(
              `Receiving webhooks on ${receiver.url} (database ${db.location})\n${paths.map((p) => `  POST ${p}`).join('\n')}\nCtrl-C stops.\n`,
            );
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
          await receiver.close();
          const counts = await webhookCounts(db.pool);
          const totals = summarizeCounts(counts);
          if (global.json)
            printJson({
              ok: true,
              result: {
                stopped: true,
                totals,
                counts: counts.map(({ system, outcome, reason, count }) => ({ system, outcome, reason, count })),
              },
            });
          else {
            const rejected = counts
              .filter((c) => c.outcome === 'rejected')
              .map((c) => `${c.system} ${c.reason} ${c.count}`);
            process.stdout.write(
              `Stopped. accepted ${totals.accepted}, replayed ${totals.replayed}, rejected ${totals.rejected}${rejected.length ? ` (${rejected.join(', ')})` : ''}, ignored ${totals.ignored}\n`,
            );
          }
        } finally {
          await onChange?.stop();
          await db.close();
        }
      } catch (error) {
        fail(error, global);
      }
    });
}
