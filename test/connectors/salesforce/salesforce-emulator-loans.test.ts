import { Connection } from 'jsforce';
import { beforeEach, describe, expect, it } from 'vitest';
import { SalesforceConnector, salesforceCursor } from '../../../core/connectors/salesforce';
import { SalesforceEmulator, Store, clientCredentialsToken, sfDateTime } from '../../../sandbox/salesforce';
import { collectRecords, freshEmulatorEachTest } from '../../helpers/emulators';

let emu: SalesforceEmulator;
let url: string;
let conn: Connection;

freshEmulatorEachTest(
  () => new SalesforceEmulator(),
  (started, startedUrl) => ((emu = started), (url = startedUrl)),
);
beforeEach(async () => {
  conn = new Connection({ instanceUrl: url, accessToken: await clientCredentialsToken(url), version: '60.0' });
});

describe('Salesforce emulator: what the sync engine needs of Loan__c and User', () => {
  it('describes Loan__c lookups to Contact and User and the Stage__c picklist, and serves User', async () => {
    const loan = await conn.sobject('Loan__c').describe();
    const f = (n: string) => loan.fields.find((x) => x.name === n)!;
    expect(f('Primary_Borrower__c')).toMatchObject({
      type: 'reference',
      referenceTo: ['Contact'],
      relationshipName: 'Primary_Borrower__r',
    });
    expect(f('Loan_Officer__c')).toMatchObject({
      type: 'reference',
      referenceTo: ['User'],
      relationshipName: 'Loan_Officer__r',
    });
    expect(f('Stage__c').picklistValues!.map((p) => p.value)).toEqual([
      'Application',
      'Underwriting',
      'Approved',
      'Funded',
      'Declined',
    ]);
    expect(f('Stage__c').restrictedPicklist).toBe(true);
    const user = await conn.sobject('User').describe();
    expect(user.fields.map((x) => x.name)).toEqual(expect.arrayContaining(['Id', 'Name', 'Email', 'Username']));
    emu.store.insert('User', [
      { FirstName: 'Olive', LastName: 'Officer', Email: 'olive@bank.example', Username: 'olive@bank.example' },
    ]);
    const users = await conn.query<{ Id: string; Name: string; Email: string; Username: string }>(
      'SELECT Id, Name, Email, Username FROM User ORDER BY Username',
    );
    expect(users.records.map((u) => [u.Id.slice(0, 3), u.Name, u.Username])).toEqual([
      ['005', 'Integration User', 'integration@crm-bridge.example'],
      ['005', 'Olive Officer', 'olive@bank.example'],
    ]);
    expect(users.records[0]!.Id).toBe(emu.userId);
  });

  it("filters by Loan_Officer__c (15- or 18-character ID) AND SystemModstamp, and returns edits made 'in Salesforce'", async () => {
    let clock = Date.UTC(2026, 10, 1, 9, 0, 0);
    emu.store.now = () => new Date(clock);
    const [olive, omar] = emu.store.insert('User', [
      { FirstName: 'Olive', LastName: 'Officer', Email: 'olive@bank.example', Username: 'olive@bank.example' },
      { FirstName: 'Omar', LastName: 'Officer', Email: 'omar@bank.example', Username: 'omar@bank.example' },
    ]);
    const [borrower] = emu.store.insert('Contact', [{ LastName: 'Borrower', Email: 'b@example.com' }]);
    const loans = emu.store.insert(
      'Loan__c',
      Array.from({ length: 6 }, (_, i) => ({
        Name: `Loan ${i}`,
        Loan_Number__c: `N-${i}`,
        Stage__c: 'Application',
        Primary_Borrower__c: borrower!.Id,
        Loan_Officer__c: i % 2 ? omar!.Id : olive!.Id,
      })),
    );
    const since = sfDateTime(new Date(clock)).replace('.000+0000', 'Z');
    clock += 60_000;
    emu.editRecord('Loan__c', loans[2]!.Id, { Stage__c: 'Underwriting' });
    emu.editRecord('Loan__c', loans[3]!.Id, { Stage__c: 'Approved' });
    const q = (officer: string) =>
      conn.query<{ Name: string; Stage__c: string; Primary_Borrower__c: string }>(
        `SELECT Id, Name, Stage__c, Primary_Borrower__c FROM Loan__c WHERE Loan_Officer__c = '${officer}' AND SystemModstamp > ${since} ORDER BY SystemModstamp, Id`,
      );
    const oliveChanged = await q(olive!.Id);
    expect(oliveChanged.records.map((r) => [r.Name, r.Stage__c, r.Primary_Borrower__c])).toEqual([
      ['Loan 2', 'Underwriting', borrower!.Id],
    ]);
    const omarChanged = await q(omar!.Id.slice(0, 15));
    expect(omarChanged.records.map((r) => r.Name)).toEqual(['Loan 3']);
    const allOlive = await conn.query<{ Name: string }>(
      `SELECT Name FROM Loan__c WHERE Loan_Officer__c = '${olive!.Id}' ORDER BY Name`,
    );
    expect(allOlive.records.map((r) => r.Name)).toEqual(['Loan 0', 'Loan 2', 'Loan 4']);
    await expect(conn.query("SELECT Id FROM Loan__c WHERE Officer__c = 'x'")).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
    });

    // The connector's incremental read picks up a later edit, and only it.
    const c = new SalesforceConnector({ instanceUrl: url, accessToken: conn.accessToken as string });
    const first = await collectRecords(c.read('Loan__c', { properties: ['Name', 'Stage__c'] }));
    expect(first.map((r) => r.properties.Name)).toEqual(['Loan 0', 'Loan 1', 'Loan 4', 'Loan 5', 'Loan 2', 'Loan 3']);
    clock += 60_000;
    emu.editRecord('Loan__c', loans[0]!.Id, { Stage__c: 'Funded' });
    const next = await collectRecords(
      c.read('Loan__c', { properties: ['Name', 'Stage__c'], since: salesforceCursor(first.at(-1)!) }),
    );
    expect(next.map((r) => [r.properties.Name, r.properties.Stage__c])).toEqual([['Loan 0', 'Funded']]);
    expect(() => emu.editRecord('Loan__c', loans[0]!.Id, { Nope__c: 1 })).toThrow(/No such column/);
  });
});

