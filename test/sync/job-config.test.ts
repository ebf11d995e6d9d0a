import { describe, expect, it } from 'vitest';
import { orderStreams, parseSyncJob } from '../../core/sync/job';
import { loansJob } from './fixtures';

const base = () =>
  JSON.parse(JSON.stringify(loansJob())) as Record<string, unknown> & { streams: Array<Record<string, unknown>> };

describe('sync job config', () => {
  it('orders parents before the streams that reference them, whatever the file order', () => {
    expect(orderStreams(loansJob().streams).map((s) => s.name)).toEqual(['borrowers', 'loans']);
    const reversed = { ...base(), streams: [...base().streams].reverse() };
    expect(orderStreams(parseSyncJob(reversed).streams).map((s) => s.name)).toEqual(['borrowers', 'loans']);
  });

  it('names every problem by its path', () => {
    const bad = base();
    bad.streams[1]!.references = [{ from: 'Primary_Borrower__c', stream: 'borowers', to: 'person_id' }];
    (bad.streams[0]!.source as Record<string, unknown>).filter = [{ field: 'X', op: 'in', value: 'a' }];
    bad.valueMaps = {};
    expect(() => parseSyncJob(bad, 'job.json')).toThrow(
      /Invalid job\.json: .*streams\[0\]\.source\.filter\[0\]\.value: "in" needs a list of values.*streams\[1\]\.references\[0\]\.stream: no stream named "borowers".*streams\[1\]\.properties\[2\]\.transform\[0\]\.ref: value map "loanStatus" is not defined/,
    );
  });

  it('refuses cycles, self references and one system on both ends', () => {
    const cycle = base();
    cycle.streams[0]!.references = [{ from: 'X', stream: 'loans', to: 'deal_id' }];
    expect(() => parseSyncJob(cycle)).toThrow(/cycle: .*borrowers -> loans|cycle: .*loans -> borrowers/);
    expect(() => parseSyncJob({ ...base(), target: 'salesforce' })).toThrow(
      /source and target must be different systems/,
    );
    const self = base();
    self.streams[1]!.references = [{ from: 'X', stream: 'loans', to: 'y' }];
    expect(() => parseSyncJob(self)).toThrow(/a stream cannot reference itself/);
  });
});
