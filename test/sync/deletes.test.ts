import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verdictOf } from '../../cli/actions/sync';
import { runSync, type SyncReport } from '../../core/sync/engine';
import { parseSyncJob, type SyncJob, type SyncJobInput } from '../../core/sync/job';
import { syncStatus } from '../../core/sync/status';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { loansJob, startSandbox, type Sandbox } from './fixtures';

let tdb: TestDatabase;
const boxes: Sandbox[] = [];
beforeAll(async () => {
  tdb = await createTestDatabase();
}, 60_000);
afterEach(async () => {
  await Promise.all(boxes.splice(0).map((b) => b.stop()));
});
afterAll(async () => tdb?.drop());

/** The worked example's job with the loans stream's delete policy (and the job's other settings) given. */
function jobWith(name: string, loans: Record<string, unknown>, extra: Partial<SyncJobInput> = {}): SyncJob {
  const base = loansJob();
  return parseSyncJob({
    ...base,
    ...extra,
    name,
    streams: base.streams.map((s) => (s.name === 'loans' ? { ...s, ...loans } : s)),
  });
}

async function setup(job: SyncJob) {
  const box = await startSandbox();
  boxes.push(box);
  const sync = (options: { dryRun?: boolean; allowMassDelete?: boolean } = {}) =>
    runSync({ db: tdb.db, job, source: box.source(), target: box.target(), ...options });
  const first = await sync();
  expect(first.status).toBe('succeeded');
  expect(box.pd.store.all('deals')).toHaveLength(20);
  const key = box.pd.store.customKey('deals', 'Salesforce ID');
  const dealOf = (loanId: string) =>
    [...box.pd.store.all('deals'), ...box.pd.store.deletedRecords('deals')].find(
      (d) => d.custom_fields[key] === loanId,
    )!;
  const pdDeletes = () => box.pd.requestsTo(/^\/api\/v2\/deals\/\d+$/).filter((r) => r.method === 'DELETE').length;
  const sfDeletes = () => box.sf.requests.filter((r) => r.method === 'DELETE').length;
  return { box, sync, dealOf, pdDeletes, sfDeletes };
}

const loans = (r: SyncReport) => r.streams.find((s) => s.stream === 'loans')!;
const audit = async (runId: string) =>
  (
    await tdb.db.pool.query(
      'SELECT stream, source_id, target_id, action, before, after, result FROM sync.audit WHERE run_id = $1 ORDER BY id',
      [runId],
    )
  ).rows;
// Both CRMs stamp changes to the second.
const tick = () => new Promise((resolve) => setTimeout(resolve, 1100));

