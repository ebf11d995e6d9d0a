import { describe, expect, it } from 'vitest';
import { collectRecords, dynamicsConnectorSetup } from '../../helpers/emulators';

/* The calls the sync engine makes of the Dynamics connector beyond read and upsert, through the real SDK. */
const setup = dynamicsConnectorSetup();

const MISSING = '00000000-0000-4000-8000-00000000abcd';

describe('DynamicsConnector for sync jobs', () => {
  it('reads rows by ID, 50 to a call, leaving out IDs no row has', async () => {
    const { emulator, connector: dynamics } = await setup();
    const rows = Array.from({ length: 60 }, (_, i) => emulator.store.insert('account', { name: `Acme ${i}` }));
    // The SDK sends a GET whose URL passes 2,000 characters inside a $batch.
    const calls = () =>
      emulator.endpointCount('GET', '/api/data/v9.2/accounts') +
      emulator.endpointCount('POST', '/api/data/v9.2/$batch');
    await dynamics.describe('account');
    const before = calls();
    const wanted = [...rows.map((r) => r.id.toUpperCase()), MISSING, 'not-a-guid'];
    const found = await collectRecords(dynamics.readByIds('account', wanted, { properties: ['name'] }));
    expect(found.map((r) => r.properties.name).sort()).toEqual(rows.map((r) => r.values.name).sort());
    expect(found[0]!.properties).toEqual({ name: expect.stringMatching(/^Acme \d+$/) });
    expect(calls() - before).toBe(2);
  });

  it('deletes through $batch with a result per ID: deleted, missing when gone already, failed when not an ID', async () => {
    const { emulator, connector: dynamics } = await setup({}, { batchSize: 2 });
    const rows = ['A', 'B', 'C'].map((name) => emulator.store.insert('account', { name }));
    emulator.store.delete('account', rows[2]!.id);
    const results = await dynamics.delete('account', [rows[0]!.id, rows[1]!.id, rows[2]!.id, 'x-1']);
    expect(results).toEqual([
      { id: rows[0]!.id, status: 'deleted' },
      { id: rows[1]!.id, status: 'deleted' },
      { id: rows[2]!.id, status: 'missing' },
      { id: 'x-1', status: 'failed', error: '"x-1" is not a Dynamics row ID (a GUID)' },
    ]);
    expect(emulator.store.all('account')).toEqual([]);
  });

  it('reads deletions from the delta link the caller keeps: a baseline first, then each deletion once', async () => {
    const { emulator, connector: dynamics } = await setup();
    const rows = ['A', 'B', 'C'].map((name) => emulator.store.insert('account', { name }));
    let resume: string | undefined;
    const read = () =>
      collectRecords(dynamics.readDeleted('account', { ...(resume ? { resume } : {}), onResume: (r) => (resume = r) }));
    emulator.store.delete('account', rows[0]!.id);
    // Deleted before the baseline: nothing is known to be deleted yet.
    expect(await read()).toEqual([]);
    expect(resume).toMatch(/deltatoken/);
    emulator.store.delete('account', rows[1]!.id);
    emulator.store.update('account', rows[2]!, { name: 'C 2' });
    const deleted = await read();
    expect(deleted).toEqual([expect.objectContaining({ id: rows[1]!.id, properties: { accountid: rows[1]!.id } })]);
    expect(Number.isNaN(Date.parse(deleted[0]!.modifiedAt!))).toBe(false);
    expect(await read()).toEqual([]);
  });

  it('refuses to read deletions of a table without change tracking, saying what to do', async () => {
    const { emulator, connector: dynamics } = await setup();
    emulator.store.setChangeTracking('contact', false);
    await expect(collectRecords(dynamics.readDeleted('contact', { onResume: () => undefined }))).rejects.toThrow(
      /contact does not have change tracking enabled.*enable "Track changes"/,
    );
  });

  it('updates by row ID (a two-way write-back) and never creates a row by an ID it does not have', async () => {
    const { emulator, connector: dynamics } = await setup();
    const row = emulator.store.insert('account', { name: 'Before', numberofemployees: 5 });
    const results = await dynamics.upsert(
      'account',
      [
        { key: row.id, properties: { name: 'After' } },
        { key: MISSING, properties: { name: 'Ghost' } },
      ],
      { keyProperty: 'accountid', detectUnchanged: false },
    );
    expect(results).toEqual([
      { key: row.id, status: 'updated', id: row.id },
      { key: MISSING, status: 'failed', error: `account ${MISSING}: no such row` },
    ]);
    expect(emulator.store.get('account', row.id)!.values).toMatchObject({ name: 'After', numberofemployees: 5 });
    expect(emulator.store.all('account')).toHaveLength(1);
  });

  it('binds a lookup given a bare row ID through the table its navigation property names', async () => {
    const { emulator, connector: dynamics } = await setup();
    const account = emulator.store.insert('account', { name: 'Parent' });
    const results = await dynamics.upsert(
      'contact',
      [{ key: 'C-1', properties: { lastname: 'Child', 'parentcustomerid_account@odata.bind': account.id } }],
      { keyProperty: 'new_legacyid' },
    );
    expect(results[0]).toMatchObject({ status: 'created' });
    const contact = emulator.store.findByKey('contact', { new_legacyid: 'C-1' })!;
    expect(contact.values._parentcustomerid_value).toBe(account.id);
    const wrong = await dynamics.upsert(
      'contact',
      [{ key: 'C-2', properties: { lastname: 'Child', 'parentcustomerid_nothing@odata.bind': account.id } }],
      { keyProperty: 'new_legacyid' },
    );
    expect(wrong[0]).toMatchObject({
      status: 'failed',
      error:
        'contact new_legacyid=C-2: column parentcustomerid_nothing@odata.bind: cannot tell which table it points at',
    });
  });
});
