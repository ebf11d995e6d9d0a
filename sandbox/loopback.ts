import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on 127.0.0.1 only (an ephemeral port unless one is given) and resolves to the base URL. */
export async function listenOnLoopback(server: Server, port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes a server now, keep-alive connections included, so tests and `crm-bridge sandbox` exit promptly. */
export async function closeNow(server: Server | null): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * The HTTP server of an emulator: listens on loopback when started (any free port unless one is given) and closes at
 * once when stopped; `url` is its base URL while it runs.
 */
export class LoopbackServer {
  private server: Server | null = null;

  /** `name` is the vendor, for the error when the URL is asked of an emulator not started. */
  constructor(private readonly name: string) {}

  get url(): string {
    if (!this.server) throw new Error(`${this.name} emulator is not started`);
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(listener: RequestListener, port = 0): Promise<string> {
    const server = createServer(listener);
    await listenOnLoopback(server, port);
    this.server = server;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    await closeNow(server);
  }
}
