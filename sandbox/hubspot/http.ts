import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** HubSpot's error JSON shape. */
export function hubspotError(
  status: number,
  category: string,
  message: string,
  extra: Record<string, unknown> = {},
): Reply {
  return { status, body: { status: 'error', message, correlationId: randomUUID(), category, ...extra } };
}

export function send(res: ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'Content-Type': 'application/json;charset=utf-8', ...headers, ...reply.headers });
  res.end(text);
}
