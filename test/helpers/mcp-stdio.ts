import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { TestDatabase } from './database';
import { ROOT } from './example-data';

/** The built CLI, as a user runs it. */
export const CLI_BIN = path.join(ROOT, 'dist', 'cli', 'index.js');

/**
 * The real thing: the built CLI serving MCP on stdio (`crm-bridge mcp <args>`), driven by the SDK's own client. The
 * server sees only PATH and `env`, so a variable of this test process cannot leak into what it does.
 */
export async function connectMcpStdio(
  args: string[],
  env: Record<string, string>,
  name = 'crm-bridge-test',
): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI_BIN, 'mcp', ...args],
      env: { PATH: process.env.PATH ?? '', ...env },
      stderr: 'pipe',
    }),
  );
  return client;
}

/**
 * Where a spawned process finds the test's data: the server database's URL, or the embedded home (the test must
 * have closed its own connection to it first: the embedded database serves one process at a time).
 */
export function databaseEnv(t: TestDatabase, home: string | undefined): Record<string, string> {
  if (t.url) return { DATABASE_URL: t.url };
  if (!home) throw new Error('an embedded test database needs its home folder to be handed to another process');
  return { CRM_BRIDGE_HOME: home };
}

/** The text of a tool answer's first content block. */
export const toolText = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;
