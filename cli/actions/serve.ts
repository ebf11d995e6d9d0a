import type { Command } from 'commander';
import { openDatabase, resolveDatabaseOptions } from '../../core/db/database';
import { UsageError } from '../../core/errors';
import { createHttpApp, type HttpLogEntry } from '../../core/http/app';
import { listen } from '../../core/http/listen';
import { loadMapping } from '../../core/mapping/load-mapping';
import {
  loadWebhookSettings,
  summarizeCounts,
  webhookRequestHandler,
  webhookCounts,
  WEBHOOK_SYSTEMS,
  type WebhookLogEntry,
} from '../../core/webhooks';
import { loadConnections } from '../../core/connectors/registry';
import { loadSyncJob, openJobConnectors } from '../../core/sync/load-job';
import type { SyncOnChange, WatchedJob } from '../../core/sync/on-change';
import type { ChangeEventListener, ListenedJob } from '../../core/sync/change-events';
import { channelStates } from '../../core/sync/change-events/store';
import { describeChangeEventEntry, describeChannels } from '../change-events-output';
import type { GlobalOptions } from '../context';
import { httpAuth, mcpOverHttp, onPort, parsePort, type HttpAuthOptions } from '../http-options';
import { fail } from '../output';
import { printJson } from '../print-json';
import { batchedLines } from '../batched-lines';

interface ServeOptions extends HttpAuthOptions {
  port: string;
  host: string;
  webhookSettings?: string;
  job?: string[];
  connections?: string;
  every?: string;
  changeEvents?: boolean;
  api?: boolean;
  mcp?: boolean;
  allowWrites?: boolean;
  allowDir?: string[];
}

function describeRequest(entry: HttpLogEntry): string {
  return `${entry.method} ${entry.path} ${entry.status} ${entry.ms} ms${entry.refused ? ` refused: ${entry.refused}` : ''}`;
}

function describeEntry(entry: WebhookLogEntry): string {
  if (entry.outcome === 'rejected') return `webhook ${entry.system}: rejected ${entry.reason} (${entry.status})`;
  if (entry.outcome === 'error') return `webhook ${entry.system}: error (${entry.status}) ${entry.detail ?? ''}`.trim();
  return `webhook ${entry.system}: accepted ${entry.accepted}, replayed ${entry.replayed}${entry.ignored ? `, ignored ${entry.ignored}` : ''}`;
}

