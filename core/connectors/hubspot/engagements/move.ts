import type { UpsertInput, UpsertResult } from '../../connector';
import type { Value } from '../../connector';
import { associate } from '../associations';
import type { HubSpotUpsertOptions } from '../upsert-options';
import { ownValues, toNative, toUnified } from './translate';
import { OBJECT_OF, UNIFIED, type EngagementType } from './types';
import type { Carrier, EngagementUpsertResult, UpsertContext } from './contracts';
import { groupBy } from './group';

/** A record HubSpot holds as `from.type` that the input makes a `to`. */
export interface Move {
  index: number;
  from: Carrier;
  to: EngagementType;
}

/** A key carried by `keep` (the named type) and by `others` (elsewhere): a move that stopped before it archived. */
export interface Leftover {
  index: number;
  keep: Carrier;
  others: Carrier[];
}

/** The objects an engagement is associated with that a move carries over. */
const PARENT_OBJECTS = ['companies', 'contacts', 'deals'];
const blank = (v: Value | undefined) => v === undefined || v === null || v === '';

/**
 * Gives each new record the associations of the record it replaces (with companies, contacts, deals). A link HubSpot
 * refuses marks the result failed, so the old record is kept and the next run tries again.
 */
async function copyAssociations(
  u: UpsertContext,
  pairs: Array<{ from: Carrier; to: EngagementType; result: UpsertResult }>,
): Promise<void> {
  for (const parentObject of PARENT_OBJECTS) {
    const links: Array<{ to: EngagementType; link: { result: UpsertResult; parentId: string; parentKey: string } }> =
      [];
    for (const [type, some] of groupBy(pairs, (p) => p.from.type)) {
      const linked = await u.base.readAssociations(
        OBJECT_OF[type],
        some.map((p) => p.from.id),
        parentObject,
      );
      for (const p of some)
        for (const parentId of linked.get(p.from.id) ?? [])
          links.push({ to: p.to, link: { result: p.result, parentId, parentKey: parentId } });
    }
    for (const [to, some] of groupBy(links, (l) => l.to)) {
      await associate(
        u.ctx,
        OBJECT_OF[to],
        { toObject: parentObject, toKeyProperty: 'hs_object_id', keyFrom: 'hs_object_id' },
        some.map((l) => l.link),
      );
    }
  }
}

/** Archives replaced records (`batch/archive`, 100 a call); returns the reason per record that could not be. */
async function archive(u: UpsertContext, carriers: Carrier[]): Promise<Map<string, string>> {
  const refused = new Map<string, string>();
  for (const [type, some] of groupBy(carriers, (c) => c.type)) {
    const object = OBJECT_OF[type];
    for (let i = 0; i < some.length; i += 100) {
      const chunk = some.slice(i, i + 100);
      try {
        await u.ctx.call(`archive ${object}`, () =>
          u.ctx.client.crm.objects.batchApi.archiveWithHttpInfo(object, { inputs: chunk.map((c) => ({ id: c.id })) }),
        );
      } catch (error) {
        for (const c of chunk) refused.set(c.id, (error as Error).message);
      }
    }
  }
  return refused;
}

/**
 * Moves records to the type their input names: each is re-created in that type by an upsert on its key (with every
 * value it had, translated, and the input's on top), given its associations, and only then archived where it was.
 * So an interruption leaves the key on both records, never on none: the next run finds the two and finishes (see
 * `finishMoves`). The result is `updated`, with the new record's ID and the one it replaced.
 */