describe('deletes that travel from the source to the target', () => {
  it('onDelete "nothing" (the default) leaves the target record alone', async () => {
    const { box, sync, dealOf, pdDeletes } = await setup(jobWith('del-nothing', {}));
    box.sf.store.delete('Loan__c', box.loans[0]!);
    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(loans(run).counts).toMatchObject({ deleted: 0, flagged: 0 });
    expect(pdDeletes()).toBe(0);
    expect(dealOf(box.loans[0]!).is_deleted).toBeUndefined();
  });

  it('"delete": the plan lists it, the run deletes it and logs the values it had, a re-run writes nothing', async () => {
    const { box, sync, dealOf, pdDeletes } = await setup(jobWith('del-delete', { onDelete: 'delete' }));
    const loan = box.loans[0]!;
    const deal = dealOf(loan);
    box.pd.edit('deals', deal.id, { title: 'Edited in Pipedrive' });
    box.sf.store.delete('Loan__c', loan);

    const plan = await sync({ dryRun: true });
    expect(plan.totals.deleted).toBe(1);
    expect(plan.plan.filter((e) => e.action === 'delete')).toEqual([
      expect.objectContaining({ stream: 'loans', sourceId: loan, targetId: String(deal.id) }),
    ]);
    expect(pdDeletes()).toBe(0);

    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(loans(run).counts.deleted).toBe(1);
    expect(pdDeletes()).toBe(1);
    expect(box.pd.store.all('deals')).toHaveLength(19);
    expect(dealOf(loan).is_deleted).toBe(true);
    const rows = (await audit(run.runId)).filter((r) => r.action === 'delete');
    // The before values are the target's, read just before the delete (the edit made there included): a restore
    // puts back what was lost.
    expect(rows).toEqual([
      {
        stream: 'loans',
        source_id: loan,
        target_id: String(deal.id),
        action: 'delete',
        before: expect.objectContaining({ title: 'Edited in Pipedrive', value: '1000', 'Salesforce ID': loan }),
        after: null,
        result: 'deleted',
      },
    ]);

    await tick();
    const writes = { ...box.pd.writes };
    const again = await sync();
    expect(loans(again).counts).toMatchObject({ deleted: 0, created: 0, updated: 0 });
    expect(pdDeletes()).toBe(1);
    expect(box.pd.writes).toEqual(writes);
  });

  it('the mass-delete guard stops a run before anything is deleted, and the override lets it through', async () => {
    const job = jobWith('del-guard', { onDelete: 'delete', maxDeleteShare: 0.1 });
    const { box, sync, pdDeletes } = await setup(job);
    // 3 of the 20 linked deals: 15 %, more than 10 %.
    const gone = [box.loans[0]!, box.loans[1]!, box.loans[3]!];
    for (const id of gone) box.sf.store.delete('Loan__c', id);

    const refused = await sync();
    // The borrowers stream went through; the loans stream stopped.
    expect(refused.status).toBe('partial');
    expect(refused.headline).toMatch(/Refused to delete 3 of the 20 deals records stream "loans" links in pipedrive/);
    expect(refused.headline).toMatch(/--allow-mass-delete/);
    expect(loans(refused)).toMatchObject({ status: 'failed', errorKind: 'input' });
    expect(verdictOf(refused)?.kind).toBe('input'); // exit code 3
    expect(pdDeletes()).toBe(0);
    expect(box.pd.store.all('deals')).toHaveLength(20);
    const status = await syncStatus(tdb.db.pool, job, { exclusive: false });
    expect(status.runs[0]).toMatchObject({ status: 'partial', error: expect.stringMatching(/Refused to delete 3/) });

    // The dry run says the same before anyone overrides.
    const plan = await sync({ dryRun: true });
    expect(
      plan.plan
        .filter((e) => e.action === 'delete')
        .map((e) => e.sourceId)
        .sort(),
    ).toEqual([...gone].sort());
    expect(loans(plan).status).toBe('failed');

    const allowed = await sync({ allowMassDelete: true });
    expect(allowed.status).toBe('succeeded');
    expect(loans(allowed).counts.deleted).toBe(3);
    expect(pdDeletes()).toBe(3);
    expect(box.pd.store.all('deals')).toHaveLength(17);
  });

  it('"flag" sets the named field instead of deleting, once', async () => {
    const job = jobWith('del-flag', { onDelete: 'flag', deleteFlag: { field: 'status', value: 'lost' } });
    const { box, sync, dealOf, pdDeletes } = await setup(job);
    const loan = box.loans[4]!;
    box.sf.store.delete('Loan__c', loan);
    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(loans(run).counts).toMatchObject({ flagged: 1, deleted: 0 });
    expect(pdDeletes()).toBe(0);
    expect(dealOf(loan)).toMatchObject({ status: 'lost' });
    expect(dealOf(loan).is_deleted).toBeUndefined();
    const rows = (await audit(run.runId)).filter((r) => r.action === 'flag');
    expect(rows).toEqual([
      expect.objectContaining({
        source_id: loan,
        after: { status: 'lost' },
        before: expect.objectContaining({ title: 'Loan 4' }),
        result: 'updated',
      }),
    ]);
    await tick();
    const writes = { ...box.pd.writes };
    const again = await sync();
    expect(loans(again).counts.flagged).toBe(0);
    expect(box.pd.writes).toEqual(writes);
  });

  it('a delete whose answer is lost, or that meets a 429 storm, is sent again and ends deleted once', async () => {
    const { box, sync, dealOf, pdDeletes } = await setup(jobWith('del-faults', { onDelete: 'delete' }));
    box.sf.store.delete('Loan__c', box.loans[0]!);
    // The first DELETE is applied but its answer never arrives; then Pipedrive refuses the next requests with 429.
    box.pd.faults.dropConnections(1, { afterProcessing: true, methods: ['DELETE'] });
    box.pd.faults.rateLimitStorm(3, 0);
    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(loans(run).counts).toMatchObject({ deleted: 1, failed: 0 });
    expect(dealOf(box.loans[0]!).is_deleted).toBe(true);
    expect(pdDeletes()).toBeGreaterThanOrEqual(2);
    const rows = (await audit(run.runId)).filter((r) => r.action === 'delete');
    // Sent again, it found the deal deleted already: `missing`, which closes the link like `deleted`.
    expect(rows).toEqual([expect.objectContaining({ source_id: box.loans[0]!, result: 'missing' })]);
    const sent = pdDeletes();
    const again = await sync();
    expect(loans(again).counts.deleted).toBe(0);
    expect(pdDeletes()).toBe(sent);
  });

  it('a flag field the target does not have fails the run before anything is written, named by its path', async () => {
    const box = await startSandbox();
    boxes.push(box);
    const job = jobWith('del-bad-flag', { onDelete: 'flag', deleteFlag: { field: 'gone_flag', value: 'x' } });
    await expect(runSync({ db: tdb.db, job, source: box.source(), target: box.target() })).rejects.toThrow(
      /streams\[1\]\.deleteFlag\.field: Pipedrive deals has no field "gone_flag"/,
    );
    expect(box.pd.writes).toEqual({ created: 0, updated: 0 });
  });

  it('a flag policy without its field, or a field without the policy, is refused by the job schema', async () => {
    expect(() => jobWith('del-bad', { onDelete: 'flag' })).toThrow(/onDelete "flag" needs deleteFlag/);
    expect(() => jobWith('del-bad', { deleteFlag: { field: 'status', value: 'lost' } })).toThrow(
      /deleteFlag is used only with onDelete "flag"/,
    );
  });
});

