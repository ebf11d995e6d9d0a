import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runSync } from '../../core/sync/engine';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { loansJob, restartEmpty, startSandbox, type Sandbox } from './fixtures';
import { disagreements, sfKey } from './processes';

let tdb: TestDatabase;
let box: Sandbox;

beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await box?.stop();
  await tdb.drop();
});
beforeEach(async () => {
  await box?.stop();
  box = await startSandbox();
  await tdb.db.pool.query('TRUNCATE sync.cursors, sync.records, sync.pending, sync.audit, sync.runs');
});

const run = (options: { full?: boolean; dryRun?: boolean; job?: ReturnType<typeof loansJob> } = {}) =>
  runSync({
    db: tdb.db,
    job: options.job ?? loansJob(),
    source: box.source(),
    target: box.target(),
    full: options.full ?? false,
    dryRun: options.dryRun ?? false,
    planLimit: 500,
  });
const inScope = () => box.loans.filter((_, i) => i % 3 !== 2);
const borrowersInScope = () =>
  new Set(inScope().map((id) => String(box.sf.store.get('Loan__c', id)!.Primary_Borrower__c))).size;
const loans = (r: Awaited<ReturnType<typeof run>>) => r.streams.find((s) => s.stream === 'loans')!;
const borrowers = (r: Awaited<ReturnType<typeof run>>) => r.streams.find((s) => s.stream === 'borrowers')!;

