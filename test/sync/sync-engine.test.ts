import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runSync } from '../../core/sync/engine';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { loansJob, startSandbox, type Sandbox } from './fixtures';

let tdb: TestDatabase;
let box: Sandbox;

beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});
beforeEach(async () => {
  await box?.stop();
  box = await startSandbox();
  await tdb.db.pool.query('TRUNCATE sync.cursors, sync.records, sync.pending, sync.audit, sync.runs');
});

const deals = () => box.pd.store.all('deals');
const persons = () => box.pd.store.all('persons');
const sfIdOf = (object: 'deals' | 'persons', r: { custom_fields: Record<string, unknown> }) =>
  r.custom_fields[box.pd.store.customKey(object, 'Salesforce ID')];

describe('sync engine: Salesforce loans and borrowers to Pipedrive deals and persons', () => {
  it('plans without writing anything, then applies the plan: persons before the deals that point at them', async () => {
    const job = loansJob();
    const plan = await runSync({ db: tdb.db, job, source: box.source(), target: box.target(), dryRun: true });
    const inScope = box.loans.filter((_, i) => i % 3 !== 2);
    expect(plan.status).toBe('succeeded');
    expect(
      plan.plan
        .filter((e) => e.stream === 'loans' && e.action === 'create')
        .map((e) => e.sourceId)
        .sort(),
    ).toEqual([...inScope].sort());
    expect(plan.plan.filter((e) => e.stream === 'loans' && e.action === 'skip')).toHaveLength(
      box.loans.length - inScope.length,
    );
    const firstDeal = plan.plan.find((e) => e.stream === 'loans' && e.action === 'create')!;
    expect(firstDeal.changes).toEqual(
      expect.arrayContaining([
        { field: 'title', new: 'Loan 0' },
        { field: 'value', new: '1000' },
        { field: 'status', new: 'won' },
      ]),
    );
    expect(firstDeal.changes!.find((c) => c.field === 'person_id')!.new).toBe(`(new borrowers ${box.contacts[0]})`);
    expect(deals()).toHaveLength(0);
    expect(persons()).toHaveLength(0);
    expect((await tdb.db.pool.query('SELECT count(*)::int AS n FROM sync.cursors')).rows[0]!.n).toBe(0);

    const run = await runSync({ db: tdb.db, job, source: box.source(), target: box.target() });
    expect(run.status).toBe('succeeded');
    const borrowersOfScope = new Set(
      box.loans.map((_, i) => (i % 3 !== 2 ? box.contacts[i % box.contacts.length] : null)).filter(Boolean),
    );
    expect(run.streams.find((s) => s.stream === 'loans')!.counts).toMatchObject({
      read: 30,
      skipped: 10,
      created: 20,
      failed: 0,
      deferred: 0,
    });
    expect(run.streams.find((s) => s.stream === 'borrowers')!.counts.created).toBe(borrowersOfScope.size);
    expect(deals()).toHaveLength(20);
    expect(persons()).toHaveLength(borrowersOfScope.size);
    // Every deal points at the person of its loan's borrower, with mapped values.
    const personBySfId = new Map(persons().map((p) => [sfIdOf('persons', p), p]));
    for (const d of deals()) {
      const loan = box.sf.store.get('Loan__c', String(sfIdOf('deals', d)))!;
      const person = personBySfId.get(String(loan.Primary_Borrower__c))!;
      expect(d.person_id).toBe(person.id);
      expect(d.title).toBe(loan.Name);
      expect(Number(d.value)).toBe(loan.Amount__c);
      expect(loan.Loan_Officer__c).toBe(box.officerId);
      // Stage by name within the Loans pipeline (a Declined loan keeps no stage of its own: blanks never overwrite).
      const pipeline = box.pd.store.pipelines.find((p) => p.name === 'Loans')!;
      expect(d.pipeline_id).toBe(pipeline.id);
      const stage = box.pd.store.stages.find((s) => s.id === d.stage_id);
      if (loan.Stage__c !== 'Declined') expect(stage).toMatchObject({ name: loan.Stage__c, pipeline_id: pipeline.id });
    }
    const contact = box.sf.store.get('Contact', box.contacts[0]!)!;
    const person = personBySfId.get(box.contacts[0])!;
    expect(person.name).toBe(`${contact.FirstName} ${contact.LastName}`);
    expect(person.emails).toEqual([expect.objectContaining({ value: 'borrower0@example.com', primary: true })]);
  });

  it('a second run reads nothing new and writes nothing; a change in Salesforce flows as an update with before/after in the audit log', async () => {
    const job = loansJob();
    await runSync({ db: tdb.db, job, source: box.source(), target: box.target() });
    const writesAfterFirst = { ...box.pd.writes };
    const again = await runSync({ db: tdb.db, job, source: box.source(), target: box.target() });
    expect(again.totals).toMatchObject({ read: 0, created: 0, updated: 0 });
    expect(box.pd.writes).toEqual(writesAfterFirst);

    // Salesforce stamps changes to the second: edits in a later second than the cursor count as new reads (the same
    // second would count them as read again from the look-back window, and sync them just the same).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    box.sf.editRecord('Loan__c', box.loans[0]!, { Amount__c: 5555 });
    box.sf.editRecord('Contact', box.contacts[0]!, { Email: 'new.address@example.com' });
    box.sf.editRecord('Loan__c', box.loans[2]!, { Amount__c: 1 }); // another officer's loan: out of scope
    const third = await runSync({ db: tdb.db, job, source: box.source(), target: box.target() });
    expect(third.streams.find((s) => s.stream === 'loans')!.counts).toMatchObject({
      read: 2,
      updated: 1,
      skipped: 1,
      created: 0,
    });
    expect(third.streams.find((s) => s.stream === 'borrowers')!.counts).toMatchObject({ read: 1, updated: 1 });
    const deal = deals().find((d) => sfIdOf('deals', d) === box.loans[0])!;
    expect(Number(deal.value)).toBe(5555);
    const { rows } = await tdb.db.pool.query(
      `SELECT before, after, result, action FROM sync.audit WHERE run_id = $1 AND stream = 'loans' AND source_id = $2`,
      [third.runId, box.loans[0]],
    );
    expect(rows).toEqual([
      { before: { value: '1000' }, after: { value: '5555' }, result: 'updated', action: 'update' },
    ]);
    expect(box.pd.writes.created).toBe(writesAfterFirst.created);
  });

  it('a borrower who is nobody’s borrower is not synced, even when edited', async () => {
    const job = loansJob();
    const [loner] = box.sf.store.insert('Contact', [
      { FirstName: 'Not', LastName: 'ABorrower', Email: 'loner@example.com' },
    ]);
    await runSync({ db: tdb.db, job, source: box.source(), target: box.target() });
    box.sf.editRecord('Contact', loner!.Id, { Email: 'loner2@example.com' });
    const run = await runSync({ db: tdb.db, job, source: box.source(), target: box.target() });
    const counts = run.streams.find((s) => s.stream === 'borrowers')!.counts;
    // Read as a new change, or (edited in the cursor's own second) again from the look-back window: never written.
    expect(counts.created + counts.updated).toBe(0);
    expect(counts.skipped + counts.reread).toBeGreaterThanOrEqual(1);
    expect(persons().some((p) => sfIdOf('persons', p) === loner!.Id)).toBe(false);
  });

  it('a record the target refuses is kept, counted and retried; nothing else is held up', async () => {
    const job = loansJob();
    box.pd.faults.failRecord(box.loans[1]!, 'Validation failed: status: Must be one of open, won, lost');
    const first = await runSync({ db: tdb.db, job, source: box.source(), target: box.target() });
    // 19 written, 1 refused: not a success, and the headline says why.
    expect(first.status).toBe('partial');
    expect(first.streams.map((s) => [s.stream, s.status])).toEqual([
      ['borrowers', 'succeeded'],
      ['loans', 'partial'],
    ]);
    expect(first.headline).toMatch(
      new RegExp(
        `^Run ${first.runId} of loans-to-pipedrive: partial — loans: 1 failed: deals …: .*Validation failed: status: Must be one of open, won, lost`,
      ),
    );
    expect(first.streams.find((s) => s.stream === 'loans')!.problems).toEqual([
      {
        kind: 'failed',
        count: 1,
        reason: expect.stringContaining('Validation failed: status: Must be one of open, won, lost'),
        example: box.loans[1],
      },
    ]);
    expect(first.streams.find((s) => s.stream === 'loans')!.counts).toMatchObject({ created: 19, failed: 1 });
    const { rows: waiting } = await tdb.db.pool.query(
      `SELECT source_id, reason, attempts FROM sync.pending WHERE stream = 'loans'`,
    );
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ source_id: box.loans[1], attempts: 1 });
    expect(waiting[0]!.reason).toContain(`deals ${box.loans[1]}`);
    expect(waiting[0]!.reason).toContain('status: Must be one of');
    const { rows: audit } = await tdb.db.pool.query(`SELECT result, error FROM sync.audit WHERE source_id = $1`, [
      box.loans[1],
    ]);
    expect(audit).toEqual([{ result: 'failed', error: waiting[0]!.reason }]);

    // Once the target accepts it, the next run retries the waiting record first and it goes through.
    box.pd.faults.clear();
    const second = await runSync({ db: tdb.db, job, source: box.source(), target: box.target() });
    expect(second.status).toBe('succeeded');
    expect(second.headline).toBe(`Run ${second.runId} of loans-to-pipedrive: succeeded`);
    expect(second.streams.find((s) => s.stream === 'loans')!.counts).toMatchObject({
      retried: 1,
      created: 1,
      failed: 0,
    });
    expect(deals()).toHaveLength(20);
    expect((await tdb.db.pool.query(`SELECT count(*)::int AS n FROM sync.pending`)).rows[0]!.n).toBe(0);
  });
});

