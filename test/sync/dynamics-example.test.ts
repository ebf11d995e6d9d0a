import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync, type SyncReport } from '../../core/sync/engine';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { accountsJob, startDynamicsBox, type DynamicsBox } from './dynamics-fixtures';

/*
 * The README's worked example, through the engine: Salesforce accounts and contacts <-> Dynamics accounts and
 * contacts, two-way, on the emulators as `crm-bridge sandbox` seeds them, with the job file from examples/sync.
 */
let tdb: TestDatabase;
let box: DynamicsBox;
const job = accountsJob();
// One connector pair for the whole file, as a `sync --watch` or `serve` process holds them.
let source: ReturnType<DynamicsBox['salesforce']>;
let target: ReturnType<DynamicsBox['dynamics']>;
const sync = () => runSync({ db: tdb.db, job, source, target });
const counts = (r: SyncReport, name: string) => r.streams.find((s) => s.stream === name)!.counts;
const tick = () => new Promise((resolve) => setTimeout(resolve, 1100)); // Salesforce stamps changes to the second
const dynRow = (entity: string, sfId: string) =>
  box.dyn.store.all(entity).find((r) => r.values.new_salesforceid === sfId);
// Token requests aside: each run signs in anew, as a CLI process does.
const sfWrites = () => box.sf.requests.filter((r) => r.method !== 'GET' && !r.path.includes('/oauth2/')).length;
const dynWrites = () => ({ ...box.dyn.store.writes });

beforeAll(async () => {
  tdb = await createTestDatabase();
  box = await startDynamicsBox();
  source = box.salesforce();
  target = box.dynamics();
}, 60_000);
afterAll(async () => {
  await box?.stop();
  await tdb?.drop();
});