describe('sync trusts the target, not only its memory of what it wrote', () => {
  it('after the sandbox comes back empty, a re-run creates the 20 deals and their persons again instead of calling them unchanged', async () => {
    const first = await run();
    expect(loans(first).counts).toMatchObject({ created: 20, failed: 0 });
    const oldDealIds = box.pd.store.all('deals').map((d) => d.id);

    // A second later than the first seeding: Salesforce stamps to the second, and records re-seeded with the very stamps
    // the engine wrote them at could not be told from those it wrote.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    box = await restartEmpty(box, { salesforce: true, pipedrive: true });
    expect(box.pd.store.all('deals')).toHaveLength(0);
    const again = await run();
    expect(again.status).toBe('succeeded');
    expect(loans(again).counts).toMatchObject({ created: 20, recreated: 20, unchanged: 0, failed: 0 });
    expect(borrowers(again).counts).toMatchObject({
      created: borrowersInScope(),
      recreated: borrowersInScope(),
      unchanged: 0,
    });
    // Each deal is back, with its values, pointing at its borrower's new person.
    expect(box.pd.store.all('deals')).toHaveLength(20);
    expect(disagreements(box, new Set())).toEqual([]);
    const line = again.plan.find((e) => e.stream === 'loans' && e.action === 'create')!;
    expect(oldDealIds.map(String)).toContain(line.targetId);
    expect(line.reason).toBe(`the target no longer has deals ${line.targetId}, which this job wrote: created again`);

    // And now memory and target agree again: nothing more to do.
    const third = await run();
    expect(third.totals).toMatchObject({ created: 0, updated: 0, recreated: 0 });
  });

  it('Pipedrive alone wiped: a run that reads nothing new cannot notice, sync --full re-reads and recreates everything', async () => {
    // No look-back window, so the incremental run truly reads nothing.
    const job = loansJob({ lookbackSeconds: 0 });
    await run({ job });
    const cursor = (
      await tdb.db.pool.query<{ cursor: string }>(`SELECT cursor FROM sync.cursors WHERE stream = 'loans'`)
    ).rows[0]!.cursor;
    box = await restartEmpty(box, { salesforce: false, pipedrive: true });

    const incremental = await run({ job });
    expect(incremental.totals).toMatchObject({ read: 0, created: 0, unchanged: 0, verified: 0 });
    expect(box.pd.store.all('deals')).toHaveLength(0);

    // The dry run of --full says what it would do, and why, without writing.
    const plan = await run({ job, full: true, dryRun: true });
    expect(loans(plan).counts).toMatchObject({ read: 30, created: 20, recreated: 20 });
    expect(
      plan.plan.filter(
        (e) => e.stream === 'loans' && e.action === 'create' && e.reason?.startsWith('the target no longer has deals'),
      ),
    ).toHaveLength(20);
    expect(box.pd.store.all('deals')).toHaveLength(0);

    const full = await run({ job, full: true });
    expect(full.full).toBe(true);
    expect(full.status).toBe('succeeded');
    expect(loans(full).counts).toMatchObject({ read: 30, skipped: 10, created: 20, recreated: 20, failed: 0 });
    expect(borrowers(full).counts).toMatchObject({ recreated: borrowersInScope() });
    expect(disagreements(box, new Set())).toEqual([]);
    // The full read never moves the cursor back.
    const after = (
      await tdb.db.pool.query<{ cursor: string }>(`SELECT cursor FROM sync.cursors WHERE stream = 'loans'`)
    ).rows[0]!.cursor;
    expect(after).toBe(cursor);
  });

  it('a run right after a run reads its records again from the look-back window and does not read them back from the target', async () => {
    // A look-back of ten minutes: however slow the machine, every record is read again.
    const job = loansJob({ lookbackSeconds: 600 });
    await run({ job });
    const before = box.pd.log.length;
    const again = await run({ job });
    expect(loans(again).counts).toMatchObject({ reread: 30, unchanged: 20, verified: 0, created: 0, updated: 0 });
    // Not one read by ID: those are the versions this job just wrote.
    expect(box.pd.log.slice(before).filter((r) => r.query.ids !== undefined)).toEqual([]);
  });

  it('a full run over a target that matches writes nothing: every linked record is read back and confirmed', async () => {
    await run();
    const writes = { ...box.pd.writes };
    const full = await run({ full: true });
    expect(full.status).toBe('succeeded');
    expect(loans(full).counts).toMatchObject({
      read: 30,
      unchanged: 20,
      verified: 20,
      created: 0,
      updated: 0,
      repaired: 0,
    });
    expect(borrowers(full).counts).toMatchObject({
      unchanged: borrowersInScope(),
      verified: borrowersInScope(),
      updated: 0,
    });
    expect(box.pd.writes).toEqual(writes);
  });

  it('a mapped field changed by hand in Pipedrive is put back when the record is checked; a field the job does not map is left alone', async () => {
    await run();
    const dealKey = sfKey(box, 'deals');
    const deal = box.pd.store.all('deals').find((d) => d.custom_fields[dealKey] === box.loans[0])!;
    box.pd.edit('deals', deal.id, { title: 'Typed over by hand', expected_close_date: '2027-01-31' });

    const full = await run({ full: true });
    expect(loans(full).counts).toMatchObject({ updated: 1, repaired: 1, unchanged: 19, verified: 19 });
    const line = full.plan.find((e) => e.stream === 'loans' && e.sourceId === box.loans[0])!;
    expect(line).toMatchObject({
      action: 'update',
      changes: [{ field: 'title', old: 'Typed over by hand', new: 'Loan 0' }],
      reason: `deals ${deal.id} was changed in the target since this job wrote it: its values are put back`,
    });
    const now = box.pd.store.get('deals', deal.id)!;
    expect(now.title).toBe('Loan 0');
    expect(now.expected_close_date).toBe('2027-01-31');
  });

  it('a loan read again for a change the job does not map is checked too: deleted in Pipedrive, its deal comes back', async () => {
    await run();
    const dealKey = sfKey(box, 'deals');
    const gone = box.pd.store.all('deals').find((d) => d.custom_fields[dealKey] === box.loans[3])!;
    box.pd.store.delete('deals', gone.id);
    // The loan number is not mapped: the plan finds nothing to send and, without the check, would call it unchanged.
    // (A second later: Salesforce stamps to the second, and a version stamped like the one the engine wrote, read again
    // from the look-back window, is taken for that version and not checked again.)
    await new Promise((resolve) => setTimeout(resolve, 1100));
    box.sf.editRecord('Loan__c', box.loans[3]!, { Loan_Number__c: 'LN-3-renumbered' });
    const again = await run();
    expect(loans(again).counts).toMatchObject({ created: 1, recreated: 1, updated: 0 });
    expect(disagreements(box, new Set())).toEqual([]);
  });
});
