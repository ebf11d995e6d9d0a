import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSyncJob, type SyncJob } from '../../core/sync/job';
import { SyncOnChange, type SyncTrigger } from '../../core/sync/on-change';
import {
  ChangeEventListener,
  channelStates,
  jobChannels,
  type ChangeEventLogEntry,
} from '../../core/sync/change-events';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { loansJob, startSandbox, type Sandbox } from './fixtures';
import { disagreements, sfKey } from './processes';
import { until } from '../helpers/until';

/** The worked example with Change Data Capture on both streams (loans and their borrowers). */
function cdcJob(): SyncJob {
  const base = loansJob();
  return parseSyncJob({
    ...base,
    streams: base.streams.map((s) => ({ ...s, source: { ...s.source, changeEvents: true } })),
  });
}

let tdb: TestDatabase;
let box: Sandbox;
const job = cdcJob();
const source = () => box.source();

/** One "process": the sync woken by change events, with no periodic poll (polling disabled). */
function startProcess(options: { firstPoll: boolean }) {
  const reports: Array<{ trigger: SyncTrigger; created: number; updated: number; status: string }> = [];
  const log: ChangeEventLogEntry[] = [];
  const sf = source();
  const onChange = new SyncOnChange(tdb.db, [{ job, source: sf, target: box.target() }], {
    onReport: (r, trigger) =>
      reports.push({ trigger, created: r.totals.created, updated: r.totals.updated, status: r.status }),
  });
  const listener = new ChangeEventListener(
    tdb.db,
    [{ name: job.name, source: sf, channels: jobChannels(job), objects: ['Loan__c', 'Contact'] }],
    {
      wake: (name) => onChange.wake(name, 'change-event'),
      catchUp: (name) => onChange.wake(name, 'catch-up'),
      log: (entry) => log.push(entry),
      retrySeconds: 1,
    },
  );
  return {
    reports,
    log,
    onChange,
    async start() {
      await listener.start();
      if (options.firstPoll) onChange.start();
      await onChange.idle();
    },
    async stop() {
      await listener.stop();
      await onChange.stop();
    },
  };
}
type Process = ReturnType<typeof startProcess>;

const dealOf = (loanId: string) =>
  box.pd.store.all('deals').find((d) => d.custom_fields[sfKey(box, 'deals')] === loanId);

/** How many times the engine wrote each of these loans' deals (`updated` audit rows). */
async function updatesOf(loanIds: string[]): Promise<Record<string, number>> {
  const { rows } = await tdb.db.pool.query<{ source_id: string; n: number }>(
    `SELECT source_id, count(*)::int AS n FROM sync.audit WHERE stream = 'loans' AND result = 'updated'
       AND source_id = ANY($1::text[]) GROUP BY source_id`,
    [loanIds],
  );
  return Object.fromEntries(loanIds.map((id) => [id, rows.find((r) => r.source_id === id)?.n ?? 0]));
}

const loansState = async () =>
  (await channelStates(tdb.db.pool, job.name)).find((c) => c.channel === '/data/Loan__ChangeEvent')!;

beforeAll(async () => {
  tdb = await createTestDatabase();
  box = await startSandbox();
}, 60_000);
afterAll(async () => {
  await box?.stop();
  await tdb?.drop();
});

