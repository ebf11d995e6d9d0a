import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { loansJob, startSandboxForProcesses, type Sandbox } from './fixtures';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'crm-bridge-deletes-cli-'));
let box: Sandbox;
let env: Record<string, string>;
let stop: (() => Promise<void>) | undefined;
const cli = (...args: string[]) => runCli(env, ...args);

beforeAll(async () => {
  ({ box, env, stop } = await startSandboxForProcesses());
}, 60_000);
afterAll(async () => stop?.());

describe('crm-bridge sync and the mass-delete guard', () => {
  it('refuses with exit code 3 and says how to override; --allow-mass-delete lets the deletes through', async () => {
    const job = loansJob();
    const loans = job.streams.find((s) => s.name === 'loans')!;
    Object.assign(loans, { onDelete: 'delete', maxDeleteShare: 0.1 });
    const file = path.join(tmp, 'loans-deletes.json');
    writeFileSync(file, JSON.stringify(job));
    expect((await cli('sync', '--job', file)).code).toBe(0);
    expect(box.pd.store.all('deals')).toHaveLength(20);

    for (const i of [0, 1, 3]) box.sf.store.delete('Loan__c', box.loans[i]!);
    const refused = await cli('--json', 'sync', '--job', file);
    expect(refused.code, refused.stderr).toBe(3);
    const out = JSON.parse(refused.stdout) as {
      ok: boolean;
      error: { kind: string; message: string };
      result: { streams: Array<{ stream: string; status: string; errorKind?: string }> };
    };
    expect(out.ok).toBe(false);
    expect(out.error.kind).toBe('input');
    expect(out.error.message).toMatch(/Refused to delete 3 of the 20 deals records .* --allow-mass-delete/);
    expect(out.result.streams.find((s) => s.stream === 'loans')).toMatchObject({
      status: 'failed',
      errorKind: 'input',
    });
    expect(box.pd.store.all('deals')).toHaveLength(20);

    const status = await cli('--json', 'sync-status', '--job', file);
    expect(status.stdout).toContain('Refused to delete 3');

    const plan = await cli('sync', '--job', file, '--dry-run');
    expect(plan.stdout.split('\n').filter((l) => l.startsWith('delete '))).toHaveLength(3);

    const allowed = await cli('sync', '--job', file, '--allow-mass-delete');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(box.pd.store.all('deals')).toHaveLength(17);
    expect(allowed.stdout).toMatch(/deleted/);
  }, 180_000);
});