export const serveAction = async (opts: ServeOptions, command: Command) => {
  const global = command.optsWithGlobals<GlobalOptions>();
  try {
    const port = parsePort(opts.port);
    const settings = loadWebhookSettings(opts.webhookSettings);
    const served = WEBHOOK_SYSTEMS.filter((s) => settings[s]);
    if (served.length === 0 && !opts.api && !opts.mcp && !opts.job?.length) {
      throw new UsageError(
        'No webhook settings, no --api, no --mcp and no --job: nothing to serve. Give --webhook-settings or set HUBSPOT_CLIENT_SECRET, PIPEDRIVE_WEBHOOK_USER/PIPEDRIVE_WEBHOOK_PASSWORD or SALESFORCE_ORG_ID, or give --api for the lookup API, --mcp for MCP, or --job for sync jobs',
      );
    }
    if (opts.changeEvents && !opts.job?.length) throw new UsageError('--change-events needs --job');
    // Webhooks carry the vendors' signatures; the API and MCP trust a caller only through a token or the loopback.
    const { tokens, oauth } =
      opts.api || opts.mcp
        ? httpAuth(opts, opts.host, opts.api ? 'the lookup API' : 'MCP')
        : httpAuth(opts, '127.0.0.1', '');
    const mapping = opts.api || opts.mcp ? loadMapping(global.mapping) : undefined;
    const db = await openDatabase(
      resolveDatabaseOptions(process.env, { url: global.db, home: global.home, maxConnections: 8 }),
    );
    let onChange: SyncOnChange | null = null;
    let listener: ChangeEventListener | null = null;
    try {
      // Every line of the running server goes through one batched log, so the lines keep their order.
      const logLine = batchedLines(process.stderr);
      const log = (entry: WebhookLogEntry) => logLine(global.json ? JSON.stringify(entry) : describeEntry(entry));
      const logRequest = (entry: HttpLogEntry) =>
        logLine(global.json ? JSON.stringify({ http: entry }) : describeRequest(entry));
      if (opts.job?.length) {
        // The sync engine and the change event listener load only with --job: webhooks, the API and MCP need neither.
        const [{ SyncOnChange }, { ChangeEventListener, jobChannels }] = await Promise.all([
          import('../../core/sync/on-change.js'),
          import('../../core/sync/change-events/index.js'),
        ]);
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
            logLine(
              global.json
                ? `${JSON.stringify({ sync: r.job, trigger, runId: r.runId, status: r.status, headline: r.headline, totals: t })}\n`
                : `sync ${r.job} (${trigger}): ${r.status}; created ${t.created}, updated ${t.updated}, failed ${t.failed}, deferred ${t.deferred}\n` +
                    (r.status === 'succeeded' ? '' : `  ${r.headline}\n`),
            );
          },
          onError: (job, error) => logLine(`sync ${job} failed: ${error.message}\n`),
        });
        const listened: ListenedJob[] = watched
          .map((w) => ({
            name: w.job.name,
            source: w.source,
            channels: jobChannels(w.job, opts.changeEvents),
            objects: w.job.streams.map((s) => s.source.object),
          }))
          .filter((l) => l.channels.length > 0);
        if (opts.changeEvents && listened.length === 0)
          throw new UsageError('--change-events: none of the jobs reads from Salesforce');
        const jobs = onChange;
        if (listened.length)
          listener = new ChangeEventListener(db, listened, {
            wake: (job) => jobs.wake(job, 'change-event'),
            catchUp: (job) => jobs.wake(job, 'catch-up'),
            log: (entry) =>
              logLine(`${global.json ? JSON.stringify({ changeEvents: entry }) : describeChangeEventEntry(entry)}\n`),
          });
      }
      const app = createHttpApp({
        tokens,
        oauth,
        db,
        ...(served.length
          ? {
              webhooks: webhookRequestHandler({
                settings,
                sql: db.pool,
                log,
                ...(onChange ? { onAccepted: (notices) => onChange!.notify(notices) } : {}),
              }),
            }
          : {}),
        ...(opts.mcp ? { mcp: await mcpOverHttp(global, db, mapping!, opts) } : {}),
        ...(opts.api
          ? {
              lookup: {
                mapping: mapping!,
                onError: (error) => logLine(`lookup failed: ${(error as Error).message}`),
              },
            }
          : {}),
        log: logRequest,
      });
      const receiver = await onPort(
        (p) => listen(app.handler, { port: p, host: opts.host }),
        port,
        '--port',
        'another crm-bridge serve',
      );
      // Subscribed first, then the first poll: a change between the two is read by the poll or arrives as an event.
      await listener?.start();
      onChange?.start();
      const paths = served.map((s) => `${receiver.url}/webhooks/${s}`);
      const api = [
        ...(opts.api
          ? [`GET ${receiver.url}/v1/lookup/{object}/{legacyId}`, `POST ${receiver.url}/v1/lookup/{object}`]
          : []),
        ...(opts.mcp ? [`POST ${receiver.url}/mcp (MCP, writes ${opts.allowWrites ? 'allowed' : 'off'})`] : []),
      ];
      const health = `${receiver.url}/healthz`;
      // A long-running command: one envelope when it is ready, one when it stops.
      if (global.json)
        printJson({
          ok: true,
          result: {
            listening: receiver.url,
            paths,
            api,
            health,
            database: db.location,
            tokens: tokens.length,
            ...(oauth ? { authorizationServer: oauth.issuer } : {}),
          },
        });
      else {
        const lines = [...paths.map((p) => `POST ${p}`), ...api, `GET ${health}`];
        const auth =
          [
            ...(tokens.length ? [`${tokens.length} API token${tokens.length > 1 ? 's' : ''}`] : []),
            ...(oauth ? [`access tokens of ${oauth.issuer}`] : []),
          ].join(' and ') || 'no API token: loopback only';
        process.stdout.write(
          `Serving on ${receiver.url} (database ${db.location}; ${auth})\n${lines.map((l) => `  ${l}`).join('\n')}\nCtrl-C stops.\n`,
        );
      }
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await receiver.close();
      await listener?.stop();
      // Every channel of the jobs, those that saw no event too.
      const states = listener ? await channelStates(db.pool) : [];
      const channels = (listener?.channels ?? []).map(
        ({ job, channel }) =>
          states.find((c) => c.job === job && c.channel === channel) ?? {
            job,
            channel,
            replayId: null,
            events: 0,
            records: 0,
            catchUps: 0,
            lastCatchUpReason: null,
          },
      );
      const counts = await webhookCounts(db.pool);
      const totals = summarizeCounts(counts);
      const refusals = app.refusals();
      if (global.json)
        printJson({
          ok: true,
          result: {
            stopped: true,
            totals,
            apiRefusals: refusals,
            ...(listener ? { changeEvents: channels } : {}),
            counts: counts.map(({ system, outcome, reason, count }) => ({ system, outcome, reason, count })),
          },
        });
      else {
        const rejected = counts
          .filter((c) => c.outcome === 'rejected')
          .map((c) => `${c.system} ${c.reason} ${c.count}`);
        const refused = Object.entries(refusals).filter(([, n]) => n > 0);
        process.stdout.write(
          `Stopped. webhooks: accepted ${totals.accepted}, replayed ${totals.replayed}, rejected ${totals.rejected}${rejected.length ? ` (${rejected.join(', ')})` : ''}, ignored ${totals.ignored}; API requests refused: ${refused.length ? refused.map(([r, n]) => `${r} ${n}`).join(', ') : 'none'}${listener ? `; change events: ${describeChannels(channels)}` : ''}\n`,
        );
      }
    } finally {
      await listener?.stop();
      await onChange?.stop();
      await db.close();
    }
  } catch (error) {
    fail(error, global);
  }
};
