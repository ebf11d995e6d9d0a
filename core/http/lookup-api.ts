import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Database } from '../db/database';
import { classifyError, describeError } from '../errors';
import type { LoadedMapping } from '../mapping/load-mapping';
import { ObjectNameInputSchema } from '../mapping/mapping-config';
import { lookupManyByLegacyId, MAX_LOOKUP_BATCH, notFoundMessage, type LookupResult } from '../reconcile/lookup';
import { lookupCoalescer } from '../reconcile/lookup-coalescer';
import { BodyTooLarge, readBody, sendJson } from './body';

export interface LookupApiOptions {
  db: Database;
  mapping: LoadedMapping;
  onError?: (error: unknown) => void;
}

/**
 * Batches of single-ID GETs read at once: half of `serve`'s pool of 8, which leaves connections for POSTs and health
 * checks. Requests that arrive while they read wait for the next batch, so a busy server reads in larger batches.
 */
const GET_BATCHES_IN_FLIGHT = 4;

/** 1,000 IDs of up to 255 characters, quoted, fit well under this. */
const MAX_BODY_BYTES = 1024 * 1024;

const BatchBodySchema = z.object({ legacyIds: z.array(z.unknown()) }).strict();

/** The envelope of `crm-bridge lookup --json`: the API answers the same JSON the CLI prints. */
const notFoundVerdict = (r: LookupResult) => ({
  kind: 'input' as const,
  message: notFoundMessage(r),
});

function problem(res: ServerResponse, status: number, kind: string, message: string, headers = {}): void {
  sendJson(res, status, { ok: false, error: { kind, message } }, headers);
}

/**
 * `GET /v1/lookup/{object}/{legacyId}` and `POST /v1/lookup/{object}` with `{"legacyIds": [...]}`. Answers 404 for
 * an object the mapping does not have and for an ID staging does not hold, 400 for input it cannot read.
 */
export function lookupApi(options: LookupApiOptions) {
  const { db, mapping } = options;
  const objects = Object.keys(mapping.config.objects);
  const lookupOne = lookupCoalescer(db, mapping, { inFlight: GET_BATCHES_IN_FLIGHT });

  return async (req: IncomingMessage, res: ServerResponse, segments: string[]): Promise<void> => {
    const [objectSegment, idSegment, ...rest] = segments;
    if (objectSegment === undefined || rest.length > 0)
      return problem(res, 404, 'usage', 'use GET /v1/lookup/{object}/{legacyId} or POST /v1/lookup/{object}');
    const parsedObject = ObjectNameInputSchema.safeParse(objectSegment);
    if (!parsedObject.success)
      return problem(res, 400, 'usage', `object "${objectSegment}": ${parsedObject.error.issues[0]!.message}`);
    const object = parsedObject.data;
    if (!mapping.config.objects[object])
      return problem(res, 404, 'usage', `Object "${object}" is not in the mapping (it has: ${objects.join(', ')})`);

    try {
      if (idSegment !== undefined) {
        if (req.method !== 'GET' && req.method !== 'HEAD')
          return problem(res, 405, 'usage', `${req.method} is not allowed here: use GET`, { allow: 'GET, HEAD' });
        const result = await lookupOne(object, idSegment);
        if (!result.found) return sendJson(res, 404, { ok: false, result, error: notFoundVerdict(result) });
        return sendJson(res, 200, { ok: true, result });
      }
      if (req.method !== 'POST')
        return problem(res, 405, 'usage', `${req.method} is not allowed here: use POST with {"legacyIds": [...]}`, {
          allow: 'POST',
        });
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req, MAX_BODY_BYTES)).toString('utf8'));
      } catch (error) {
        if (error instanceof BodyTooLarge)
          return problem(res, 413, 'usage', `the body is over ${MAX_BODY_BYTES} bytes`, { connection: 'close' });
        return problem(res, 400, 'usage', `the body is not JSON: ${(error as Error).message}`);
      }
      const batch = BatchBodySchema.safeParse(body);
      if (!batch.success)
        return problem(res, 400, 'usage', 'send {"legacyIds": ["1000", "1002", ...]} (text or whole numbers)');
      if (batch.data.legacyIds.length > MAX_LOOKUP_BATCH)
        return problem(
          res,
          400,
          'usage',
          `at most ${MAX_LOOKUP_BATCH.toLocaleString('en')} legacy IDs per lookup (this one has ${batch.data.legacyIds.length.toLocaleString('en')})`,
        );
      const results = await lookupManyByLegacyId(db, mapping, {
        object,
        legacyIds: batch.data.legacyIds as Array<string | number>,
      });
      const found = results.filter((r) => r.found).length;
      return sendJson(res, 200, {
        ok: true,
        result: { object, requested: results.length, found, missing: results.length - found, results },
      });
    } catch (error) {
      const kind = classifyError(error);
      // Input the schemas refused is the caller's to fix; anything else is ours, logged here and not echoed.
      if (kind === 'usage' || kind === 'input') return problem(res, 400, kind, describeError(error));
      options.onError?.(error);
      return problem(res, 500, kind, 'the lookup failed on the server: see its log');
    }
  };
}
