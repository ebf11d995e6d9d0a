import { describe, expect, it } from 'vitest';
import { DynamicsConnector } from '../../../core/connectors/dynamics';
import { collectRecords, dynamicsConnectorSetup } from '../../helpers/emulators';
import { compareCursors } from '../../../core/connectors/cursor';

const setup = dynamicsConnectorSetup();

describe('DynamicsConnector (real dynamics-web-api SDK against the emulator)', () => {
  it('signs in with client credentials and describes custom columns, choices with labels and alternate keys', async () => {
    const { emulator, connector: dynamics } = await setup();
    expect(await dynamics.checkConnection()).toMatchObject({ ok: true });
    const schema = await dynamics.describe('accounts');
    expect(schema).toMatchObject({ object: 'account', idField: 'accountid' });
    const field = (name: string) => schema.fields.find((f) => f.name === name);
    expect(field('new_legacyid')).toMatchObject({
      type: 'string',
      unique: true,
      label: 'Legacy ID',
      description: 'custom column "Legacy ID"',
    });
    expect(field('new_tier')).toMatchObject({ type: 'enum', options: ['Gold', 'Silver', 'Bronze'] });
    expect(field('industrycode')?.options).toContain('Consulting');
    expect(field('accountnumber')).toMatchObject({ unique: true });
    expect(field('emailaddress1')).toMatchObject({ format: 'email' });
    expect(field('modifiedon')).toMatchObject({ type: 'datetime', readOnly: true });
    expect((await dynamics.describe('contact')).fields.find((f) => f.name === 'parentcustomerid')).toMatchObject({
      format: 'reference',
    });
    expect(emulator.identity.tokenRequests).toBe(1);
  });

  it('reads across pages oldest change first and resumes after a cursor without losing same-second rows', async () => {
    let clock = Date.parse('2026-03-01T08:00:00.100Z');
    const { emulator, connector: dynamics } = await setup({ now: () => clock }, { pageSize: 4 });
    emulator.store.setChangeTracking('account', false);
    for (let i = 0; i < 10; i++) {
      clock += 300; // several rows share each second, as Dataverse shows times
      emulator.store.insert('account', { name: `Acme ${i}`, new_tier: 100000001, numberofemployees: i });
    }
    const all = await collectRecords(
      dynamics.read('account', { properties: ['name', 'new_tier', 'numberofemployees'] }),
    );
    expect(all.map((r) => r.properties.name).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `Acme ${i}`));
    // Oldest change first, and within a second (Dataverse shows seconds) by ID, as cursors compare them.
    const cursors = all.map((r) => `${r.modifiedAt}|${r.id}`);
    expect(cursors).toEqual([...cursors].sort((a, b) => compareCursors(a, b)));
    const first = all.find((r) => r.properties.name === 'Acme 0')!;
    expect(first.properties).toEqual({ name: 'Acme 0', new_tier: 'Silver', numberofemployees: '0' });
    expect(first.modifiedAt).toBe('2026-03-01T08:00:00.000Z');
    expect(emulator.endpointCount('GET', '/api/data/v9.2/accounts')).toBe(3); // 4 + 4 + 2
    // Resuming after any row gives exactly the rows after it, including those of its own second.
    for (const n of [3, 4, 5]) {
      const after = await collectRecords(dynamics.read('account', { since: cursors[n]! }));
      expect(after.map((r) => r.id)).toEqual(all.slice(n + 1).map((r) => r.id));
    }
  });

  it('follows delta links: later reads get only changes, deletions surface in readDeleted', async () => {
    const { emulator, connector: dynamics } = await setup({}, { pageSize: 2 });
    const rows = ['Alpha', 'Beta', 'Gamma'].map((name) => emulator.store.insert('account', { name }));
    const full = await collectRecords(dynamics.read('account', { properties: ['name'] }));
    expect(full.map((r) => r.properties.name).sort()).toEqual(['Alpha', 'Beta', 'Gamma']);
    const newest = full
      .map((r) => `${r.modifiedAt}|${r.id}`)
      .sort()
      .at(-1)!;
    await new Promise((r) => setTimeout(r, 5));
    emulator.store.update('account', rows[0]!, { name: 'Alpha 2' });
    emulator.store.delete('account', rows[1]!.id);
    emulator.store.insert('account', { name: 'Delta' });
    const listBefore = emulator.endpointCount('GET', '/api/data/v9.2/accounts');
    const changed = await collectRecords(dynamics.read('account', { since: newest, properties: ['name'] }));
    expect(changed.map((r) => r.properties.name).sort()).toEqual(['Alpha 2', 'Delta']);
    expect(emulator.endpointCount('GET', '/api/data/v9.2/accounts') - listBefore).toBe(1); // one delta request
    const deleted = await collectRecords(dynamics.readDeleted('account', { since: newest }));
    expect(deleted.map((r) => r.id)).toEqual([rows[1]!.id]);
    // Nothing changed since: the next delta is empty.
    expect(await collectRecords(dynamics.read('account', { since: newest, properties: ['name'] }))).toEqual([]);
  });

  it('upserts by alternate key: creates, then updates, and a re-run writes nothing', async () => {
    const { emulator, connector: dynamics } = await setup({}, { batchSize: 3 });
    const input = Array.from({ length: 7 }, (_, i) => ({
      key: `L-${i}`,
      properties: {
        new_legacyid: `L-${i}`,
        name: `Company ${i}`,
        new_tier: 'Gold',
        numberofemployees: String(10 * i),
        creditonhold: 'false',
      },
    }));
    const first = await dynamics.upsert('account', input, { keyProperty: 'new_legacyid' });
    expect(first.map((r) => r.status)).toEqual(Array(7).fill('created'));
    expect(first.every((r) => /^[0-9a-f-]{36}$/.test(r.id ?? ''))).toBe(true);
    const stored = emulator.store.findByKey('account', { new_legacyid: 'L-3' })!;
    expect(stored.values).toMatchObject({
      name: 'Company 3',
      new_tier: 100000000,
      numberofemployees: 30,
      creditonhold: false,
    });
    expect(emulator.batchOperations).toBe(7);

    const changed = input.map((r, i) => (i % 2 ? { ...r, properties: { ...r.properties, name: `Renamed ${i}` } } : r));
    const second = await dynamics.upsert('account', changed, { keyProperty: 'new_legacyid' });
    expect(second.map((r) => r.status)).toEqual([
      'unchanged',
      'updated',
      'unchanged',
      'updated',
      'unchanged',
      'updated',
      'unchanged',
    ]);
    expect(second[1]!.id).toBe(first[1]!.id);
    expect(emulator.store.findByKey('account', { new_legacyid: 'L-1' })!.values.name).toBe('Renamed 1');

    const writesBefore = emulator.batchOperations;
    const rerun = await dynamics.upsert('account', changed, { keyProperty: 'new_legacyid' });
    expect(rerun.map((r) => r.status)).toEqual(Array(7).fill('unchanged'));
    expect(emulator.batchOperations).toBe(writesBefore);
    expect(emulator.endpointCount('POST', '/api/data/v9.2/$batch')).toBe(3 + 2); // first run 3 batches, second 2 (3 reads only on the re-run)

    const blind = await dynamics.upsert('account', changed.slice(0, 2), {
      keyProperty: 'new_legacyid',
      detectUnchanged: false,
    });
    expect(blind.map((r) => r.status)).toEqual(['updated', 'updated']);
    expect(emulator.store.all('account')).toHaveLength(7);
  });

  it('fails single records of a $batch with the record, the column and the reason; the others are written', async () => {
    const { emulator, connector: dynamics } = await setup();
    emulator.faults.failRecord('accounts', 'D-2');
    const result = await dynamics.upsert(
      'account',
      [
        { key: 'D-1', properties: { name: 'Fine' } },
        { key: 'D-2', properties: { name: 'Duplicate' } },
        { key: 'D-3', properties: { name: 'x'.repeat(161) } },
        { key: 'D-4', properties: { name: 'Bad tier', new_tier: 'Platinum' } },
        { key: 'D-5', properties: { name: 'Bad count', numberofemployees: 'many' } },
        { key: 'D-6', properties: { name: 'Unknown', new_nothing: 'x' } },
        { key: 'D-7', properties: { name: 'Also fine' } },
      ],
      { keyProperty: 'accountnumber' },
    );
    expect(result.map((r) => r.status)).toEqual([
      'created',
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
      'created',
    ]);
    expect(result[1]!.error).toMatch(
      /^account accountnumber=D-2: Dataverse refused it with HTTP 412 0x80040333 \(a duplicate detection rule matched/,
    );
    expect(result[2]!.error).toMatch(
      /^account accountnumber=D-3: column name: .*0x80044331.*maximum allowed length of '160'/,
    );
    expect(result[3]!.error).toBe(
      'account accountnumber=D-4: column new_tier: "Platinum" is not one of its choices (Gold, Silver, Bronze)',
    );
    expect(result[4]!.error).toBe('account accountnumber=D-5: column numberofemployees: "many" is not a whole number');
    expect(result[5]!.error).toBe('account accountnumber=D-6: column new_nothing: Dynamics account has no such column');
    expect(
      emulator.store
        .all('account')
        .map((r) => r.values.accountnumber)
        .sort(),
    ).toEqual(['D-1', 'D-7']);
  });

  it('rides out a 429 storm and its own window without losing a record', async () => {
    const { emulator, connector: dynamics } = await setup(
      { limits: { requests: 8, windowMs: 1000 } },
      { requestsPerWindow: 8, windowMs: 1000, batchSize: 10 },
    );
    emulator.faults.rateLimitStorm(5, 1);
    const input = Array.from({ length: 60 }, (_, i) => ({ key: `S-${i}`, properties: { name: `Storm ${i}` } }));
    const started = Date.now();
    const result = await dynamics.upsert('account', input, { keyProperty: 'accountnumber' });
    expect(result.filter((r) => r.status === 'created')).toHaveLength(60);
    expect(emulator.store.all('account')).toHaveLength(60);
    expect(emulator.faults.served.rateLimited).toBe(5);
    expect(emulator.protection.refused.requests).toBe(0); // the connector's own pacing never drew a real 429
    expect(dynamics.retriesUsed).toBeGreaterThanOrEqual(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // it waited as Retry-After asked
  });

  it('fetches a new token when Dataverse refuses an expired one, and goes on', async () => {
    const { emulator, connector: dynamics } = await setup();
    await dynamics.describe('account');
    expect(emulator.identity.tokenRequests).toBe(1);
    emulator.identity.expireAll();
    const result = await dynamics.upsert('account', [{ key: 'T-1', properties: { name: 'After expiry' } }], {
      keyProperty: 'accountnumber',
    });
    expect(result).toEqual([expect.objectContaining({ status: 'created' })]);
    expect(emulator.identity.tokenRequests).toBe(2);
  });

  it('names a refused sign-in without the secret, and a missing alternate key before sending', async () => {
    const { emulator } = await setup({ apps: [{ tenantId: 'tw', clientId: 'app', clientSecret: 'app-secret-value' }] });
    const wrong = new DynamicsConnector({
      url: emulator.url,
      credentials: {
        tenantId: 'tw',
        clientId: 'app',
        clientSecret: 'not-the-secret',
        authorityUrl: emulator.url,
      },
    });
    const check = await wrong.checkConnection();
    expect(check.ok).toBe(false);
    expect(check.message).toMatch(/invalid_client: AADSTS7000215/);
    expect(check.message).not.toContain('not-the-secret');
    const { connector: dynamics } = await setup();
    await expect(
      dynamics.upsert('account', [{ key: 'x', properties: { name: 'x' } }], { keyProperty: 'name' }),
    ).rejects.toThrow(/"name" is not an alternate key of Dynamics account \(its keys: accountnumber, new_legacyid\)/);
  });
});
