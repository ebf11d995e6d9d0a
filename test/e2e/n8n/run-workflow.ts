/**
 * Run a workflow JSON in a REAL n8n (one release line, installed outside the repo by ./install-n8n.sh), headless.
 *
 * Each call: fresh temporary N8N_USER_FOLDER (fresh SQLite DB) -> `n8n import:credentials` ->
 * `n8n import:workflow` -> `n8n execute --id=<id> --rawOutput` -> parse the run JSON printed after the log lines.
 *
 * Only node built-ins are used, so this file has no effect on the repo's dependencies.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The n8n release lines the e2e suite runs on (same table as install-n8n.sh). 2.8 is the newest n8n on Node 20; the
 * newer lines need Node 24, which install-n8n.sh installs next to n8n and starts through a wrapper script.
 */
export const N8N_LINES = {
  '2.8': { version: '2.8.4', bin: path.join('node_modules', '.bin', 'n8n') },
  '2.40': { version: '2.40.7', bin: 'n8n' },
} as const;
export type N8nLine = keyof typeof N8N_LINES;

/** The line under test: CRM_BRIDGE_N8N_LINE (`2.8` when unset). */
export function n8nLine(): N8nLine {
  const line = process.env.CRM_BRIDGE_N8N_LINE ?? '2.8';
  if (!(line in N8N_LINES))
    throw new Error(`CRM_BRIDGE_N8N_LINE=${line}: unknown n8n line (known: ${Object.keys(N8N_LINES).join(', ')})`);
  return line as N8nLine;
}

export const N8N_VERSION = N8N_LINES[n8nLine()].version;

/** Same default as install-n8n.sh. */
export function defaultN8nDir(): string {
  return process.env.CRM_BRIDGE_N8N_DIR ?? path.join(os.homedir(), '.cache', 'crm-bridge', `n8n-${N8N_VERSION}`);
}

/** Path of the n8n CLI; override with CRM_BRIDGE_N8N_BIN. */
export function defaultN8nBin(): string {
  return process.env.CRM_BRIDGE_N8N_BIN ?? path.join(defaultN8nDir(), N8N_LINES[n8nLine()].bin);
}

/** Fixed key so that credentials imported with `data` as a plain object are encrypted/decrypted consistently. */
export const TEST_ENCRYPTION_KEY = 'crm-bridge-e2e-test-encryption-key';

export interface N8nCredential {
  /** Must match `nodes[].credentials.<type>.id` in the workflow. Generated if missing (then you cannot reference it). */
  id?: string;
  name: string;
  /** Credential type name, e.g. `crmBridgePostgresApi` (custom credential types keep their plain name, no prefix). */
  type: string;
  /** Decrypted credential fields as a plain object: import:credentials encrypts it with N8N_ENCRYPTION_KEY. */
  data: Record<string, unknown>;
  [key: string]: unknown;
}

export interface RunWorkflowOptions {
  /** Workflow JSON (as exported from n8n: name, nodes, connections, settings...). `id` is generated if missing. */
  workflow: Record<string, any>;
  credentials?: N8nCredential[];
  /** Folder(s) scanned for *.node.js / *.credentials.js (N8N_CUSTOM_EXTENSIONS). Node types become `CUSTOM.<name>`. */
  customExtensionsDir?: string | string[];
  /** Extra env for the n8n processes (wins over the defaults). */
  env?: Record<string, string>;
  /** n8n CLI path; default: CRM_BRIDGE_N8N_BIN or the install-n8n.sh cache folder. */
  n8nBin?: string;
  /** Per n8n command timeout, default 120 s. */
  timeoutMs?: number;
  /** Keep the temporary N8N_USER_FOLDER (for debugging); it is also kept when env CRM_BRIDGE_N8N_KEEP=1. */
  keepUserFolder?: boolean;
}

export interface RunWorkflowResult {
  /** `success` | `error` | `canceled` | ... (the execution status from the run JSON). */
  status: string;
  /** `data.resultData.runData` of the run: per node name, an array of task runs. */
  runData: any;
  /** The whole parsed run JSON (`{ data, mode, status, startedAt, stoppedAt, ... }`). */
  run: any;
  /** Error message of the execution when status is `error` (`data.resultData.error.message`). */
  errorMessage?: string;
  /** Name of the node that failed, when known. */
  errorNode?: string;
  /** stdout + stderr of `n8n execute`. */
  raw: string;
  exitCode: number | null;
  userFolder: string;
  workflowId: string;
  timings: { importCredentialsMs: number; importWorkflowMs: number; executeMs: number };
}

interface CmdResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

function randomId(len = 16): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < len; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

/** A free TCP port on 127.0.0.1 (for N8N_RUNNERS_BROKER_PORT, so parallel runs do not collide). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function runCmd(bin: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CmdResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started, timedOut });
    });
  });
}

/**
 * Extract the run JSON from `n8n execute --rawOutput` output. The JSON is pretty-printed after log lines:
 * its first line is `{` and its last line `}` at column 0; log lines before/after are skipped.
 */
export function parseRunJson(output: string): any | undefined {
  const lines = output.split(/\r?\n/);
  const starts: number[] = [];
  const ends: number[] = [];
  lines.forEach((l, i) => {
    if (l.startsWith('{')) starts.push(i);
    if (l.trimEnd() === '}') ends.push(i);
  });
  for (const s of starts) {
    for (const e of [...ends].reverse()) {
      if (e < s) break;
      try {
        const parsed = JSON.parse(lines.slice(s, e + 1).join('\n'));
        if (parsed && typeof parsed === 'object' && 'data' in parsed) return parsed;
      } catch {
        /* try the next candidate */
      }
    }
  }
  return undefined;
}

