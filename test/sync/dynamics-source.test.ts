import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync, type SyncReport } from '../../core/sync/engine';
import { parseSyncJob } from '../../core/sync/job';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { startDynamicsBox, type DynamicsBox } from './dynamics-fixtures';

/*
 * Dynamics as the source of a two-way job (Salesforce the target), each run with connectors of its own as separate
 * CLI runs have them: reads since the stored cursor by modifiedon, parents fetched by ID, write-backs by row ID,
 * deletions from change tracking through the kept delta link, and the mass-delete guard.
 */
let tdb: TestDatabase;
let box: DynamicsBox;
const job = parseSyncJob({
  name: 'dynamics-to-salesforce',
  source: 'dynamics',
  target: 'salesforce',
  direction: 'two-way',
  streams: [
    {
      name: 'accounts',
      source: { object: 'account' },
      target: { object: 'Account', key: 'Legacy_Id__c' },
      properties: [
        { from: 'name', to: 'Name' },
        { from: 'numberofemployees', to: 'NumberOfEmployees', transform: ['number'] },
      ],
      onDelete: 'delete',
      maxDeleteShare: 0.2,
    },
    {
      name: 'contacts',
      source: { object: 'contact' },
      target: { object: 'Contact', key: 'Legacy_Id__c' },
      properties: [
        { from: 'firstname', to: 'FirstName' },
        { from: 'lastname', to: 'LastName' },
        { from: 'emailaddress1', to: 'Email', transform: ['email'] },
      ],
      references: [{ from: 'parentcustomerid', stream: 'accounts', to: 'AccountId' }],
    },
  ],
});
const sync = (options: { allowMassDelete?: boolean; streams?: string[] } = {}) =>
  runSync({ db: tdb.db, job, source: box.dynamics(), target: box.salesforce(), ...options });
const counts = (r: SyncReport, name: string) => r.streams.find((s) => s.stream === name)!.counts;
const tick = () => new Promise((resolve) => setTimeout(resolve, 1100)); // Salesforce stamps changes to the second
const sfOf = (object: string, dynId: string) => box.sf.store.findBy(object, 'Legacy_Id__c', dynId);
// Token requests aside: each run signs in anew, as a CLI process does.
const sfWrites = () => box.sf.requests.filter((r) => r.method !== 'GET' && !r.path.includes('/oauth2/')).length;

beforeAll(async () => {
  tdb = await createTestDatabase();
  box = await startDynamicsBox();
}, 60_000);
afterAll(async () => {
  await box?.stop();
  await tdb?.drop();
});

describe('Dynamics as the source of a sync job', () => {
  it('creates accounts and contacts in Salesforce, each contact pointing at its account', async () => {
    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(counts(run, 'accounts')).toMatchObject({ created: 5, failed: 0 });
    expect(counts(run, 'contacts')).toMatchObject({ created: 5, failed: 0, deferred: 0 });
    for (const contact of box.dyn.store.all('contact')) {
      const sf = sfOf('Contact', contact.id)!;
      expect(sf.LastName).toBe(contact.values.lastname);
      expect(sf.AccountId).toBe(sfOf('Account', contact.values._parentcustomerid_value as string)!.Id);
    }
  });

  it('reads only what changed since its cursor, in a new process, and a re-run writes nothing', async () => {
    await tick();
    const account = box.dyn.store.all('account').find((a) => a.values.name === 'Fabrikam Inc')!;
    box.dyn.store.update('account', account, { numberofemployees: 999 });
    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(counts(run, 'accounts')).toMatchObject({ read: 1, updated: 1 });
    expect(sfOf('Account', account.id)!.NumberOfEmployees).toBe(999);
    await tick();
    const writes = sfWrites();
    const dynWrites = { ...box.dyn.store.writes };
    const again = await sync();
    expect(again.totals).toMatchObject({ created: 0, updated: 0, reverseUpdated: 0 });
    expect(sfWrites()).toBe(writes);
    expect(box.dyn.store.writes).toEqual(dynWrites);
  });

  it('brings a Salesforce edit back to Dynamics by row ID, once', async () => {
    const account = box.dyn.store.all('account').find((a) => a.values.name === 'Litware Inc')!;
    box.sf.editRecord('Account', sfOf('Account', account.id)!.Id as string, { Name: 'Litware Incorporated' });
    const run = await sync();
    expect(counts(run, 'accounts')).toMatchObject({ reverseUpdated: 1, updated: 0 });
    expect(box.dyn.store.get('account', account.id)!.values.name).toBe('Litware Incorporated');
    await tick();
    const dynWrites = { ...box.dyn.store.writes };
    const again = await sync();
    expect(again.totals).toMatchObject({ created: 0, updated: 0, reverseUpdated: 0 });
    expect(box.dyn.store.writes).toEqual(dynWrites);
  });

  it('fetches a new contact’s new account by ID when only the contacts stream runs', async () => {
    const account = box.dyn.store.insert('account', { name: 'Proseware Inc' });
    const contact = box.dyn.store.insert('contact', { lastname: 'Kim', _parentcustomerid_value: account.id });
    const run = await sync({ streams: ['contacts'] });
    expect(run.status).toBe('succeeded');
    expect(counts(run, 'contacts')).toMatchObject({ created: 1, parentsFetched: 1 });
    expect(sfOf('Contact', contact.id)!.AccountId).toBe(sfOf('Account', account.id)!.Id);
  });

  it('stops a run that would delete too many accounts, and lets the deletions through when allowed', async () => {
    const doomed = box.dyn.store.all('account').slice(0, 3);
    for (const row of doomed) box.dyn.store.delete('account', row.id);
    const refused = await sync();
    const accounts = refused.streams.find((s) => s.stream === 'accounts')!;
    expect(accounts.status).toBe('failed');
    expect(accounts.error).toMatch(
      /Refused to delete 3 of the 6 Account records stream "accounts" links in salesforce/,
    );
    for (const row of doomed) expect(sfOf('Account', row.id)).toBeDefined();

    const allowed = await sync({ allowMassDelete: true });
    expect(counts(allowed, 'accounts')).toMatchObject({ deleted: 3, failed: 0 });
    for (const row of doomed) expect(sfOf('Account', row.id)).toBeUndefined();
    await tick();
    const again = await sync();
    expect(again.totals).toMatchObject({ deleted: 0, reverseDeleted: 0, created: 0, updated: 0 });
  });
});
