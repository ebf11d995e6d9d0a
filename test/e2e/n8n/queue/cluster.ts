/**
 * n8n in queue mode for e2e tests: one main (`n8n start`: editor, webhooks, enqueues executions) and workers
 * (`n8n worker`: run them), sharing a PostgreSQL database for n8n itself and a Redis queue under a prefix of their own.
 * Node built-ins only, like run-workflow.ts.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startN8nProcess, stopN8nProcess, until, type N8nProcess } from '../n8n-process';
import { freePort, n8nEnv } from '../run-workflow';

export interface RedisAddress {
  host: string;
  port: number;
}

/** Sends one command to Redis (RESP) and returns the raw reply; enough for PING and a key sweep. */
export function redisCommand(address: RedisAddress, args: string[], timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(address.port, address.host);
    let reply = '';
    const timer = setTimeout(
      () => socket.destroy(new Error(`Redis ${address.host}:${address.port}: no answer`)),
      timeoutMs,
    );
    socket.on('connect', () =>
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`),
    );
    socket.setEncoding('utf8').on('data', (d: string) => {
      reply += d;
      if (reply.endsWith('\r\n')) {
        clearTimeout(timer);
        socket.end();
        resolve(reply);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Whether something listens on Redis's port, decided before tests are collected (so synchronously, in a child). */
export function redisListens(address: RedisAddress): boolean {
  const probe = `const s = require('net').connect(${address.port}, ${JSON.stringify(address.host)});
    s.on('connect', () => process.exit(0)); s.on('error', () => process.exit(1)); setTimeout(() => process.exit(1), 2000);`;
  try {
    execFileSync(process.execPath, ['-e', probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function redisAnswers(address: RedisAddress): Promise<boolean> {
  return redisCommand(address, ['PING']).then(
    (r) => r.startsWith('+PONG'),
    () => false,
  );
}

/** Deletes the queue's keys (Bull keeps jobs and events under the prefix) so runs leave Redis as they found it. */
export async function deleteRedisKeys(address: RedisAddress, prefix: string): Promise<void> {
  const sweep = "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 1";
  await redisCommand(address, ['EVAL', sweep, '0', `${prefix}*`]);
}

export interface QueueCluster {
  /** Base URL of the main instance (editor, REST API, production webhooks). */
  base: string;
  main: N8nProcess;
  workers: N8nProcess[];
  prefix: string;
  /** Environment shared by every process (for CLI commands such as import:workflow against the same database). */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export interface QueueClusterOptions {
  bin: string;
  /** PostgreSQL database for n8n itself (a fresh, empty one: n8n migrates it on first start). */
  n8nDatabaseUrl: string;
  redis: RedisAddress;
  workers: number;
  /** Jobs each worker takes at once (`--concurrency`). */
  concurrency: number;
  /** Extra env for every process (custom extensions, ...). */
  env?: Record<string, string>;
  /** Runs with the main's env before any process starts: imports, publishing. */
  prepare?: (env: NodeJS.ProcessEnv) => Promise<void>;
}

const okAt = (url: string) =>
  fetch(url).then(
    (r) => r.ok,
    () => false,
  );

/** Starts main and workers on a fresh queue prefix; resolves once the main serves HTTP and every worker is ready. */
export async function startQueueCluster(options: QueueClusterOptions): Promise<QueueCluster> {
  const db = new URL(options.n8nDatabaseUrl);
  const prefix = `crm-bridge-e2e-${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const shared: Record<string, string> = {
    EXECUTIONS_MODE: 'queue',
    QUEUE_BULL_REDIS_HOST: options.redis.host,
    QUEUE_BULL_REDIS_PORT: String(options.redis.port),
    QUEUE_BULL_PREFIX: prefix,
    // n8n's other Redis keys (the webhook cache, pub/sub between main and workers) default to one shared `n8n`
    // prefix: two clusters on one Redis would then answer each other's webhooks from the cache.
    N8N_REDIS_KEY_PREFIX: prefix,
    DB_TYPE: 'postgresdb',
    DB_POSTGRESDB_HOST: db.hostname,
    DB_POSTGRESDB_PORT: db.port || '5432',
    DB_POSTGRESDB_DATABASE: db.pathname.slice(1),
    DB_POSTGRESDB_USER: decodeURIComponent(db.username),
    DB_POSTGRESDB_PASSWORD: decodeURIComponent(db.password),
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    WEBHOOK_URL: `${base}/`,
    N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
    ...options.env,
  };
  // Each process gets its own user folder (as on separate hosts); the encryption key in n8nEnv is the shared one.
  const folders: string[] = [];
  const envFor = async (extra: Record<string, string> = {}) => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-n8n-queue-'));
    folders.push(folder);
    return n8nEnv(folder, { ...shared, ...extra });
  };
  const mainEnv = await envFor({ N8N_PORT: String(port) });
  await options.prepare?.(mainEnv);

  const main = startN8nProcess('main', options.bin, ['start'], mainEnv);
  const workers: N8nProcess[] = [];
  const healthPorts: number[] = [];
  for (let i = 0; i < options.workers; i++) {
    const healthPort = await freePort();
    healthPorts.push(healthPort);
    // The health server answers /healthz/readiness once the worker's database and Redis connections are up.
    const env = await envFor({
      QUEUE_HEALTH_CHECK_ACTIVE: 'true',
      QUEUE_HEALTH_CHECK_PORT: String(healthPort),
      N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
    });
    workers.push(
      startN8nProcess(`worker-${i + 1}`, options.bin, ['worker', `--concurrency=${options.concurrency}`], env),
    );
  }
  const cluster: QueueCluster = {
    base,
    main,
    workers,
    prefix,
    env: mainEnv,
    async stop() {
      await Promise.all([main, ...workers].map((p) => stopN8nProcess(p)));
      await deleteRedisKeys(options.redis, prefix).catch(() => undefined);
      if (process.env.CRM_BRIDGE_N8N_KEEP === '1') {
        // Kept for debugging: each process's output next to its user folder.
        [main, ...workers].forEach((p, i) => fs.writeFileSync(path.join(folders[i]!, `${p.name}.log`), p.logs()));
        console.info(`n8n queue-mode folders kept: ${folders.join(' ')}`);
      } else for (const f of folders) fs.rmSync(f, { recursive: true, force: true });
    },
  };
  const tails = () =>
    [main, ...workers].map((p) => `--- ${p.name} (exit ${p.child.exitCode}) ---\n${p.logs().slice(-2000)}`).join('\n');
  try {
    await until(
      async () => {
        const dead = [main, ...workers].find((p) => p.child.exitCode !== null);
        if (dead) throw new Error(`n8n ${dead.name} exited early\n${tails()}`);
        const ready = await Promise.all([
          okAt(`${base}/healthz`),
          ...healthPorts.map((p) => okAt(`http://127.0.0.1:${p}/healthz/readiness`)),
        ]);
        return ready.every(Boolean);
      },
      420_000,
      () => `n8n main and workers to start\n${tails()}`,
    );
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
