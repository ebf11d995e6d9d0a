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
const sync = (options: { dryRun?: boolean } = {}) => runSync({ db: tdb.db, job, source, target, ...options });
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
  it('plans, then creates Salesforce records in Dynamics and Dynamics records in Salesforce, contacts under their accounts', async () => {
    const plan = await sync({ dryRun: true });
    expect(plan.status).toBe('succeeded');
    expect(counts(plan, 'accounts')).toMatchObject({ created: 4, reverseCreated: 5 });
    expect(counts(plan, 'contacts')).toMatchObject({ created: 8, reverseCreated: 5 });
    expect(box.dyn.store.writes).toEqual({ inserted: 10, updated: 0, deleted: 0 });

    const run = await sync();
    expect(run.status).toBe('succeeded');
    // The 5 accounts and 5 contacts the sandbox has in Dynamics go to Salesforce (the reverse pass runs first); the
    // 20 borrowers of the loans example have no account, and the contacts stream's filter skips them.
    expect(counts(run, 'accounts')).toMatchObject({ created: 4, reverseCreated: 5, failed: 0 });
    expect(counts(run, 'contacts')).toMatchObject({
      created: 8,
      reverseCreated: 5,
      skipped: 20,
      failed: 0,
      deferred: 0,
    });
    expect(box.dyn.store.all('account')).toHaveLength(9);
    expect(box.dyn.store.all('contact')).toHaveLength(13);
    expect(box.sf.store.all('Account')).toHaveLength(9);
    const sfContacts = box.sf.store.all('Contact').filter((c) => c.AccountId);
    expect(sfContacts).toHaveLength(13);
    // Every pair is linked both ways, and each contact's account is its account's counterpart.
    for (const contact of sfContacts) {
      const row = dynRow('contact', contact.Id as string)!;
      expect(row.values).toMatchObject({ lastname: contact.LastName, firstname: contact.FirstName });
      expect(row.values._parentcustomerid_value).toBe(dynRow('account', contact.AccountId as string)!.id);
      if (contact.Dynamics_Id__c) expect(contact.Dynamics_Id__c).toBe(row.id);
    }
    const nancy = box.sf.store.all('Contact').find((c) => c.LastName === 'Davolio')!;
    expect(nancy).toMatchObject({ FirstName: 'Nancy', Email: 'nancy.davolio@example.com' });
    expect(box.sf.store.get('Account', nancy.AccountId as string)!.Name).toBe('Northwind Traders');
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

    const plan = await sync({ dryRun: true });
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

  it('a contact new in either system is created in the other under its account, once', async () => {
    const wingtip = box.sf.store.all('Account').find((a) => a.Name === 'Wingtip Toys')!;
    const [fromSf] = box.sf.store.insert('Contact', [
      { FirstName: 'Pedro', LastName: 'Afonso', AccountId: wingtip.Id, Email: 'Pedro.Afonso@Example.com' },
    ]);
    const coho = dynRow('account', box.sf.store.all('Account').find((a) => a.Name === 'Coho Winery')!.Id as string)!;
    const fromDyn = box.dyn.store.insert('contact', {
      firstname: 'Mario',
      lastname: 'Pontes',
      _parentcustomerid_value: coho.id,
    });
    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(counts(run, 'contacts')).toMatchObject({ created: 1, reverseCreated: 1, failed: 0 });
    expect(dynRow('contact', fromSf!.Id as string)!.values).toMatchObject({
      emailaddress1: 'pedro.afonso@example.com',
      _parentcustomerid_value: dynRow('account', wingtip.Id as string)!.id,
    });
    const mario = box.sf.store.findBy('Contact', 'Dynamics_Id__c', fromDyn.id)!;
    expect(mario).toMatchObject({ FirstName: 'Mario', LastName: 'Pontes', AccountId: coho.values.new_salesforceid });
    expect(box.dyn.store.get('contact', fromDyn.id)!.values.new_salesforceid).toBe(mario.Id);

    await tick();
    const dyn = dynWrites();
    const sf = sfWrites();
    const again = await sync();
    expect(again.totals).toMatchObject({ created: 0, updated: 0, reverseCreated: 0, reverseUpdated: 0 });
    expect(dynWrites()).toEqual(dyn);
    expect(sfWrites()).toBe(sf);
  });
});
