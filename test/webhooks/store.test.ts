import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimNotices,
  markNoticesProcessed,
  pendingNotices,
  pruneNotices,
  recordNotices,
  webhookCounts,
  type ChangeNotice,
} from '../../core/webhooks';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.drop());

const notice = (recordId: string, eventId: string, object = 'contacts'): ChangeNotice => ({
  system: 'hubspot',
  object,
  recordId,
  eventId,
  occurredAt: '2026-11-20T10:00:00.000Z',
  action: 'update',
});

describe('change notice store', () => {
  it('stores one row per (system, event) when two connections record the same events at the same time', async () => {
    const batch = [notice('1', 'e1'), notice('2', 'e2'), notice('2', 'e2')];
    const results = await Promise.all([0, 1].map(() => database.db.withConnection((sql) => recordNotices(sql, batch))));
    expect(results.map((r) => r.accepted.length).sort()).toEqual([0, 2]);
    expect(results.map((r) => r.replayed.length).sort()).toEqual([1, 3]);
    const { rows } = await database.db.pool.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM sync.change_notices WHERE system = 'hubspot'",
    );
    expect(rows[0]!.n).toBe('2');
    const counts = await webhookCounts(database.db.pool);
    expect(counts.filter((c) => c.system === 'hubspot').map((c) => [c.outcome, c.count])).toEqual([
      ['accepted', 2],
      ['replayed', 4],
    ]);
  });

  it('lists pending notices by object in arrival order, claims disjoint sets, and forgets processed ones', async () => {
    await recordNotices(database.db.pool, [
      notice('10', 'e10', 'deals'),
      notice('11', 'e11', 'deals'),
      notice('12', 'e12', 'deals'),
    ]);
    const pending = await pendingNotices(database.db.pool, { system: 'hubspot', object: 'deals' });
    expect(pending.map((n) => n.recordId)).toEqual(['10', '11', '12']);
    expect(await pendingNotices(database.db.pool, { object: 'deals', afterId: pending[0]!.id })).toHaveLength(2);
    const [a, b] = await Promise.all(
      [0, 1].map(() => database.db.withConnection((sql) => claimNotices(sql, { object: 'deals', limit: 2 }))),
    );
    const claimed = [...a!, ...b!].map((n) => n.recordId).sort();
    expect(claimed).toEqual(['10', '11', '12']);
    expect(await claimNotices(database.db.pool, { object: 'deals' })).toEqual([]);
    expect(
      await markNoticesProcessed(
        database.db.pool,
        pending.slice(0, 2).map((n) => n.id),
      ),
    ).toBe(2);
    expect((await pendingNotices(database.db.pool, { object: 'deals' })).map((n) => n.recordId)).toEqual(['12']);
  });

  it('prunes only processed notices older than the retention', async () => {
    await database.db.pool.query(
      "UPDATE sync.change_notices SET received_at = now() - interval '8 days' WHERE object = 'deals'",
    );
    // 10 and 11 are processed and old; 12 is old but still pending, so it stays.
    expect(await pruneNotices(database.db.pool, 7)).toBe(2);
    expect((await pendingNotices(database.db.pool, { object: 'deals' })).map((n) => n.recordId)).toEqual(['12']);
    expect(await pruneNotices(database.db.pool, 7)).toBe(0);
  });
});