// 30,000 records keep this quick on a shared machine; the connectors bench runs the same store at 100,000.
const N = 30_000;

describe('Salesforce emulator store indexes', () => {
  it('finds by external ID and Id through indexes, and keeps SystemModstamp order across updates and rollbacks', () => {
    const store = new Store();
    let clock = Date.UTC(2026, 0, 1);
    store.now = () => new Date(clock);
    const rows = Array.from({ length: N }, (_, i) => ({ Name: `A${i}`, Legacy_Id__c: `K${i}` }));
    const inserted = store.insert('Account', rows);
    expect(store.findBy('Account', 'Legacy_Id__c', `K${N - 1}`)!.Name).toBe(`A${N - 1}`);
    expect(store.get('Account', inserted[500]!.Id.slice(0, 15))!.Legacy_Id__c).toBe('K500');

    // N updates (each moves a record to the end of the order): stale entries are compacted, order stays exact.
    let failed = 0;
    for (let i = 0; i < N; i++) {
      clock += 1000;
      if (!store.upsertOne('Account', 'Legacy_Id__c', { Legacy_Id__c: `K${(i * 7919) % N}`, Name: `B${i}` }).success)
        failed++;
    }
    expect(failed).toBe(0);
    const ordered = [...store.ordered('Account')];
    expect(ordered).toHaveLength(N);
    expect(new Set(ordered.map((r) => r.Id)).size).toBe(N);
    expect(ordered.findIndex((r, i) => i > 0 && ordered[i - 1]!.SystemModstamp > r.SystemModstamp)).toBe(-1);
    const lastTen = [...store.ordered('Account', clock - 9_000)];
    expect(lastTen.map((r) => r.Name)).toEqual(Array.from({ length: 10 }, (_, k) => `B${N - 10 + k}`));

    // An external ID changed through an upsert by Id moves in the index.
    const target = store.findBy('Account', 'Legacy_Id__c', 'K1')!;
    expect(store.upsertOne('Account', 'Id', { Id: target.Id, Legacy_Id__c: 'K1-renamed' }).success).toBe(true);
    expect(store.findBy('Account', 'Legacy_Id__c', 'K1')).toBeUndefined();
    expect(store.findBy('Account', 'Legacy_Id__c', 'K1-renamed')!.Id).toBe(target.Id);
    // Unique values stay unique.
    expect(store.upsertOne('Account', 'Id', { Id: target.Id, Legacy_Id__c: 'K2' })).toMatchObject({
      success: false,
      errors: [{ statusCode: 'DUPLICATE_VALUE' }],
    });
  });

  it('rolls an all-or-none collection back, indexes included', async () => {
    const emuStore = emu.store;
    emuStore.insert('Contact', [{ LastName: 'Kept', Email: 'kept@example.com', Legacy_Id__c: 'C0' }]);
    const res = await fetch(`${url}/services/data/v60.0/composite/sobjects/Contact/Legacy_Id__c`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${conn.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        allOrNone: true,
        records: [
          { attributes: { type: 'Contact' }, Legacy_Id__c: 'C0', LastName: 'Changed', Email: 'changed@example.com' },
          { attributes: { type: 'Contact' }, Legacy_Id__c: 'C1', LastName: 'New', Email: 'new@example.com' },
          { attributes: { type: 'Contact' }, Legacy_Id__c: 'C2', Email: 'no-last-name@example.com' },
        ],
      }),
    }).then((r) => r.json() as Promise<Array<{ success: boolean }>>);
    expect(res.map((r) => r.success)).toEqual([false, false, false]);
    expect(emuStore.count('Contact')).toBe(1);
    expect(emuStore.findBy('Contact', 'Legacy_Id__c', 'C0')).toMatchObject({
      LastName: 'Kept',
      Email: 'kept@example.com',
    });
    expect(emuStore.findBy('Contact', 'Legacy_Id__c', 'C1')).toBeUndefined();
    // The rolled-back email is free again; the kept one still trips the duplicate rule.
    expect(
      emuStore.upsertOne('Contact', 'Legacy_Id__c', { Legacy_Id__c: 'C3', LastName: 'X', Email: 'changed@example.com' })
        .success,
    ).toBe(true);
    expect(
      emuStore.upsertOne('Contact', 'Legacy_Id__c', { Legacy_Id__c: 'C4', LastName: 'Y', Email: 'KEPT@example.com' }),
    ).toMatchObject({ success: false, errors: [{ statusCode: 'DUPLICATES_DETECTED' }] });
  });
});
