import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkChosenCrms, jobFromParameter, streamsFromParameter } from '../../nodes/CrmBridge/actions/sync/parameters';

const JOB_TEXT = readFileSync(path.join(__dirname, '../../examples/sync/loans-to-pipedrive.json'), 'utf8');

describe('CRM Bridge Sync parameters', () => {
  it('takes the job as JSON text (typed in the editor) or as an object (from an expression)', () => {
    expect(jobFromParameter(JOB_TEXT)).toMatchObject({
      name: 'loans-to-pipedrive',
      source: 'salesforce',
      target: 'pipedrive',
      batchSize: 100,
    });
    expect(jobFromParameter(JSON.parse(JOB_TEXT)).streams.map((s) => s.name)).toEqual(['borrowers', 'loans']);
  });

  it('names every problem by its path in the job', () => {
    expect(() => jobFromParameter('')).toThrow('The Job parameter is empty: paste a sync job (JSON)');
    expect(() => jobFromParameter('{ "name": ')).toThrow(/^The Job parameter is not JSON: /);
    const job = JSON.parse(JOB_TEXT);
    job.streams[0].target.key = '';
    job.target = 'salesforce';
    expect(() => jobFromParameter(job)).toThrow(
      'Invalid sync job (parameter "Job"): streams[0].target.key: Too small: expected string to have >=1 characters; target: source and target must be different systems',
    );
  });

  it('splits the stream list and refuses names a job cannot have', () => {
    expect(streamsFromParameter('')).toBeUndefined();
    expect(streamsFromParameter(' loans , borrowers ,')).toEqual(['loans', 'borrowers']);
    expect(() => streamsFromParameter('loans, Bad Name')).toThrow(
      'Streams: "Bad Name": a stream name is lower-case letters, digits, _ or -',
    );
  });

  it('wants both ends of the job among the chosen CRMs, since only their credentials are offered', () => {
    const job = jobFromParameter(JOB_TEXT);
    expect(() => checkChosenCrms(['pipedrive', 'salesforce'], job)).not.toThrow();
    expect(() => checkChosenCrms(['salesforce'], job)).toThrow(
      'The job syncs salesforce -> pipedrive: add pipedrive under "CRMs" and choose its credential',
    );
    expect(() => checkChosenCrms([], job)).toThrow(
      'add salesforce and pipedrive under "CRMs" and choose their credentials',
    );
  });
});