export async function moveEngagements(
  u: UpsertContext,
  records: UpsertInput[],
  moves: Move[],
  options: HubSpotUpsertOptions,
  results: Array<EngagementUpsertResult | undefined>,
  defined: Record<EngagementType, Set<string>>,
): Promise<void> {
  const { schema } = await u.view.unified();
  const writable = schema.fields
    .filter((f) => !f.readOnly && f.name !== UNIFIED.type && f.name !== options.keyProperty)
    .map((f) => f.name);
  const virtual = new Set((options.associations ?? []).map((a) => a.keyFrom));
  const fail = (m: Move, reason: string) =>
    (results[m.index] = {
      key: records[m.index]!.key,
      status: 'failed',
      error: `engagement ${options.keyProperty}=${records[m.index]!.key}: ${reason}`,
    });
  const full = new Map<string, Record<string, Value>>();
  for (const [type, some] of groupBy(moves, (m) => m.from.type)) {
    for await (const item of u.base.readByIds(
      OBJECT_OF[type],
      some.map((m) => m.from.id),
      { properties: [...defined[type]] },
    )) {
      if (item.type === 'record') full.set(item.record.id, item.record.properties);
    }
  }
  const sends: Array<{ move: Move; input: UpsertInput }> = [];
  for (const m of moves) {
    const native = full.get(m.from.id);
    if (!native) {
      fail(m, `${OBJECT_OF[m.from.type]} ${m.from.id}, which carries it, could not be read back to move it`);
      continue;
    }
    const current = toUnified(m.from.type, native);
    const merged: Record<string, Value> = {};
    for (const name of writable) if (!blank(current[name])) merged[name] = current[name]!;
    for (const [k, v] of Object.entries(ownValues(records[m.index]!, virtual)))
      if (blank(v)) delete merged[k];
      else merged[k] = v;
    const { properties, problems } = toNative(m.to, merged, { defined: defined[m.to] });
    if (problems.length) {
      fail(
        m,
        `it is a ${m.from.type} in HubSpot (${OBJECT_OF[m.from.type]} ${m.from.id}) to be re-created as a ${m.to}, but ${problems.join('; ')}`,
      );
      continue;
    }
    const parents = Object.fromEntries(Object.entries(records[m.index]!.properties).filter(([k]) => virtual.has(k)));
    sends.push({ move: m, input: { key: records[m.index]!.key, properties: { ...properties, ...parents } } });
  }

  const written: Array<{ from: Carrier; to: EngagementType; result: EngagementUpsertResult; move: Move }> = [];
  for (const [to, some] of groupBy(sends, (s) => s.move.to)) {
    const answers = await u.base.upsert(
      OBJECT_OF[to],
      some.map((s) => s.input),
      { ...options, detectUnchanged: false },
    );
    answers.forEach((a, n) => {
      const { move } = some[n]!;
      if (a.status === 'failed' || !a.id)
        return fail(
          move,
          `re-creating it as a ${to} failed (the ${move.from.type} ${move.from.id} is kept): ${a.error ?? 'no ID returned'}`,
        );
      u.view.remember(a.id, to);
      const result: EngagementUpsertResult = {
        key: a.key,
        status: 'updated',
        id: a.id,
        object: OBJECT_OF[to],
        replaced: { object: OBJECT_OF[move.from.type], id: move.from.id },
      };
      written.push({ from: move.from, to, result, move });
    });
  }
  await copyAssociations(u, written);
  const ready = written.filter((w) => w.result.status !== 'failed');
  const refused = await archive(
    u,
    ready.map((w) => w.from),
  );
  for (const w of written) {
    const reason = w.result.status === 'failed' ? w.result.error : refused.get(w.from.id);
    results[w.move.index] = reason
      ? {
          ...w.result,
          status: 'failed',
          error: `engagement ${options.keyProperty}=${w.result.key}: re-created as ${OBJECT_OF[w.to]} ${w.result.id}, but the ${w.from.type} ${w.from.id} is kept (${reason}); the next run finishes the move`,
        }
      : w.result;
  }
}

/** Finishes moves an interruption left: the records outside the named type give their associations to `keep`, then are archived. */
export async function finishMoves(
  u: UpsertContext,
  leftovers: Leftover[],
  results: Array<EngagementUpsertResult | undefined>,
): Promise<void> {
  const pending = leftovers.filter((l) => results[l.index] && results[l.index]!.status !== 'failed');
  const pairs = pending.flatMap((l) =>
    l.others.map((from) => ({
      from,
      to: l.keep.type,
      result: { key: results[l.index]!.key, status: 'updated', id: l.keep.id } as UpsertResult,
      leftover: l,
    })),
  );
  await copyAssociations(u, pairs);
  const refused = await archive(
    u,
    pairs.filter((p) => p.result.status !== 'failed').map((p) => p.from),
  );
  for (const p of pairs) {
    const reason = p.result.status === 'failed' ? p.result.error : refused.get(p.from.id);
    const r = results[p.leftover.index]!;
    if (reason)
      results[p.leftover.index] = {
        ...r,
        status: 'failed',
        error: `${r.error ? `${r.error}; ` : ''}the ${p.from.type} ${p.from.id} left by an interrupted move is kept (${reason})`,
      };
    else results[p.leftover.index] = { ...r, replaced: { object: OBJECT_OF[p.from.type], id: p.from.id } };
  }
}
