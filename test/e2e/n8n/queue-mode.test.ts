/**
 * Queue mode in a real n8n: a main (`n8n start`) and two workers (`n8n worker --concurrency=1`) on Redis, with n8n's
 * own data in a fresh PostgreSQL database and the sync state in another (the CRM Bridge PostgreSQL credential). One
 * webhook-started workflow runs the worked sync job (Salesforce loans -> Pipedrive deals) with a shared rate budget;
 * two calls at once become two executions, one on each worker, running the same job at the same time. The README's
 * promise is checked on the emulators and in the sync tables: every record written once, the account's limit held,
 * and every stream run once per call or reported `busy`.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemporaryDatabase } from '../../../core/db/temporary-database';
import { seedLoanExample, type SeededLoans } from '../../../sandbox/examples/loans';
import { PipedriveEmulator } from '../../../sandbox/pipedrive';
import { SalesforceEmulator } from '../../../sandbox/salesforce';
import { createTestDatabase, type TestDatabase } from '../../helpers/database';
import { ROOT } from '../../helpers/example-data';
import { DIST, SERVER, readWorkflow, syncCredentials } from './fixtures';
import { importAndPublish, startCollector, until, type Collector } from './n8n-process';
import { redisAnswers, redisListens, startQueueCluster, type QueueCluster } from './queue/cluster';
import { defaultN8nBin, N8N_VERSION } from './run-workflow';
import { webhookRegistered } from './webhook-ready';

const REDIS = {
  host: process.env.CRM_BRIDGE_REDIS_HOST ?? '127.0.0.1',
  port: Number(process.env.CRM_BRIDGE_REDIS_PORT ?? 6379),
};
const SF_CLIENT = { clientId: 'n8n-queue-app', clientSecret: 'n8n-queue-s3cret-40d1e7' };
const PD_TOKEN = 'pd-n8n-queue-token-9a7e21c4';
/** The shared budget both workers draw from, and the emulator's real limit (a search costs 20 tokens, a write 5). */
const BUDGET = { requests: 16, perMs: 2000 };
const BURST_TOKENS = 400;
const LOANS = 60;

// Queue mode needs Redis: in CI it must be there (the test fails), elsewhere the test is skipped without it.
const redisUp = redisListens(REDIS);

interface StreamReport {
  stream: string;
  status: string;
  counts: Record<string, number>;
}
interface Collected {
  execution: string;
  report: { runId: string; status: string; streams: StreamReport[]; totals: Record<string, number> };
}

/** Most requests that arrived within any window of `ms`. */
function busiestWindow(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j]! - sorted[i]! >= ms) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