describe('Salesforce change events drive the sync; polling is only the fallback', () => {
  let p: Process;

  it('subscribes, and a loan edited or created in Salesforce reaches Pipedrive without a poll', async () => {
    p = startProcess({ firstPoll: true });
    await p.start();
    expect(box.pd.store.all('deals')).toHaveLength(20);
    expect(p.log.filter((e) => e.kind === 'subscribed').map((e) => e.channel)).toEqual([
      '/data/ContactChangeEvent',
      '/data/Loan__ChangeEvent',
    ]);

    box.sf.editRecord('Loan__c', box.loans[0]!, { Amount__c: 4242 });
    await until('the edit in Pipedrive', () => Number(dealOf(box.loans[0]!)?.value) === 4242);
    await p.onChange.idle();
    expect(p.reports.at(-1)).toMatchObject({ trigger: 'change-event', updated: 1, status: 'succeeded' });

    const [created] = await box.source().upsert(
      'Loan__c',
      [
        {
          key: 'LN-NEW-1',
          properties: {
            Loan_Number__c: 'LN-NEW-1',
            Name: 'Fresh loan',
            Amount__c: '5150',
            Status__c: 'Draft',
            Stage__c: 'Application',
            Primary_Borrower__c: box.contacts[0]!,
            Loan_Officer__c: box.officerId,
          },
        },
      ],
      { keyProperty: 'Loan_Number__c' },
    );
    await until('the new loan as a deal', () => dealOf(created!.id!) !== undefined);
    expect(Number(dealOf(created!.id!)!.value)).toBe(5150);
    await p.onChange.idle();
    const { rows } = await tdb.db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM sync.change_notices WHERE processed_at IS NULL',
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('handles one event naming several records: each record is read and written', async () => {
    const [a, b] = [box.loans[3]!, box.loans[4]!];
    const numbers = [a, b].map((id) => String(box.sf.store.get('Loan__c', id)!.Loan_Number__c));
    const before = await loansState();
    await box.source().upsert(
      'Loan__c',
      numbers.map((n) => ({ key: n, properties: { Loan_Number__c: n, Amount__c: '9999' } })),
      { keyProperty: 'Loan_Number__c' },
    );
    const merged = box.sf.changeEvents.events.at(-1)!;
    expect(merged.data.payload.ChangeEventHeader).toMatchObject({ changeType: 'UPDATE', recordIds: [a, b] });
    await until('both deals', () => [a, b].every((id) => Number(dealOf(id)?.value) === 9999));
    const after = await loansState();
    expect(after.events - before.events).toBe(1);
    expect(after.records - before.records).toBe(2);
    expect(after.replayId).toBe(merged.replayId);
  });

  it('restarted, it resumes from the stored replay ID: changes made while it was down arrive, none twice', async () => {
    await p.stop();
    const [x, y] = [box.loans[6]!, box.loans[7]!];
    const stored = (await loansState()).replayId!;
    const writes = await updatesOf([x, y]);
    box.sf.editRecord('Loan__c', x, { Amount__c: 111 });
    box.sf.editRecord('Loan__c', y, { Amount__c: 222 });
    box.sf.editRecord('Loan__c', x, { Amount__c: 333 });

    // No first poll: only the replayed events can bring these changes.
    p = startProcess({ firstPoll: false });
    await p.start();
    expect(p.log.find((e) => e.channel === '/data/Loan__ChangeEvent' && e.kind === 'subscribed')).toMatchObject({
      replayFrom: stored,
    });
    await until(
      'the changes made while down',
      () => Number(dealOf(x)?.value) === 333 && Number(dealOf(y)?.value) === 222,
    );
    await p.onChange.idle();
    expect(p.log.filter((e) => e.kind === 'event' && e.channel === '/data/Loan__ChangeEvent')).toHaveLength(3);
    // Each deal written once: the first replayed event's run reads both loans as they are now; the later events' runs
    // find nothing new, and no event from before the restart came back.
    const now = await updatesOf([x, y]);
    expect(now[x]! - writes[x]!).toBe(1);
    expect(now[y]! - writes[y]!).toBe(1);
    expect((await loansState()).replayId).toBe(
      box.sf.changeEvents.events.filter((e) => e.entityName === 'Loan__c').at(-1)!.replayId,
    );
  });

  it('a replay ID past the retention window starts a catch-up poll, counted and reported', async () => {
    await p.stop();
    const z = box.loans[9]!;
    const stored = (await loansState()).replayId!;
    box.sf.editRecord('Loan__c', z, { Amount__c: 4444 });
    box.sf.changeEvents.expire();
    p = startProcess({ firstPoll: false });
    await p.start();
    await until('the catch-up run', () => p.reports.some((r) => r.trigger === 'catch-up'));
    await p.onChange.idle();
    expect(Number(dealOf(z)!.value)).toBe(4444);
    const state = await loansState();
    expect(state.catchUps).toBe(1);
    expect(state.lastCatchUpReason).toContain(
      `Salesforce refused replay ID ${stored} on /data/Loan__ChangeEvent: 400::The replayId {${stored}} you provided was invalid`,
    );
    expect(p.log).toContainEqual(
      expect.objectContaining({
        kind: 'catch-up',
        channel: '/data/Loan__ChangeEvent',
        reason: state.lastCatchUpReason,
      }),
    );
    // Subscribed again for new events: the next edit arrives as an event.
    expect(
      p.log.filter((e) => e.kind === 'subscribed' && e.channel === '/data/Loan__ChangeEvent').at(-1),
    ).toMatchObject({
      replayFrom: null,
    });
    box.sf.editRecord('Loan__c', z, { Amount__c: 4545 });
    await until('the next edit', () => Number(dealOf(z)!.value) === 4545);
    expect((await loansState()).replayId).not.toBeNull();
  });

  it('a gap or overflow event (a change Salesforce could not describe) starts a catch-up poll', async () => {
    const [g, o] = [box.loans[10]!, box.loans[12]!];
    // Changes no change event describes: Salesforce sends a gap event for the first, an overflow for the second.
    box.sf.store.capture.transaction(() => {
      box.sf.editRecord('Loan__c', g, { Amount__c: 7070 });
      box.sf.editRecord('Loan__c', o, { Amount__c: 8080 });
      box.sf.store.capture.discard();
    });
    const before = (await loansState()).catchUps;
    const runs = p.reports.length;
    box.sf.changeEvents.gap('Loan__c', 'GAP_UPDATE', [g]);
    await until('the gap catch-up', () => Number(dealOf(g)!.value) === 7070);
    expect(Number(dealOf(o)!.value)).toBe(8080);
    box.sf.editRecord('Loan__c', o, { Amount__c: 9090 });
    box.sf.store.capture.discard();
    box.sf.changeEvents.overflow('Loan__c');
    await until('the overflow catch-up', () => Number(dealOf(o)!.value) === 9090);
    await p.onChange.idle();
    expect((await loansState()).catchUps - before).toBe(2);
    expect(p.reports.slice(runs).some((r) => r.trigger === 'catch-up')).toBe(true);
    expect(
      p.log
        .filter((e) => e.kind === 'catch-up')
        .map((e) => (e as { reason: string }).reason)
        .slice(-2),
    ).toEqual([
      expect.stringMatching(/^GAP_UPDATE event \d+ on Loan__c$/),
      expect.stringMatching(/^GAP_OVERFLOW event \d+ on Loan__c$/),
    ]);
    await p.stop();
    expect(disagreements(box, new Set())).toEqual([]);
  });

  it('on /data/ChangeEvents, events of objects the job does not read are counted but store and wake nothing', async () => {
    const woke: string[] = [];
    const listener = new ChangeEventListener(
      tdb.db,
      [{ name: job.name, source: source(), channels: ['/data/ChangeEvents'], objects: ['Loan__c', 'Contact'] }],
      { wake: (_, event) => woke.push(event.entityName), catchUp: () => woke.push('catch-up') },
    );
    await listener.start();
    box.sf.store.insert('Account', [{ Name: 'Not in the job' }]);
    box.sf.editRecord('Loan__c', box.loans[0]!, { Amount__c: 1234 });
    await until('the loan event', () => woke.length === 1);
    await listener.stop();
    expect(woke).toEqual(['Loan__c']);
    const all = (await channelStates(tdb.db.pool, job.name)).find((c) => c.channel === '/data/ChangeEvents')!;
    expect(all).toMatchObject({ events: 2, records: 1, replayId: box.sf.changeEvents.latestReplayId });
    const { rows } = await tdb.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sync.change_notices WHERE object = 'Account'`,
    );
    expect(rows[0]!.n).toBe(0);
  });
});
