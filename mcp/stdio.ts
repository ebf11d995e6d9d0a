import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { buildServer, type ServerOptions } from './server';

/** Serves the tools over stdin/stdout until the client disconnects. stdout belongs to the protocol: log to stderr only. */
export async function startStdioServer(options: ServerOptions): Promise<void> {
  const { server, close } = buildServer(options);
  const transport = new StdioServerTransport();
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await close().catch((error: Error) => process.stderr.write(`crm-bridge mcp: ${error.message}\n`));
  };
  transport.onclose = () => void shutdown();
  process.on('SIGINT', () => void shutdown().then(() => process.exit(0)));
  process.on('SIGTERM', () => void shutdown().then(() => process.exit(0)));
  process.stdin.on('end', () => void shutdown());
  await server.connect(transport);
}
