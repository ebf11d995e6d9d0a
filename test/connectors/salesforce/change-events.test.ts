import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  parseChangeEvent,
  REPLAY_ALL_RETAINED,
  REPLAY_NEW_EVENTS,
  SalesforceConnector,
  SalesforceError,
  type ChangeEvent,
  type ChangeEventProblem,
  type ChangeEventSubscription,
} from '../../../core/connectors/salesforce';
import { SalesforceEmulator } from '../../../sandbox/salesforce';
import { until } from '../../helpers/until';

const CLIENT = { clientId: 'cdc-app', clientSecret: 'cdc-s3cret' };
const LOANS = '/data/Loan__ChangeEvent';
let emu: SalesforceEmulator;
let sf: SalesforceConnector;
const open: ChangeEventSubscription[] = [];

beforeAll(async () => {
  emu = new SalesforceEmulator({ client: CLIENT });
  const instanceUrl = await emu.start();
  sf = new SalesforceConnector({ instanceUrl, oauth: { ...CLIENT } });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await emu?.stop();
});

/** Subscribes through the connector (jsforce's streaming client) and collects what arrives. */
async function listen(channel: string, replayFrom: number) {
  const events: ChangeEvent[] = [];
  const problems: ChangeEventProblem[] = [];
  const subscription = await sf.subscribeChangeEvents(channel, replayFrom, {
    onEvent: async (e) => void events.push(e),
    onProblem: (p) => void problems.push(p),
  });
  open.push(subscription);
  return { events, problems, subscription };
}

const loan = (n: number) => ({ Loan_Number__c: `CDC-${n}`, Name: `Loan ${n}`, Amount__c: String(1000 + n) });

