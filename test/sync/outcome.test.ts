import { describe, expect, it } from 'vitest';
import {
  emptyCounts,
  headline,
  ProblemTally,
  runStatus,
  streamStatus,
  type StreamOutcome,
} from '../../core/sync/outcome';

const counts = (c: Partial<ReturnType<typeof emptyCounts>>) => ({ ...emptyCounts(), ...c });
const stream = (
  name: string,
  status: StreamOutcome['status'],
  c: Partial<ReturnType<typeof emptyCounts>> = {},
  extra: Partial<StreamOutcome> = {},
): StreamOutcome => ({ stream: name, status, counts: counts(c), problems: [], ...extra });

describe('what a sync run is called', () => {
  it('a stream succeeds only when nothing failed, was rejected or deferred; partial when something went through anyway', () => {
    expect(streamStatus(counts({ created: 3, unchanged: 5, skipped: 2 }), undefined)).toBe('succeeded');
    expect(streamStatus(counts({ skipped: 4 }), undefined)).toBe('succeeded');
    expect(streamStatus(counts({ created: 19, failed: 1 }), undefined)).toBe('partial');
    expect(streamStatus(counts({ unchanged: 5, deferred: 1 }), undefined)).toBe('partial');
    expect(streamStatus(counts({ failed: 20, skipped: 10 }), undefined)).toBe('failed');
    expect(streamStatus(counts({ created: 5 }), 'Pipedrive at http://x cannot be reached')).toBe('failed');
  });

  it('a run is failed when not one record went through, whatever streams that only skipped say; busy streams do not count', () => {
    expect(runStatus([stream('a', 'succeeded', { created: 1 }), stream('b', 'busy')])).toBe('succeeded');
    expect(runStatus([stream('a', 'succeeded', { skipped: 20 }), stream('b', 'failed')])).toBe('failed');
    expect(runStatus([stream('a', 'succeeded', { created: 17 }), stream('b', 'failed', { failed: 20 })])).toBe(
      'partial',
    );
    expect(runStatus([stream('a', 'partial', { created: 1, failed: 1 })])).toBe('partial');
  });
});

describe('the headline', () => {
  it('groups records that failed for one reason, keeps five reasons and counts the rest together', () => {
    const tally = new ProblemTally();
    for (let i = 0; i < 20; i++) tally.add('failed', `deals L-${i}: Validation failed: value: too small`, `L-${i}`);
    for (let i = 0; i < 7; i++)
      tally.add('rejected', `Loan__c M-${i}: field Stage__c -> stage_id: no value mapping for "X${i}"`, `M-${i}`);
    expect(tally.list).toEqual([
      { kind: 'failed', count: 20, reason: 'deals …: Validation failed: value: too small', example: 'L-0' },
      ...[0, 1, 2, 3].map((i) => ({
        kind: 'rejected',
        count: 1,
        reason: `Loan__c …: field Stage__c -> stage_id: no value mapping for "X${i}"`,
        example: `M-${i}`,
      })),
      { kind: 'rejected', count: 3, reason: 'other reasons (see sync-status)', example: 'M-4' },
    ]);
    const run = {
      runId: 'r1',
      job: 'loans',
      dryRun: false,
      status: 'partial' as const,
      streams: [stream('loans', 'partial', { created: 3, failed: 20, rejected: 7 }, { problems: tally.list })],
    };
    expect(headline(run)).toBe(
      'Run r1 of loans: partial — loans: 20 failed: deals …: Validation failed: value: too small; ' +
        'loans: 1 rejected: Loan__c …: field Stage__c -> stage_id: no value mapping for "X0"; ' +
        'loans: 1 rejected: Loan__c …: field Stage__c -> stage_id: no value mapping for "X1"; and 3 more reason(s) (see sync-status)',
    );
  });

  it('a stream that stopped comes first with its error; busy streams are named; a success says only that', () => {
    const stopped = {
      runId: 'r2',
      job: 'loans',
      dryRun: true,
      status: 'failed' as const,
      streams: [
        stream('borrowers', 'busy'),
        stream('loans', 'failed', {}, { error: 'HubSpot at http://h cannot be reached' }),
      ],
    };
    expect(headline(stopped)).toBe(
      'Plan r2 of loans: failed — loans stopped: HubSpot at http://h cannot be reached (busy in another process: borrowers)',
    );
    expect(
      headline({
        runId: 'r3',
        job: 'loans',
        dryRun: false,
        status: 'succeeded',
        streams: [stream('loans', 'succeeded', { created: 1 })],
      }),
    ).toBe('Run r3 of loans: succeeded');
  });
});