describe('a deal whose person cannot be written yet', () => {
  it('waits (deferred, with why) and goes through once its person does', async () => {
    const job = loansJob();
    // Pipedrive refuses the first borrower: loans 0, 20 (borrower 0) cannot point at a person yet.
    box.pd.faults.failRecord(box.contacts[0]!, 'Validation failed: email: invalid');
    const first = await runSync({ db: tdb.db, job, source: box.source(), target: box.target() });
    const blocked = box.loans.filter((_, i) => i % 3 !== 2 && i % box.contacts.length === 0);
    expect(first.streams.find((s) => s.stream === 'loans')!.counts).toMatchObject({
      created: 20 - blocked.length,
      deferred: blocked.length,
    });
    expect(first.streams.find((s) => s.stream === 'borrowers')!.counts.failed).toBe(1);
    const { rows: audit } = await tdb.db.pool.query<{ source_id: string; result: string; error: string }>(
      `SELECT source_id, result, error FROM sync.audit WHERE stream = 'loans' AND result = 'deferred' ORDER BY source_id`,
    );
    expect(audit.map((r) => r.source_id)).toEqual([...blocked].sort());
    expect(audit[0]!.error).toContain(
      `Primary_Borrower__c points at Contact ${box.contacts[0]}, which is not in the target yet`,
    );
    expect(deals().some((d) => blocked.includes(String(sfIdOf('deals', d))))).toBe(false);

    box.pd.faults.clear();
    const second = await runSync({ db: tdb.db, job, source: box.source(), target: box.target() });
    expect(second.streams.find((s) => s.stream === 'loans')!.counts).toMatchObject({
      retried: blocked.length,
      created: blocked.length,
      deferred: 0,
    });
    expect(deals()).toHaveLength(20);
    const person = persons().find((p) => sfIdOf('persons', p) === box.contacts[0])!;
    for (const id of blocked) expect(deals().find((d) => sfIdOf('deals', d) === id)!.person_id).toBe(person.id);
  });
});

describe('a target record deleted behind the engine’s back', () => {
  it('is written whole again on its next change, not with the changed field alone', async () => {
    const job = loansJob();
    await runSync({ db: tdb.db, job, source: box.source(), target: box.target() });
    const gone = deals().find((d) => sfIdOf('deals', d) === box.loans[0])!;
    box.pd.store.delete('deals', gone.id);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    box.sf.editRecord('Loan__c', box.loans[0]!, { Amount__c: 9999 });
    const run = await runSync({ db: tdb.db, job, source: box.source(), target: box.target() });
    expect(run.streams.find((s) => s.stream === 'loans')!.counts).toMatchObject({ created: 1, updated: 0, failed: 0 });
    const back = deals().find((d) => sfIdOf('deals', d) === box.loans[0])!;
    expect(back).toMatchObject({ title: 'Loan 0', value: 9999, status: 'won' });
    expect(back.person_id).toBe(gone.person_id);
  });
});
