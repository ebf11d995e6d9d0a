import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncOnChange } from '../../core/sync/on-change';
import {
  parseWebhookSettings,
  startWebhookServer,
  webhookCounts,
  type RunningWebhookServer,
} from '../../core/webhooks';
import { buildSalesforceRequest, deliver } from '../../sandbox/webhooks';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { loansJob, startSandbox, type Sandbox } from './fixtures';
import { disagreements } from './processes';

let tdb: TestDatabase;
let box: Sandbox;
let receiver: RunningWebhookServer;
let onChange: SyncOnChange;
const reports: Array<{ trigger: string; updated: number }> = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  box = await startSandbox();
  onChange = new SyncOnChange(tdb.db, [{ job: loansJob(), source: box.source(), target: box.target() }], {
    onReport: (r, trigger) => reports.push({ trigger, updated: r.totals.updated }),
  });
  receiver = await startWebhookServer({
    settings: parseWebhookSettings({ salesforce: { organizationId: box.sf.orgId } }),
    sql: tdb.db.pool,
    onAccepted: (notices) => onChange.notify(notices),
  });
  onChange.start();
  await onChange.idle();
}, 60_000);

afterAll(async () => {
  await onChange?.stop();
  await receiver?.close();
  await box?.stop();
  await tdb?.drop();
});

/** The receiver answers before it wakes the sync (a vendor must not wait on our writes): wait for the run. */
async function nextReport(after: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (reports.length <= after) {
    if (Date.now() > deadline) throw new Error('no sync run followed the webhook');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await onChange.idle();
}

const dealOf = (loanId: string) =>
  box.pd.store.all('deals').find((d) => d.custom_fields[box.pd.store.customKey('deals', 'Salesforce ID')] === loanId)!;
const url = () => `${receiver.url}/webhooks/salesforce`;

describe('webhooks wake the sync; polling catches what they miss', () => {
  it('an outbound message about a changed loan brings the change to Pipedrive', async () => {
    expect(box.pd.store.all('deals')).toHaveLength(20);
    box.sf.editRecord('Loan__c', box.loans[0]!, { Amount__c: 4242 });
    const request = buildSalesforceRequest(
      url(),
      [{ object: 'Loan__c', recordId: box.loans[0]!, action: 'update', eventId: '04l000000000001AAA' }],
      { organizationId: box.sf.orgId },
    );
    const before = reports.length;
    const answer = await deliver(request);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<Ack>true</Ack>');
    await nextReport(before);
    expect(Number(dealOf(box.loans[0]!).value)).toBe(4242);
    expect(reports.at(-1)).toEqual({ trigger: 'webhook', updated: 1 });
    const { rows } = await tdb.db.pool.query(
      `SELECT count(*)::int AS n FROM sync.change_notices WHERE processed_at IS NULL`,
    );
    expect(rows[0]!.n).toBe(0);

    // The same message again is a replay: counted, acknowledged, and it wakes nothing.
    const runs = reports.length;
    expect((await deliver(request)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await onChange.idle();
    expect(reports.length).toBe(runs);
    const counts = await webhookCounts(tdb.db.pool);
    expect(counts.find((c) => c.system === 'salesforce' && c.outcome === 'replayed')?.count).toBe(1);
  });

  it('a forged message (another org) is refused and counted; the change still arrives by the next poll', async () => {
    box.sf.editRecord('Loan__c', box.loans[1]!, { Amount__c: 777 });
    const forged = buildSalesforceRequest(url(), [{ object: 'Loan__c', recordId: box.loans[1]!, action: 'update' }], {
      organizationId: '00D000000000999AAA',
    });
    const answer = await deliver(forged);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await onChange.idle();
    expect(Number(dealOf(box.loans[1]!).value)).toBe(1010);
    const counts = await webhookCounts(tdb.db.pool);
    expect(
      counts.find((c) => c.system === 'salesforce' && c.outcome === 'rejected' && c.reason === 'wrong-org')?.count,
    ).toBe(1);

    onChange.poll();
    await onChange.idle();
    expect(Number(dealOf(box.loans[1]!).value)).toBe(777);
    expect(reports.at(-1)).toEqual({ trigger: 'poll', updated: 1 });
    // After replays, a forgery and a missed webhook, every record agrees.
    expect(disagreements(box, new Set())).toEqual([]);
  });
});
