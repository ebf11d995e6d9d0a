/**
 * A real n8n as a long-running process (`n8n start`, `n8n worker`) for the e2e tests that need one running: its CLI
 * commands, the import and publishing of a workflow with its credentials, waiting for it, a collector for what its
 * workflows post, and stopping it. Node built-ins only, like run-workflow.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:http';
import * as path from 'node:path';
import type { N8nCredential } from './run-workflow';

export interface N8nProcess {
  name: string;
  child: ChildProcess;
  /** stdout and stderr so far. */
  logs(): string;
}

/** Starts an n8n process and keeps its output; n8n never outlives the test process. */
export function startN8nProcess(name: string, bin: string, args: string[], env: NodeJS.ProcessEnv): N8nProcess {
  const child = spawn(bin, args, { env });
  // A hook that times out never reaches the stop: n8n must not outlive the test process.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  child.once('exit', () => process.off('exit', orphanGuard));
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { name, child, logs: () => out };
}

/** SIGTERM, then SIGKILL if n8n has not shut down within `graceMs`. */
export async function stopN8nProcess(p: N8nProcess | undefined, graceMs = 20_000): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.on('exit', r));
  p.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}

/** Runs an n8n CLI command (import:credentials, import:workflow, publish:workflow) to completion. */
export function n8nCommand(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`n8n ${args[0]} failed (exit ${code}):\n${out.slice(-3000)}`)),
    );
  });
}

/**
 * Imports the credentials and the workflow into the n8n whose environment is `env` (files in its user folder) and
 * publishes the workflow, so that `n8n start` activates it.
 */
export async function importAndPublish(
  bin: string,
  env: NodeJS.ProcessEnv,
  credentials: N8nCredential[],
  workflow: { id: string },
): Promise<void> {
  const folder = env.N8N_USER_FOLDER!;
  const credentialsFile = path.join(folder, 'credentials.json');
  const workflowFile = path.join(folder, 'workflow.json');
  fs.writeFileSync(credentialsFile, JSON.stringify(credentials));
  fs.writeFileSync(workflowFile, JSON.stringify(workflow));
  await n8nCommand(bin, ['import:credentials', `--input=${credentialsFile}`], env);
  await n8nCommand(bin, ['import:workflow', `--input=${workflowFile}`], env);
  await n8nCommand(bin, ['publish:workflow', `--id=${workflow.id}`], env);
}

/** Polls `check` until it holds; after `ms`, fails saying what it waited for (`what` is read only then). */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string | (() => string),
): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface Collector<T> {
  /** Where a workflow's HTTP Request node posts (POST, a JSON body). */
  url: string;
  /** Each body posted so far, parsed, in arrival order. */
  items: T[];
  close(): Promise<void>;
}

/**
 * A local HTTP server that keeps the JSON bodies a workflow posts to it (in `items`, the caller's array if given): how
 * a test sees what a running n8n did.
 */
export async function startCollector<T>(items: T[] = []): Promise<Collector<T>> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      items.push(JSON.parse(body) as T);
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/collect`,
    items,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