describe('Salesforce <-> Dynamics two-way (the README example)', () => {
  it('creates the accounts and contacts in Dynamics, each contact bound to its account', async () => {
    const accountsBefore = box.dyn.store.all('account').length;
    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(counts(run, 'accounts')).toMatchObject({ created: 4, failed: 0 });
    // The 20 borrowers of the loans example have no account: the filter skips them.
    expect(counts(run, 'contacts')).toMatchObject({ created: 8, failed: 0, deferred: 0 });
    expect(box.dyn.store.all('account')).toHaveLength(accountsBefore + 4);
    for (const contact of box.sf.store.all('Contact').filter((c) => c.AccountId)) {
      const row = dynRow('contact', contact.Id as string)!;
      expect(row.values).toMatchObject({ lastname: contact.LastName, firstname: contact.FirstName });
      expect(row.values._parentcustomerid_value).toBe(dynRow('account', contact.AccountId as string)!.id);
    }
    const blue = box.sf.store.all('Account').find((a) => a.Name === 'Blue Yonder Airlines')!;
    expect(dynRow('account', blue.Id as string)!.values).toMatchObject({
      name: 'Blue Yonder Airlines',
      telephone1: '+1 206 555 0101',
      websiteurl: 'https://blueyonder.example',
      numberofemployees: 120,
    });
  });

  it('a re-run writes nothing on either side and counts its own writes coming back as echoes', async () => {
    await tick();
    const dyn = dynWrites();
    const sf = sfWrites();
    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(run.totals).toMatchObject({ created: 0, updated: 0, reverseUpdated: 0, deleted: 0, reverseDeleted: 0 });
    expect(run.totals.echoes).toBeGreaterThanOrEqual(12);
    expect(dynWrites()).toEqual(dyn);
    expect(sfWrites()).toBe(sf);
  });

  it('an edit in Salesforce reaches Dynamics, an edit in Dynamics reaches Salesforce, neither comes back', async () => {
    const [first, second] = box.sf.store.all('Contact').filter((c) => c.AccountId);
    box.sf.editRecord('Contact', first!.Id as string, { Phone: '+1 206 555 0199' });
    const row = dynRow('contact', second!.Id as string)!;
    box.dyn.store.update('contact', row, { emailaddress1: 'hanna.moos@coho.example' });
    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(counts(run, 'contacts')).toMatchObject({ updated: 1, reverseUpdated: 1, conflicts: 0 });
    expect(dynRow('contact', first!.Id as string)!.values.telephone1).toBe('+1 206 555 0199');
    expect(box.sf.store.get('Contact', second!.Id as string)!.Email).toBe('hanna.moos@coho.example');

    await tick();
    const dyn = dynWrites();
    const sf = sfWrites();
    const again = await sync();
    expect(again.totals).toMatchObject({ created: 0, updated: 0, reverseUpdated: 0 });
    expect(dynWrites()).toEqual(dyn);
    expect(sfWrites()).toBe(sf);
  });

  it('a delete in Salesforce deletes in Dynamics, a delete in Dynamics deletes in Salesforce, no echo', async () => {
    const contacts = box.sf.store.all('Contact').filter((c) => c.AccountId);
    const goneInSf = contacts[2]!.Id as string;
    const goneInDyn = contacts[3]!.Id as string;
    const dynId = dynRow('contact', goneInDyn)!.id;
    box.sf.store.delete('Contact', goneInSf);
    box.dyn.store.delete('contact', dynId);

    const plan = await runSync({ db: tdb.db, job, source, target, dryRun: true });
    expect(plan.plan.filter((e) => e.action === 'delete').map((e) => [e.stream, e.sourceId])).toEqual([
      ['contacts~reverse', goneInDyn],
      ['contacts', goneInSf],
    ]);

    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(counts(run, 'contacts')).toMatchObject({ deleted: 1, reverseDeleted: 1, failed: 0 });
    expect(dynRow('contact', goneInSf)).toBeUndefined();
    expect(box.sf.store.get('Contact', goneInDyn)).toBeUndefined();
    const { rows } = await tdb.db.pool.query(
      `SELECT stream, source_id, result, before FROM sync.audit WHERE run_id = $1 AND action = 'delete' ORDER BY stream`,
      [run.runId],
    );
    expect(rows).toEqual([
      expect.objectContaining({ stream: 'contacts', source_id: goneInSf, result: 'deleted' }),
      expect.objectContaining({ stream: 'contacts~reverse', source_id: goneInDyn, result: 'deleted' }),
    ]);
    expect(rows[0]!.before).toMatchObject({ lastname: contacts[2]!.LastName });

    await tick();
    const dyn = dynWrites();
    const sf = sfWrites();
    const again = await sync();
    expect(again.status).toBe('succeeded');
    expect(again.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, reverseDeleted: 0, reverseUpdated: 0 });
    expect(counts(again, 'contacts').echoes).toBeGreaterThanOrEqual(2);
    expect(dynWrites()).toEqual(dyn);
    expect(sfWrites()).toBe(sf);
  });

  it('a new Salesforce contact is created in Dynamics under its account; a row made only in Dynamics is left alone', async () => {
    const account = box.sf.store.all('Account').find((a) => a.Name === 'Wingtip Toys')!;
    const [created] = box.sf.store.insert('Contact', [
      { FirstName: 'Pedro', LastName: 'Afonso', AccountId: account.Id, Email: 'Pedro.Afonso@Example.com' },
    ]);
    const own = box.dyn.store.insert('contact', { firstname: 'Only', lastname: 'InDynamics' });
    const run = await sync();
    expect(counts(run, 'contacts')).toMatchObject({ created: 1, failed: 0 });
    expect(dynRow('contact', created!.Id as string)!.values).toMatchObject({
      emailaddress1: 'pedro.afonso@example.com',
      _parentcustomerid_value: dynRow('account', account.Id as string)!.id,
    });
    expect(box.sf.store.all('Contact').some((c) => c.LastName === 'InDynamics')).toBe(false);
    expect(box.dyn.store.get('contact', own.id)).toBeDefined();
  });
});
