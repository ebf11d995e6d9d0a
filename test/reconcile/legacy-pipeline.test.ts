/**
 * The legacy phase decides one batch while the one before it is written (streamLegacy in scratch.ts). What must hold:
 * the statements of one connection in a safe order, every batch written once and in file order, and a failed write
 * stopping the phase with that failure, after nothing else is left running.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInMapping } from '../../core/mapping/load-mapping';
import { ObjectMapper } from '../../core/mapping/object-mapper';
import type { LegacySide } from '../../core/reconcile/classify';
import type { MappedItem } from '../../core/reconcile/legacy-batches';
import { streamLegacy, type LegacyStages } from '../../core/reconcile/scratch';
import { QuarantineWriter } from '../../core/staging/quarantine';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const mapper = new ObjectMapper(builtInMapping().config, 'companies');
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

function side(id: string, line: number): LegacySide {
  return { legacyId: id, source: 'Company.csv', line, legacyProperties: {}, mapped: {}, issues: [] };
}

async function* items(ids: string[]): AsyncGenerator<MappedItem[]> {
  yield ids.map((id, i) => ({ kind: 'record', side: side(id, i + 2), originLine: i + 2 }));
}

/** Stages that record what happens when, and fail the write of the batch starting with `failOn`. */
function recordingStages(failOn?: string): { stages: LegacyStages<string[]>; events: string[] } {
  const events: string[] = [];
  const stages: LegacyStages<string[]> = {
    async lookup(batch) {
      events.push(`lookup ${batch[0]!.legacyId}`);
      return batch.map((b) => b.legacyId);
    },
    async decide(batch, found) {
      events.push(`decide ${found[0]} start`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push(`decide ${found[0]} end`);
      return async () => {
        events.push(`write ${batch[0]!.legacyId} start`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (batch[0]!.legacyId === failOn) throw new Error(`write of ${failOn} failed`);
        events.push(`write ${batch[0]!.legacyId} end`);
      };
    },
  };
  return { stages, events };
}

async function run(ids: string[], stages: LegacyStages<string[]>): Promise<number> {
  const sql = t.db.pool;
  const runId = randomUUID();
  const quarantine = new QuarantineWriter(sql, runId);
  return streamLegacy(sql, runId, 'companies', items(ids), mapper, quarantine, 2, stages);
}

describe('the legacy phase pipeline', () => {
  it('looks up batch N+1 before writing batch N, decides N+1 while N is written, and writes every batch once', async () => {
    const { stages, events } = recordingStages();
    const loaded = await run(['a', 'b', 'c', 'd', 'e'], stages);
    expect(loaded).toBe(5);
    expect(events).toEqual([
      'lookup a',
      'decide a start',
      'decide a end',
      'lookup c',
      'write a start',
      'decide c start',
      'decide c end',
      'write a end',
      'lookup e',
      'write c start',
      'decide e start',
      'decide e end',
      'write c end',
      'write e start',
      'write e end',
    ]);
  });

  it('a repeated legacy ID is decided once, at its first line', async () => {
    const { stages, events } = recordingStages();
    expect(await run(['a', 'b', 'a', 'c'], stages)).toBe(3);
    expect(events.filter((e) => e.startsWith('write') && e.endsWith('start'))).toEqual([
      'write a start',
      'write c start',
    ]);
  });

  it('a failed write stops the phase with its error once the batch being decided has settled; no later batch is written', async () => {
    const { stages, events } = recordingStages('c');
    await expect(run(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], stages)).rejects.toThrow('write of c failed');
    expect(events).toContain('decide e end');
    expect(events).not.toContain('write e start');
    expect(events).not.toContain('lookup g');
  });
});
