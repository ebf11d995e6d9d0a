import { randomUUID } from 'node:crypto';
import { CODES, DataverseFault } from './errors';
import { faultReply, JSON_TYPE, preferences, STATUS_TEXT, type ApiReply, type ApiRequest } from './http';
import type { DataverseStore } from './store';

/** Dataverse's cap on the requests of one `$batch`. */
export const MAX_BATCH_REQUESTS = 1000;

interface Part {
  contentId?: string;
  method: string;
  /** As written: absolute, relative, or starting with a `$n` Content-ID reference. */
  url: string;
  headers: Record<string, string>;
  body: string;
}

type Entry = { kind: 'single'; part: Part } | { kind: 'changeset'; parts: Part[] };

const boundaryOf = (contentType: string | undefined): string | undefined =>
  /boundary=("?)([^";]+)\1/i.exec(contentType ?? '')?.[2];

function headerBlock(text: string): { headers: Record<string, string>; rest: string } {
  const end = text.search(/\r?\n\r?\n/);
  const head = end < 0 ? text : text.slice(0, end);
  const rest = end < 0 ? '' : text.slice(end).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, rest };
}

function splitParts(text: string, boundary: string): string[] {
  return text
    .split(`--${boundary}`)
    .slice(1)
    .filter((chunk) => !chunk.startsWith('--'))
    .map((chunk) => chunk.replace(/^\r?\n/, ''));
}

const malformed = (why: string) => new DataverseFault(400, CODES.badRequest, `The batch request is malformed: ${why}.`);

/** One `application/http` part: its request line, headers and body. */
function parsePart(text: string): Part {
  const { headers: partHeaders, rest } = headerBlock(text.replace(/^\s+/, ''));
  const lines = rest.replace(/^\s+/, '');
  const firstEnd = lines.search(/\r?\n/);
  const requestLine = firstEnd < 0 ? lines : lines.slice(0, firstEnd);
  const m = /^([A-Z]+)\s+(\S+)\s+HTTP\/1\.1$/.exec(requestLine.trim());
  if (!m) throw malformed(`"${requestLine.trim().slice(0, 80)}" is not a request line`);
  const { headers, rest: body } = headerBlock(firstEnd < 0 ? '' : lines.slice(firstEnd).replace(/^\r?\n/, ''));
  return { contentId: partHeaders['content-id'], method: m[1]!, url: m[2]!, headers, body: body.trim() };
}

/** The request a part carries, with a `$n` reference replaced by the URL of the record that request wrote. */
function requestOf(part: Part, outer: ApiRequest, refs: Map<string, string>): ApiRequest {
  let url = part.url;
  const ref = /^\$(\d+)(.*)$/.exec(url);
  if (ref) {
    const target = refs.get(ref[1]!);
    if (!target) throw malformed(`Content-ID $${ref[1]} is not defined earlier in the change set`);
    url = target + ref[2]!;
  }
  const at = url.indexOf('/api/data/v');
  const path = at >= 0 ? url.slice(at).replace(/^\/api\/data\/v[\d.]+\//, '') : url.replace(/^\//, '');
  const q = path.indexOf('?');
  return {
    method: part.method,
    path: q < 0 ? path : path.slice(0, q),
    query: new URLSearchParams(q < 0 ? '' : path.slice(q + 1)),
    headers: part.headers,
    body: part.body,
    base: outer.base,
    refs,
  };
}

function parseBatch(req: ApiRequest): Entry[] {
  const boundary = boundaryOf(req.headers['content-type']);
  if (!boundary) throw malformed('the Content-Type has no multipart boundary');
  const entries: Entry[] = [];
  for (const chunk of splitParts(req.body, boundary)) {
    const { headers, rest } = headerBlock(chunk);
    const inner = boundaryOf(headers['content-type']);
    if (inner) {
      const parts = splitParts(rest, inner).map(parsePart);
      if (parts.some((p) => p.method === 'GET')) throw malformed('a change set cannot contain a GET');
      entries.push({ kind: 'changeset', parts });
    } else entries.push({ kind: 'single', part: parsePart(chunk) });
  }
  return entries;
}

function httpPart(reply: ApiReply, contentId?: string): string {
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (contentId) lines.push(`Content-ID: ${contentId}`);
  lines.push('', `HTTP/1.1 ${reply.status} ${STATUS_TEXT[reply.status] ?? 'Status'}`);
  const headers: Record<string, string> = { 'OData-Version': '4.0', ...reply.headers };
  if (reply.body !== undefined) headers['Content-Type'] = JSON_TYPE;
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  lines.push('', reply.body === undefined ? '' : JSON.stringify(reply.body));
  return lines.join('\r\n');
}

/**
 * `POST /$batch`: runs each part in order through `run`. A change set is atomic: the first failing request rolls
 * back the set's earlier ones and is answered alone, in place of the set. Without `Prefer: odata.continue-on-error`
 * the batch stops at the first failure; with it, later parts still run. Each part counts as one operation (`ops`).
 */
export function runBatch(
  store: DataverseStore,
  req: ApiRequest,
  run: (r: ApiRequest) => ApiReply,
  onOperations: (count: number) => void,
): ApiReply {
  const entries = parseBatch(req);
  const count = entries.reduce((n, e) => n + (e.kind === 'single' ? 1 : e.parts.length), 0);
  if (count > MAX_BATCH_REQUESTS)
    throw new DataverseFault(
      400,
      CODES.badRequest,
      `The number of requests in batch exceeds the limit of ${MAX_BATCH_REQUESTS}.`,
    );
  onOperations(count);
  const continueOnError = preferences(req.headers).continueOnError;
  const safe = (part: Part, refs: Map<string, string>): ApiReply => {
    try {
      return run(requestOf(part, req, refs));
    } catch (error) {
      if (error instanceof DataverseFault) return faultReply(error);
      throw error;
    }
  };
  const id = randomUUID();
  const out: string[] = [];
  for (const entry of entries) {
    let failed = false;
    if (entry.kind === 'single') {
      const reply = safe(entry.part, new Map());
      failed = reply.status >= 400;
      out.push(httpPart(reply));
    } else {
      const changeset = `changesetresponse_${randomUUID()}`;
      const refs = new Map<string, string>();
      const answers: string[] = [];
      store.begin();
      for (const part of entry.parts) {
        const reply = safe(part, refs);
        if (reply.status >= 400) {
          failed = true;
          store.rollback();
          out.push(httpPart(reply));
          break;
        }
        const entityId = reply.headers?.['OData-EntityId'];
        if (part.contentId && entityId) refs.set(part.contentId, entityId);
        answers.push(`--${changeset}\r\n${httpPart(reply, part.contentId)}`);
      }
      if (!failed) {
        store.commit();
        out.push(
          `Content-Type: multipart/mixed; boundary=${changeset}\r\n\r\n${answers.join('\r\n')}\r\n--${changeset}--`,
        );
      }
    }
    if (failed && !continueOnError) break;
  }
  const boundary = `batchresponse_${id}`;
  return {
    status: 200,
    text: `${out.map((p) => `--${boundary}\r\n${p}`).join('\r\n')}\r\n--${boundary}--\r\n`,
    headers: { 'Content-Type': `multipart/mixed; boundary=${boundary}` },
  };
}
