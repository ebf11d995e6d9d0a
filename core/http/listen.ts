import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface RunningServer {
  server: Server;
  /** e.g. `http://127.0.0.1:8787` */
  url: string;
  close(): Promise<void>;
}

/** Listens on `port` (0 picks a free one); closing ends keep-alive connections at once. */
export async function listen(
  handler: RequestHandler,
  options: { port?: number; host?: string },
): Promise<RunningServer> {
  const server = createServer(handler);
  // Vendors and API clients keep connections open between calls; a short keep-alive frees them when idle.
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 30_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
