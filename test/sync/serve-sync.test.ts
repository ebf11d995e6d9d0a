import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSalesforceRequest, deliver } from '../../sandbox/webhooks';
import { spawnCli } from '../helpers/cli';
import { until } from '../helpers/until';
import { PD_TOKEN, SF_CLIENT, startSandboxForProcesses, LOANS_JOB_FILE as JOB, type Sandbox } from './fixtures';

let box: Sandbox;
let env: Record<string, string>;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ box, env, stop } = await startSandboxForProcesses());
  env.SALESFORCE_ORG_ID = box.sf.orgId;
}, 60_000);
afterAll(async () => stop?.());

const dealOf = (loanId: string) =>
  box.pd.store.all('deals').find((d) => d.custom_fields[box.pd.store.customKey('deals', 'Salesforce ID')] === loanId);

describe('crm-bridge serve --job', () => {
  it('syncs on start, then on each outbound message, and stops cleanly', async () => {
    const served = spawnCli(env, 'serve', '--port', '0', '--job', JOB, '--every', '0');
    const { log, err, out } = served;
    const wait = (what: string, condition: () => boolean) => until(what, condition, log, 120_000);
    await wait('the first sync', () => /sync loans-to-pipedrive \(poll\): succeeded/.test(err()));
    expect(box.pd.store.all('deals')).toHaveLength(20);
    const listening = /Serving on (\S+)/.exec(out())![1]!;

    box.sf.editRecord('Loan__c', box.loans[0]!, { Amount__c: 31337 });
    const answer = await deliver(
      buildSalesforceRequest(
        `${listening}/webhooks/salesforce`,
        [{ object: 'Loan__c', recordId: box.loans[0]!, action: 'update' }],
        { organizationId: box.sf.orgId },
      ),
    );
    expect(answer.status).toBe(200);
    await wait('the webhook-driven sync', () => Number(dealOf(box.loans[0]!)?.value) === 31337);
    await wait('its report', () => /sync loans-to-pipedrive \(webhook\): succeeded; created 0, updated 1/.test(err()));

    expect(await served.stop()).toBe(0);
    expect(out()).toContain('accepted 1');
    for (const secret of [SF_CLIENT.clientSecret, PD_TOKEN]) expect(log()).not.toContain(secret);
  }, 180_000);
});