describe('Change Data Capture through jsforce against the emulator', () => {
  it('handshakes, subscribes from new events, and receives creates and updates made through the REST API', async () => {
    const { events } = await listen(LOANS, REPLAY_NEW_EVENTS);
    const subscribe = emu.cometd.log.filter((l) => l.channel === '/meta/subscribe').at(-1)!;
    expect(subscribe).toMatchObject({ subscription: LOANS, replay: -1 });
    expect(emu.cometd.log.some((l) => l.channel === '/meta/handshake' && l.clientId === subscribe.clientId)).toBe(true);

    const [created] = await sf.upsert('Loan__c', [{ key: 'CDC-1', properties: loan(1) }], {
      keyProperty: 'Loan_Number__c',
    });
    expect(created!.status).toBe('created');
    await until('the create event', () => events.length === 1);
    expect(events[0]).toMatchObject({
      channel: LOANS,
      entityName: 'Loan__c',
      changeType: 'CREATE',
      recordIds: [created!.id],
      changedFields: [],
      sequenceNumber: 1,
      commitUser: emu.userId,
    });
    expect(events[0]!.commitTimestamp).toMatch(/^\d{4}-\d\d-\d\dT/);

    emu.editRecord('Loan__c', created!.id!, { Amount__c: 2500 });
    await until('the update event', () => events.length === 2);
    expect(events[1]).toMatchObject({ changeType: 'UPDATE', recordIds: [created!.id] });
    expect(events[1]!.changedFields).toEqual(['Amount__c', 'LastModifiedDate']);
    expect(events[1]!.replayId).toBeGreaterThan(events[0]!.replayId);
    expect(events[1]!.transactionKey).not.toBe(events[0]!.transactionKey);
  });

  it('names several records in one event when one call gives them the same values', async () => {
    const { events } = await listen(LOANS, REPLAY_NEW_EVENTS);
    const records = [2, 3].map((n) => ({ key: `CDC-${n}`, properties: loan(n) }));
    const created = await sf.upsert('Loan__c', records, { keyProperty: 'Loan_Number__c' });
    await until('two create events', () => events.length === 2);
    // Creates differ in their values (names, numbers): one event each, in one transaction.
    expect(events.map((e) => e.recordIds.length)).toEqual([1, 1]);
    expect(events[0]!.transactionKey).toBe(events[1]!.transactionKey);
    expect(events.map((e) => e.sequenceNumber)).toEqual([1, 2]);

    const same = [2, 3].map((n) => ({
      key: `CDC-${n}`,
      properties: { Loan_Number__c: `CDC-${n}`, Status__c: 'Approved' },
    }));
    await sf.upsert('Loan__c', same, { keyProperty: 'Loan_Number__c' });
    await until('the merged update', () => events.length === 3);
    expect(events[2]).toMatchObject({ changeType: 'UPDATE', recordIds: created.map((c) => c.id) });
    expect(events[2]!.changedFields).toContain('Status__c');
  });

  it('passes deletes and undeletes through as change types', async () => {
    const { events } = await listen('/data/ChangeEvents', REPLAY_NEW_EVENTS);
    const [rec] = emu.store.insert('Account', [{ Name: 'Short-lived' }]);
    const conn = await sf.connection();
    await conn.sobject('Account').destroy(rec!.Id);
    emu.store.undelete('Account', rec!.Id);
    await until('create, delete and undelete', () => events.length === 3);
    expect(events.map((e) => [e.entityName, e.changeType, e.recordIds])).toEqual([
      ['Account', 'CREATE', [rec!.Id]],
      ['Account', 'DELETE', [rec!.Id]],
      ['Account', 'UNDELETE', [rec!.Id]],
    ]);
  });

  it('replays every retained event (-2) or those after a replay ID, per channel', async () => {
    const all = await listen(LOANS, REPLAY_ALL_RETAINED);
    const retained = emu.changeEvents.events.filter((e) => e.entityName === 'Loan__c').map((e) => e.replayId);
    await until('the retained loan events', () => all.events.length === retained.length);
    expect(all.events.map((e) => e.replayId)).toEqual(retained);

    const after = await listen(LOANS, retained[1]!);
    await until('the events after the second', () => after.events.length === retained.length - 2);
    expect(after.events.map((e) => e.replayId)).toEqual(retained.slice(2));
  });

  it("refuses a replay ID outside the retention window with Salesforce's error", async () => {
    const stale = emu.changeEvents.latestReplayId;
    emu.store.insert('Account', [{ Name: 'Pushes the window on' }]);
    emu.changeEvents.expire();
    const error = await listen(LOANS, stale - 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SalesforceError);
    expect((error as SalesforceError).code).toBe('REPLAY_ID_INVALID');
    expect((error as Error).message).toContain(
      `400::The replayId {${stale - 1}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
    );
    // A replay ID the org never issued (another org, or an emulator restarted empty) is refused the same way.
    const future = await listen(LOANS, stale + 1000).catch((e: unknown) => e);
    expect((future as SalesforceError).code).toBe('REPLAY_ID_INVALID');
    // The last published event is still a valid place to resume from.
    await expect(listen(LOANS, emu.changeEvents.latestReplayId)).resolves.toBeDefined();
  });

  it('refuses a channel the org does not have, naming it', async () => {
    const error = await listen('/data/Nope__ChangeEvent', REPLAY_NEW_EVENTS).catch((e: unknown) => e);
    expect((error as SalesforceError).code).toBe('SUBSCRIPTION_REFUSED');
    expect((error as Error).message).toContain(
      '400::The channel you requested to subscribe to does not exist {/data/Nope__ChangeEvent}',
    );
  });

  it('delivers gap and overflow events with their change types', async () => {
    const { events } = await listen(LOANS, REPLAY_NEW_EVENTS);
    const id = emu.store.all('Loan__c')[0]!.Id;
    emu.changeEvents.gap('Loan__c', 'GAP_UPDATE', [id]);
    emu.changeEvents.overflow('Loan__c');
    await until('the gap and overflow events', () => events.length === 2);
    expect(events.map((e) => [e.changeType, e.recordIds])).toEqual([
      ['GAP_UPDATE', [id]],
      ['GAP_OVERFLOW', []],
    ]);
  });

  it('resumes after the server forgets the client: faye handshakes again and replays from its last event', async () => {
    const { events, problems } = await listen(LOANS, REPLAY_NEW_EVENTS);
    const id = emu.store.all('Loan__c')[0]!.Id;
    emu.editRecord('Loan__c', id, { Amount__c: 1 });
    await until('the first edit', () => events.length === 1);
    const handshakes = emu.cometd.log.filter((l) => l.channel === '/meta/handshake').length;
    emu.cometd.dropClients();
    emu.editRecord('Loan__c', id, { Amount__c: 2 });
    await until('the edit made while the client was gone', () => events.length === 2);
    expect(emu.cometd.log.filter((l) => l.channel === '/meta/handshake').length).toBe(handshakes + 1);
    const resubscribe = emu.cometd.log.filter((l) => l.channel === '/meta/subscribe').at(-1)!;
    expect(resubscribe.replay).toBe(events[0]!.replayId);
    expect(events[1]!.replayId).toBe(events[0]!.replayId + 1);
    expect(problems).toEqual([]);
  });

  it('renews a session Salesforce no longer accepts before subscribing', async () => {
    emu.oauth.expireSessions();
    const handshakes = emu.cometd.log.filter((l) => l.channel === '/meta/handshake');
    const { events } = await listen(LOANS, REPLAY_NEW_EVENTS);
    const after = emu.cometd.log.filter((l) => l.channel === '/meta/handshake').slice(handshakes.length);
    expect(after.map((l) => l.error ?? 'accepted')).toEqual(['403::Handshake denied', 'accepted']);
    emu.editRecord('Loan__c', emu.store.all('Loan__c')[0]!.Id, { Amount__c: 3 });
    await until('an event on the renewed session', () => events.length === 1);
  });

  it('reports an event it cannot read, naming the channel, replay ID and field', () => {
    const problem = parseChangeEvent(LOANS, {
      event: { replayId: 7 },
      payload: { ChangeEventHeader: { entityName: 'Loan__c', changeType: 'RENAME', recordIds: [] } },
    });
    expect(problem).toMatchObject({ kind: 'malformed', channel: LOANS, replayId: 7 });
    expect((problem as { message: string }).message).toContain('payload.ChangeEventHeader.changeType');
    expect((problem as { message: string }).message).toContain('(replay ID 7)');
  });
});