describe('two-way deletes', () => {
  it('carry a delete each way, never echo it back, and a re-run does nothing', async () => {
    const job = jobWith(
      'del-two-way',
      { onDelete: 'delete', maxDeleteShare: 0.2 },
      { direction: 'two-way', conflicts: { default: { strategy: 'lastWriteWins', precisionMs: 1000 } } },
    );
    const { box, sync, dealOf, pdDeletes, sfDeletes } = await setup(job);

    // Deleted in Pipedrive: the loan is deleted in Salesforce; the forward pass then reads that deletion as its own.
    const a = box.loans[0]!;
    box.pd.store.delete('deals', dealOf(a).id);
    const back = await sync();
    expect(back.status).toBe('succeeded');
    expect(loans(back).counts).toMatchObject({ reverseDeleted: 1, deleted: 0 });
    expect(loans(back).counts.echoes).toBeGreaterThanOrEqual(1);
    expect(box.sf.store.get('Loan__c', a)).toBeUndefined();
    expect(sfDeletes()).toBe(1);
    const reverseAudit = (await audit(back.runId)).filter((r) => r.action === 'delete');
    expect(reverseAudit).toEqual([
      expect.objectContaining({
        stream: 'loans~reverse',
        source_id: a,
        result: 'deleted',
        before: expect.objectContaining({ Name: 'Loan 0' }),
      }),
    ]);

    // Deleted in Salesforce: the deal is deleted; the next run reads that deletion in Pipedrive as its own.
    const b = box.loans[1]!;
    box.sf.store.delete('Loan__c', b);
    const forth = await sync();
    expect(loans(forth).counts).toMatchObject({ deleted: 1, reverseDeleted: 0 });
    expect(dealOf(b).is_deleted).toBe(true);
    expect(pdDeletes()).toBe(1);

    await tick();
    const quiet = await sync();
    expect(quiet.status).toBe('succeeded');
    expect(loans(quiet).counts).toMatchObject({ deleted: 0, reverseDeleted: 0, created: 0, updated: 0 });
    expect(loans(quiet).counts.echoes).toBeGreaterThanOrEqual(2);
    expect(sfDeletes()).toBe(1);
    expect(pdDeletes()).toBe(1);
  });
});
