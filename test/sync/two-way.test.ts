import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync, type SyncReport } from '../../core/sync/engine';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { loansJob, startSandbox, type Sandbox } from './fixtures';

let tdb: TestDatabase;
let box: Sandbox;
const job = loansJob({
  direction: 'two-way',
  conflicts: { default: { strategy: 'lastWriteWins', precisionMs: 1000 } },
});
const sync = () => runSync({ db: tdb.db, job, source: box.source(), target: box.target() });
const stream = (r: SyncReport, name: string) => r.streams.find((s) => s.stream === name)!.counts;
const dealOf = (loanId: string) =>
  box.pd.store.all('deals').find((d) => d.custom_fields[box.pd.store.customKey('deals', 'Salesforce ID')] === loanId)!;
const sfWrites = () =>
  box.sf.requests.filter((r) => r.method !== 'GET' && r.path.includes('/composite/sobjects')).length;
const tick = () => new Promise((resolve) => setTimeout(resolve, 1100)); // both CRMs stamp changes to the second

beforeAll(async () => {
  tdb = await createTestDatabase();
  box = await startSandbox();
  const first = await sync();
  expect(first.status).toBe('succeeded');
  expect(deals()).toHaveLength(20);
}, 60_000);
afterAll(async () => {
  await box?.stop();
  await tdb?.drop();
});
const deals = () => box.pd.store.all('deals');

describe('two-way sync', () => {
  it('recognises its own writes coming back and echoes nothing', async () => {
    await tick();
    const pdWrites = { ...box.pd.writes };
    const sf = sfWrites();
    const again = await sync();
    expect(stream(again, 'loans')).toMatchObject({ reverseUpdated: 0, created: 0, updated: 0, conflicts: 0 });
    expect(stream(again, 'loans').echoes).toBeGreaterThanOrEqual(20);
    expect(box.pd.writes).toEqual(pdWrites);
    expect(sfWrites()).toBe(sf);
  });

  it('brings an edit made in Pipedrive back to Salesforce, once', async () => {
    const deal = dealOf(box.loans[0]!);
    box.pd.edit('deals', deal.id, { title: 'Renamed in Pipedrive' });
    const sfBefore = sfWrites();
    const run = await sync();
    expect(sfWrites()).toBe(sfBefore + 1);
    expect(stream(run, 'loans')).toMatchObject({ reverseUpdated: 1, conflicts: 0 });
    expect(box.sf.store.get('Loan__c', box.loans[0]!)!.Name).toBe('Renamed in Pipedrive');
    const { rows } = await tdb.db.pool.query(`SELECT stream, before, after, result FROM sync.audit WHERE run_id = $1`, [
      run.runId,
    ]);
    expect(rows).toEqual([
      {
        stream: 'loans~reverse',
        before: { title: 'Loan 0' },
        after: { title: 'Renamed in Pipedrive' },
        result: 'updated',
      },
    ]);

    // Salesforce now has a change the engine made itself: the next run writes nothing either way.
    await tick();
    const pdWrites = { ...box.pd.writes };
    const sf = sfWrites();
    const quiet = await sync();
    expect(stream(quiet, 'loans')).toMatchObject({ updated: 0, created: 0, reverseUpdated: 0 });
    expect(box.pd.writes).toEqual(pdWrites);
    expect(sfWrites()).toBe(sf);
  });

  it('settles a field edited on both sides by the conflict rules: the later edit wins, on both sides', async () => {
    const [a, b] = [box.loans[1]!, box.loans[3]!];
    // a: Salesforce first, Pipedrive later -> Pipedrive's value wins.
    box.sf.editRecord('Loan__c', a, { Amount__c: 111 });
    // b: Pipedrive first, Salesforce later -> Salesforce's value wins.
    box.pd.edit('deals', dealOf(b).id, { value: 333 });
    await tick();
    box.pd.edit('deals', dealOf(a).id, { value: 222 });
    box.sf.editRecord('Loan__c', b, { Amount__c: 444 });
    const run = await sync();
    expect(stream(run, 'loans').conflicts).toBe(2);
    expect([box.sf.store.get('Loan__c', a)!.Amount__c, Number(dealOf(a).value)]).toEqual([222, 222]);
    expect([box.sf.store.get('Loan__c', b)!.Amount__c, Number(dealOf(b).value)]).toEqual([444, 444]);
    await tick();
    const pdWrites = { ...box.pd.writes };
    const quiet = await sync();
    expect(stream(quiet, 'loans')).toMatchObject({ updated: 0, reverseUpdated: 0, conflicts: 0 });
    expect(box.pd.writes).toEqual(pdWrites);
  });
});