/** JSON of the items of a node's first main output in its first run. */
export function nodeOutput(runData: any, nodeName: string, runIndex = 0, outputIndex = 0): any[] {
  const runs = runData?.[nodeName];
  if (!runs) throw new Error(`node "${nodeName}" did not run; ran: ${Object.keys(runData ?? {}).join(', ')}`);
  const items = runs[runIndex]?.data?.main?.[outputIndex] ?? [];
  return items.map((item: any) => item.json);
}

/**
 * The environment of an n8n process in these tests: its own user folder, no telemetry, free ports, SQLite with one
 * connection. Callers add what differs (custom extension folders, WEBHOOK_URL, a chosen port).
 */
export async function n8nEnv(userFolder: string, extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    TZ: 'UTC',
    N8N_USER_FOLDER: userFolder,
    N8N_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    // internal: n8n spawns its JS task runner, so Code nodes work (~no extra cost). It logs a harmless
    // "Failed to start Python task runner" line. `external` silences that, but then any Code node waits for a
    // runner that never comes and fails after N8N_RUNNERS_TASK_REQUEST_TIMEOUT (60 s).
    N8N_RUNNERS_MODE: 'internal',
    N8N_RUNNERS_AUTH_TOKEN: 'crm-bridge-e2e',
    N8N_RUNNERS_BROKER_PORT: String(await freePort()),
    N8N_PORT: String(await freePort()),
    N8N_LOG_LEVEL: 'info', // --rawOutput JSON is printed through the logger: do not lower below info
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
    DB_SQLITE_POOL_SIZE: '1',
    ...extra,
  };
}

export async function runWorkflow(opts: RunWorkflowOptions): Promise<RunWorkflowResult> {
  const bin = opts.n8nBin ?? defaultN8nBin();
  if (!fs.existsSync(bin)) {
    throw new Error(`n8n not found at ${bin}: run test/e2e/n8n/install-n8n.sh first (or set CRM_BRIDGE_N8N_BIN)`);
  }
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-n8n-'));
  const keep = opts.keepUserFolder || process.env.CRM_BRIDGE_N8N_KEEP === '1';

  const customDirs = opts.customExtensionsDir
    ? (Array.isArray(opts.customExtensionsDir) ? opts.customExtensionsDir : [opts.customExtensionsDir]).map((d) =>
        path.resolve(d),
      )
    : [];

  const env: NodeJS.ProcessEnv = {
    ...(await n8nEnv(userFolder)),
    TZ: process.env.TZ ?? 'UTC',
    ...(customDirs.length ? { N8N_CUSTOM_EXTENSIONS: customDirs.join(';') } : {}),
    ...opts.env,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];

  const fail = (what: string, r: CmdResult): never => {
    throw new Error(
      `n8n ${what} failed (exit ${r.code}${r.timedOut ? ', timed out' : ''}, user folder ${userFolder})\n` +
        `--- stdout (tail) ---\n${tail(r.stdout)}\n--- stderr (tail) ---\n${tail(r.stderr)}`,
    );
  };

  try {
    let importCredentialsMs = 0;
    if (opts.credentials?.length) {
      const creds = opts.credentials.map((c) => ({ id: c.id ?? randomId(), ...c }));
      const credFile = path.join(userFolder, 'credentials.json');
      fs.writeFileSync(credFile, JSON.stringify(creds, null, 2));
      const r = await runCmd(bin, ['import:credentials', `--input=${credFile}`], env, timeoutMs);
      importCredentialsMs = r.ms;
      if (r.code !== 0 || r.timedOut) fail('import:credentials', r);
    }

    const workflow = { active: false, settings: {}, connections: {}, ...opts.workflow } as Record<string, any>;
    if (!workflow.id) workflow.id = randomId();
    if (!workflow.name) workflow.name = `crm-bridge-e2e-${workflow.id}`;
    const wfFile = path.join(userFolder, 'workflow.json');
    fs.writeFileSync(wfFile, JSON.stringify(workflow, null, 2));
    const imp = await runCmd(bin, ['import:workflow', `--input=${wfFile}`], env, timeoutMs);
    if (imp.code !== 0 || imp.timedOut) fail('import:workflow', imp);

    const ex = await runCmd(bin, ['execute', `--id=${workflow.id}`, '--rawOutput'], env, timeoutMs);
    const raw = ex.stdout + (ex.stderr ? `\n${ex.stderr}` : '');
    const run = parseRunJson(ex.stdout) ?? parseRunJson(raw);
    if (!run || ex.timedOut) fail('execute (no run JSON in the output)', ex);

    const resultData = run.data?.resultData ?? {};
    const status: string = run.status ?? (resultData.error ? 'error' : 'success');
    return {
      status,
      runData: resultData.runData ?? {},
      run,
      errorMessage: resultData.error?.message,
      errorNode: resultData.error ? (resultData.error.node?.name ?? resultData.lastNodeExecuted) : undefined,
      raw,
      exitCode: ex.code,
      userFolder,
      workflowId: workflow.id,
      timings: { importCredentialsMs, importWorkflowMs: imp.ms, executeMs: ex.ms },
    };
  } finally {
    if (!keep) fs.rmSync(userFolder, { recursive: true, force: true });
  }
}
