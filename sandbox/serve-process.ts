import { spawn } from 'node:child_process';

/** A long-running `crm-bridge` command (serve, mcp --http) started with --json, and its output once stopped. */
export interface ServedProcess {
  url: string;
  stop(): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/**
 * Starts the built CLI with `args` and waits for its first --json envelope to name where it listens (`listening`
 * or `url`); a process that exits first fails with its output.
 */
export async function startServing(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<ServedProcess> {
  const child = spawn(process.execPath, [bin, ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const listening = /"(?:listening|url)": "([^"]+)"/.exec(stdout);
      if (listening) {
        clearInterval(timer);
        resolve(listening[1]!.replace('0.0.0.0', '127.0.0.1'));
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`crm-bridge exited with ${code}: ${stdout}${stderr}`));
    });
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGINT');
      const code = await exited;
      return { code, stdout, stderr };
    },
  };
}

/** The JSON documents a --json command printed one after another (each closed by a `}` at column 0). */
export function jsonDocuments(text: string): Array<{ ok: boolean; result: Record<string, unknown> }> {
  return text
    .split(/^\}$/m)
    .filter((c) => c.trim())
    .map((c) => JSON.parse(`${c}}`) as { ok: boolean; result: Record<string, unknown> });
}

/** What a stopped `serve` said about its HTTP traffic: the refusal counts of its last envelope and its request log. */
export function servedHttp(stopped: { stdout: string; stderr: string }): {
  refusals: unknown;
  requests: Array<Record<string, unknown>>;
} {
  return {
    refusals: jsonDocuments(stopped.stdout).at(-1)!.result.apiRefusals,
    requests: stopped.stderr
      .split('\n')
      .filter((l) => l.startsWith('{"http"'))
      .map((l) => (JSON.parse(l) as { http: Record<string, unknown> }).http),
  };
}