describe.skipIf(!redisUp && !process.env.CI)(
  `n8n ${N8N_VERSION} in queue mode: two workers run the same sync job`,
  () => {
    const sf = new SalesforceEmulator({ client: SF_CLIENT });
    const pd = new PipedriveEmulator({ tokens: [PD_TOKEN], burstBudget: BURST_TOKENS });
    // The emulator logs each request without its time; the rate-limit check below needs when each one arrived.
    const arrivals: number[] = [];
    const logRequest = pd.log.push.bind(pd.log);
    pd.log.push = (...entries) => {
      for (let i = 0; i < entries.length; i++) arrivals.push(Date.now());
      return logRequest(...entries);
    };
    const previous = process.env.DATABASE_URL;
    let state: TestDatabase;
    let n8nDb: { url: string; drop(): Promise<void> };
    let seeded: SeededLoans;
    let cluster: QueueCluster | undefined;
    let collector: Collector<Collected> | undefined;
    const collected: Collected[] = [];
    const secrets = () => [SF_CLIENT.clientSecret, PD_TOKEN];

    beforeAll(async () => {
      if (!(await redisAnswers(REDIS))) throw new Error(`Redis does not answer on ${REDIS.host}:${REDIS.port}`);
      process.env.DATABASE_URL = SERVER;
      [state, n8nDb] = await Promise.all([
        createTestDatabase(),
        createTemporaryDatabase(SERVER, 'crm_bridge_n8n_queue'),
      ]);
      const [sfUrl, pdUrl] = await Promise.all([sf.start(), pd.start()]);
      seeded = seedLoanExample(sf, pd, { contacts: 30, loans: LOANS });
      collector = await startCollector(collected);

      const job = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'sync', 'loans-to-pipedrive.json'), 'utf8'));
      const workflow = readWorkflow('queue-sync-webhook.json', { __COLLECTOR__: collector.url });
      workflow.id = `crmBridgeQueue${randomBytes(3).toString('hex')}`;
      for (const node of workflow.nodes)
        if (node.type === 'CUSTOM.crmBridge')
          node.parameters.job = JSON.stringify({ ...job, batchSize: 10, rateBudgets: { pipedrive: BUDGET } });

      const bin = defaultN8nBin();
      cluster = await startQueueCluster({
        bin,
        n8nDatabaseUrl: n8nDb.url,
        redis: REDIS,
        workers: 2,
        // One job per worker: two calls at once cannot both land on the same worker.
        concurrency: 1,
        env: { N8N_CUSTOM_EXTENSIONS: DIST },
        prepare: (env) =>
          importAndPublish(
            bin,
            env,
            syncCredentials('Queue1', { state: state.url!, salesforce: sfUrl, pipedrive: pdUrl }, SF_CLIENT, PD_TOKEN),
            workflow,
          ),
      });
      await until(
        () => webhookRegistered(`${cluster!.base}/webhook/crm-bridge-queue-sync`),
        90_000,
        () => `the webhook to be registered:\n${cluster!.main.logs().slice(-3000)}`,
      );
      // Three cold n8n starts and migrations of a fresh database: ~1 min alone, 4-5 min on a busy 2-core machine.
    }, 900_000);

    afterAll(async () => {
      await cluster?.stop();
      await collector?.close();
      await Promise.all([sf.stop(), pd.stop()]);
      await state?.drop();
      await n8nDb?.drop();
      process.env.DATABASE_URL = previous;
    }, 60_000);

    it('two calls at once: one execution per worker, each record written once, the shared limit held', async () => {
      const webhook = `${cluster!.base}/webhook/crm-bridge-queue-sync`;
      const calls = await Promise.all([1, 2].map(() => fetch(webhook, { method: 'POST', body: '{}' })));
      expect(
        calls.map((c) => c.status),
        cluster!.main.logs().slice(-4000),
      ).toEqual([200, 200]);
      await until(
        () => collected.length >= 2,
        240_000,
        () =>
          `both executions to report (have ${collected.length})\n` +
          [cluster!.main, ...cluster!.workers].map((p) => `--- ${p.name}\n${p.logs().slice(-2500)}`).join('\n'),
      );

      // n8n: two webhook executions, both successful, each taken by a different worker process.
      // The report is posted by the last node; the worker records the execution's end just after it.
      const n8nSql = new pg.Client({ connectionString: n8nDb.url });
      await n8nSql.connect();
      let executions: Array<{ id: string; status: string; mode: string }> = [];
      try {
        await until(
          async () => {
            ({ rows: executions } = await n8nSql.query(
              'SELECT id::text, status, mode FROM execution_entity ORDER BY id',
            ));
            return executions.length === 2 && executions.every((e) => !['new', 'running'].includes(e.status));
          },
          30_000,
          () => `n8n to record both executions' end: ${JSON.stringify(executions)}`,
        );
      } finally {
        await n8nSql.end();
      }
      expect(executions.map((e) => [e.status, e.mode])).toEqual([
        ['success', 'webhook'],
        ['success', 'webhook'],
      ]);
      expect(collected.map((c) => c.execution).sort()).toEqual(executions.map((e) => e.id).sort());

      const { rows: runs } = await state.db.pool.query<{
        run_id: string;
        owner_pid: number;
        status: string;
        started_at: Date;
        finished_at: Date;
      }>('SELECT run_id::text, owner_pid, status, started_at, finished_at FROM sync.runs ORDER BY started_at');
      const workerPids = cluster!.workers.map((w) => w.child.pid);
      expect(runs.map((r) => r.owner_pid).sort()).toEqual([...workerPids].sort());
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
      expect(runs.map((r) => r.run_id).sort()).toEqual(collected.map((c) => c.report.runId).sort());
      // The two runs overlapped in time: the locks and the budget were shared by runs that were live together.
      expect(runs[1]!.started_at.getTime()).toBeLessThan(runs[0]!.finished_at.getTime());
      for (const w of cluster!.workers) {
        const ran = collected.filter((c) => runs.find((r) => r.run_id === c.report.runId)!.owner_pid === w.child.pid);
        expect(ran).toHaveLength(1);
        // n8n's own record of it: the worker logs each execution it takes from the queue.
        expect(w.logs()).toContain(`Worker started execution ${ran[0]!.execution} `);
        for (const other of collected.filter((c) => c !== ran[0]))
          expect(w.logs()).not.toContain(`Worker started execution ${other.execution} `);
      }

      // Every stream once per call, or `busy` because the other worker held it.
      for (const { report } of collected) {
        expect(report.status).toBe('succeeded');
        expect(report.streams.map((s) => s.stream).sort()).toEqual(['borrowers', 'loans']);
        for (const s of report.streams) expect(['succeeded', 'busy']).toContain(s.status);
      }
      const created = (stream: string) =>
        collected.reduce((n, c) => n + (c.report.streams.find((s) => s.stream === stream)?.counts.created ?? 0), 0);

      // Each record written once: 2 of every 3 loans are the officer's; their borrowers once each.
      const inScope = seeded.loans.filter((_, i) => i % 3 !== 2);
      const deals = pd.store.all('deals');
      const persons = pd.store.all('persons');
      const sfIds = (records: Array<{ custom_fields: Record<string, unknown> }>, object: 'deals' | 'persons') =>
        records.map((r) => String(r.custom_fields[pd.store.customKey(object, 'Salesforce ID')])).sort();
      expect(sfIds(deals, 'deals')).toEqual([...inScope].sort());
      expect(new Set(sfIds(persons, 'persons')).size).toBe(persons.length);
      expect(pd.writes.created).toBe(deals.length + persons.length);
      expect(created('loans')).toBe(inScope.length);
      expect(created('borrowers')).toBe(persons.length);
      const { rows: twice } = await state.db.pool.query(
        `SELECT stream, source_id FROM sync.audit WHERE result = 'created' GROUP BY stream, source_id HAVING count(*) > 1`,
      );
      expect(twice).toEqual([]);

      // The account's limit held: nothing refused by the emulator's token budget, no 2-second window over the shared
      // budget, and one budget row both workers drew from.
      expect(pd.rateLimited).toBe(0);
      expect(pd.log.filter((r) => r.status === 429)).toEqual([]);
      const busiest = busiestWindow(arrivals, BUDGET.perMs);
      console.info(`queue mode: ${arrivals.length} Pipedrive requests, at most ${busiest} in any ${BUDGET.perMs} ms`);
      // The budget spaces the requests as they are sent; they are timed here as they arrive, and on a busy machine a
      // late one can bunch up with the next. Two budgets that were not shared would allow twice the requests.
      expect(busiest).toBeLessThanOrEqual(BUDGET.requests + 2);
      const { rows: budgets } = await state.db.pool.query<{ account: string }>('SELECT account FROM sync.rate_budgets');
      expect(budgets.map((b) => b.account.split(':')[0])).toEqual(['pipedrive']);

      for (const p of [cluster!.main, ...cluster!.workers])
        for (const s of secrets()) expect(p.logs()).not.toContain(s);
    }, 300_000);
  },
);
