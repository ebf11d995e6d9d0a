import type { ServerResponse } from 'node:http';
import { DataverseFault } from './errors';

/** One Web API request, from the wire or from a `$batch` part. */
export interface ApiRequest {
  method: string;
  /** The path after `/api/data/v9.2/`, percent-decoded segment by segment later. */
  path: string;
  query: URLSearchParams;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
  /** `http://host:port/api/data/v9.2/`, for links. */
  base: string;
  /** In a change set: Content-ID -> URL of the row that request wrote, for `$1`-style references. */
  refs?: Map<string, string>;
}

export interface ApiReply {
  status: number;
  /** JSON body; absent for 204. */
  body?: unknown;
  /** A raw body (multipart `$batch` answers); wins over `body`. */
  text?: string;
  headers?: Record<string, string>;
}

export const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export const JSON_TYPE = 'application/json; odata.metadata=minimal';

export function faultReply(fault: DataverseFault): ApiReply {
  return {
    status: fault.status,
    body: { error: { code: fault.code, message: fault.message } },
    headers: fault.headers,
  };
}

/** What the `Prefer` header asks for. */
export interface Preferences {
  maxPageSize?: number;
  trackChanges: boolean;
  returnRepresentation: boolean;
  continueOnError: boolean;
}

export function preferences(headers: Record<string, string>): Preferences {
  const items = (headers['prefer'] ?? '').split(',').map((s) => s.trim());
  const size = items.find((s) => s.startsWith('odata.maxpagesize='));
  return {
    maxPageSize: size ? Number(size.slice('odata.maxpagesize='.length).replace(/"/g, '')) || undefined : undefined,
    trackChanges: items.includes('odata.track-changes'),
    returnRepresentation: items.includes('return=representation'),
    continueOnError: items.includes('odata.continue-on-error'),
  };
}

export function send(res: ServerResponse, reply: ApiReply, extra: Record<string, string> = {}): void {
  const headers: Record<string, string> = { 'OData-Version': '4.0', ...extra, ...reply.headers };
  if (reply.text !== undefined) {
    res.writeHead(reply.status, headers);
    res.end(reply.text);
    return;
  }
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  res.writeHead(reply.status, { 'Content-Type': JSON_TYPE, ...headers });
  res.end(JSON.stringify(reply.body));
}
