import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SalesforceConnector } from '../../core/connectors/salesforce';
import { SalesforceEmulator } from '../../sandbox/salesforce';
import { readChanges, startFromNow } from '../../nodes/CrmBridgeTrigger/changes';
import { advance, LOOKBACK_SECONDS, type PollState } from '../../nodes/CrmBridgeTrigger/cursor';

// The trigger's reading rules against the Salesforce emulator, whose SystemModstamp (like the real one) has whole
// seconds only; the org clock is pinned so records share a second on purpose.
const CLIENT = { clientId: 'trigger-app', clientSecret: 'trigger-secret-93a' };
const sf = new SalesforceEmulator({ client: CLIENT });
let connector: SalesforceConnector;
let clock = Date.parse('2026-03-02T10:00:00.000Z');

beforeAll(async () => {
  const instanceUrl = await sf.start();
  sf.store.now = () => new Date(clock);
  connector = new SalesforceConnector({ instanceUrl, oauth: { ...CLIENT } });
});
afterAll(() => sf.stop());

const ids = (records: Array<{ id: string }>) => records.map((r) => r.id);

describe('CRM Bridge Trigger: changes since the stored cursor', () => {
  it('emits at most Max Items per poll, oldest first, and the next poll goes on after the last one emitted', async () => {
    const accounts = sf.store
      .insert(
        'Account',
        Array.from({ length: 7 }, (_, i) => ({ Name: `Acct ${i}` })),
      )
      .map((a) => a.Id);
    const first = await readChanges(connector, 'Account', ['Name'], undefined, 3);
    expect(ids(first.records)).toEqual(accounts.slice(0, 3));
    expect(first.records[0]!.properties).toEqual({ Name: 'Acct 0' });
    expect(first.next!.cursor).toBe(`${first.records[2]!.modifiedAt}|${accounts[2]}`);
    const second = await readChanges(connector, 'Account', ['Name'], first.next, 3);
    expect(ids(second.records)).toEqual(accounts.slice(3, 6));
    const third = await readChanges(connector, 'Account', ['Name'], second.next, 3);
    expect(ids(third.records)).toEqual(accounts.slice(6));
    const idle = await readChanges(connector, 'Account', ['Name'], third.next, 3);
    expect(idle.records).toEqual([]);
    expect(idle.next).toEqual(third.next);
  });

  it("a record changed later in the cursor's own second, with a smaller ID, is still emitted, once", async () => {
    clock += 60_000;
    const [a, b] = sf.store.insert('Contact', [{ LastName: 'Early' }, { LastName: 'Late' }]).map((c) => c.Id);
    let state: PollState | undefined = (await readChanges(connector, 'Contact', ['LastName'], undefined, 100)).next;
    expect(state!.cursor.endsWith(`|${b}`)).toBe(true);
    // Same second, a smaller ID than the cursor's: `modified > t OR (modified = t AND Id > b)` would pass it over.
    clock += 400;
    sf.editRecord('Contact', a!, { LastName: 'Early, edited' });
    const next = await readChanges(connector, 'Contact', ['LastName'], state, 100);
    expect(next.records.map((r) => [r.id, r.properties.LastName])).toEqual([[a, 'Early, edited']]);
    state = next.next;
    expect((await readChanges(connector, 'Contact', ['LastName'], state, 100)).records).toEqual([]);
    // Out of the window, the keys are dropped again: the state does not grow with the object.
    clock += (LOOKBACK_SECONDS + 2) * 1000;
    sf.editRecord('Contact', b!, { LastName: 'Late, edited' });
    const later = await readChanges(connector, 'Contact', ['LastName'], state, 100);
    expect(ids(later.records)).toEqual([b]);
    expect(Object.keys(later.next!.seen)).toEqual([later.next!.cursor]);
  });

  it('"from now" emits nothing that changed before it started, but a change in the same second after it', async () => {
    clock += 60_000;
    const [old, other] = sf.store.insert('Loan__c', [{ Name: 'Before' }, { Name: 'Other' }]).map((l) => l.Id);
    clock += 300;
    const state = await startFromNow(connector, 'Loan__c', ['Name'], clock);
    expect(
      Object.keys(state.seen)
        .map((k) => k.split('|')[1])
        .sort(),
    ).toEqual([old, other].sort());
    expect((await readChanges(connector, 'Loan__c', ['Name'], state, 100)).records).toEqual([]);
    clock += 200; // the same second as the start
    sf.editRecord('Loan__c', old!, { Name: 'After' });
    const after = await readChanges(connector, 'Loan__c', ['Name'], state, 100);
    expect(after.records.map((r) => [r.id, r.properties.Name])).toEqual([[old, 'After']]);
  });

  it('the cursor never moves back', () => {
    const state = { cursor: '2026-03-02T10:00:05.000Z|b', seen: { '2026-03-02T10:00:05.000Z|b': 'f1' } };
    expect(advance(state, [['2026-03-02T10:00:04.000Z|z', 'f2']]).cursor).toBe(state.cursor);
    expect(advance(state, [['2026-03-02T10:00:05.000Z|c', 'f3']]).cursor).toBe('2026-03-02T10:00:05.000Z|c');
  });
});
