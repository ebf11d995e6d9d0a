import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli';
import { until } from '../helpers/until';
import { startSandboxForProcesses, LOANS_JOB_FILE as JOB, type Sandbox } from './fixtures';
import { sfKey } from './processes';

let box: Sandbox;
let env: Record<string, string>;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ box, env, stop } = await startSandboxForProcesses());
}, 60_000);
afterAll(async () => stop?.());

const dealOf = (loanId: string) =>
  box.pd.store.all('deals').find((d) => d.custom_fields[sfKey(box, 'deals')] === loanId);

/** `crm-bridge serve --job <loans> --change-events` with an hourly poll: only change events can wake it in a test. */
function serve() {
  return spawnCli(env, 'serve', '--port', '0', '--job', JOB, '--change-events', '--every', '3600');
}

describe('crm-bridge serve --job --change-events', () => {
  it('syncs an edit without a poll, and after a restart brings the edits made while it was down, once', async () => {
    let p = serve();
    await until('the first sync', () => /sync loans-to-pipedrive \(poll\): succeeded/.test(p.err()), p.log);
    expect(p.err()).toContain('change events loans-to-pipedrive /data/Loan__ChangeEvent: subscribed, new events');
    expect(box.pd.store.all('deals')).toHaveLength(20);

    const lags: number[] = [];
    // Loans 0, 1 and 3 belong to the job's officer (every third loan is another officer's, outside the filter).
    for (const [i, amount] of [
      [0, 31_337],
      [1, 31_338],
      [3, 31_339],
    ] as const) {
      const sent = Date.now();
      box.sf.editRecord('Loan__c', box.loans[i]!, { Amount__c: amount });
      await until('the edit in Pipedrive', () => Number(dealOf(box.loans[i]!)?.value) === amount, p.log);
      lags.push(Date.now() - sent);
    }
    await until(
      'the reports',
      () => (p.err().match(/\(change-event\): succeeded; created 0, updated 1/g) ?? []).length >= 3,
      p.log,
    );
    expect(p.err()).toMatch(
      /change events loans-to-pipedrive \/data\/Loan__ChangeEvent: UPDATE Loan__c, 1 record \(replay ID \d+\)/,
    );
    console.log(`change event -> Pipedrive: ${lags.map((l) => `${l} ms`).join(', ')}`);
    expect(await p.stop()).toBe(0);
    expect(p.out()).toMatch(
      /change events: loans-to-pipedrive \/data\/ContactChangeEvent 0 events \(0 records\), 0 catch-up polls, loans-to-pipedrive \/data\/Loan__ChangeEvent 3 events \(3 records\), 0 catch-up polls/,
    );
    const stored = Number(/UPDATE Loan__c, 1 record \(replay ID (\d+)\)\n(?![\s\S]*UPDATE Loan__c)/.exec(p.err())![1]);

    box.sf.editRecord('Loan__c', box.loans[4]!, { Amount__c: 40_404 });
    box.sf.editRecord('Loan__c', box.loans[6]!, { Amount__c: 50_505 });
    p = serve();
    await until(
      'the edits made while it was down',
      () => Number(dealOf(box.loans[4]!)?.value) === 40_404 && Number(dealOf(box.loans[6]!)?.value) === 50_505,
      p.log,
    );
    expect(p.err()).toContain(
      `change events loans-to-pipedrive /data/Loan__ChangeEvent: subscribed, after replay ID ${stored}`,
    );
    await until('both replayed events', () => (p.err().match(/UPDATE Loan__c, 1 record/g) ?? []).length === 2, p.log);
    // Written once: the first run after the restart (the start-up poll or the first replayed event) writes both
    // deals; the other finds them written.
    await until('the runs', () => (p.err().match(/^sync loans-to-pipedrive/gm) ?? []).length >= 2, p.log, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const updated = [...p.err().matchAll(/updated (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect(updated).toBe(2);
    expect(await p.stop()).toBe(0);

    const status = await runCli(env, 'sync-status', '--job', JOB, '--json');
    expect(status.code, status.stderr).toBe(0);
    const channels = (JSON.parse(status.stdout) as { result: { changeEvents: unknown[] } }).result.changeEvents;
    expect(channels).toEqual([
      expect.objectContaining({ channel: '/data/Loan__ChangeEvent', events: 5, records: 5, catchUps: 0 }),
    ]);
  }, 180_000);
});
