import { describe, expect, it } from 'vitest';
import { SalesforceConnector, SalesforceError } from '../../../core/connectors/salesforce';
import { classifyError } from '../../../core/errors';
import { SalesforceEmulator } from '../../../sandbox/salesforce';
import { countItems, freshEmulatorEachTest } from '../../helpers/emulators';

const CLIENT = { clientId: 'bridge-app', clientSecret: 'sUp3r-s3cret-value' };

let emu: SalesforceEmulator;
let url: string;

freshEmulatorEachTest(
  () => new SalesforceEmulator({ client: CLIENT }),
  (started, startedUrl) => ((emu = started), (url = startedUrl)),
);

const connector = () => new SalesforceConnector({ instanceUrl: url, oauth: { ...CLIENT } });

describe('SalesforceConnector parses what Salesforce answers (jsforce against the emulator)', () => {
  it('a query page whose record Id changed type fails naming the endpoint and the field path, as a CRM error', async () => {
    emu.store.insert('Account', [{ Name: 'A' }, { Name: 'B' }, { Name: 'C' }]);
    emu.faults.malformed(
      1,
      (body) => {
        const page = body as { records: Array<Record<string, unknown>> };
        page.records[1]!.Id = 42;
        return page;
      },
      { method: 'GET', path: '/query' },
    );
    const error = await countItems(connector().read('Account', { properties: ['Name'] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SalesforceError);
    expect(error).toMatchObject({ code: 'BAD_RESPONSE', transient: false });
    expect((error as Error).message).toMatch(
      /^Salesforce GET \/services\/data\/v60\.0\/query returned an unexpected body: records\[1\]\.Id: .*expected string/,
    );
    expect(classifyError(error)).toBe('crm');
    expect(emu.faults.hits.malformed).toBe(1);
    // The same read succeeds once the answer is back to its shape: nothing was cached from the bad one.
    expect(await countItems(connector().read('Account', { properties: ['Name'] }))).toBe(3);
  });

  it('an upsert answer without `success` fails the call naming the composite endpoint and the result index', async () => {
    const c = connector();
    await c.describe('Account');
    emu.faults.malformed(1, (body) => (body as Array<Record<string, unknown>>).map(({ success: _, ...rest }) => rest), {
      method: 'PATCH',
      path: '/composite/sobjects',
    });
    const error = await c
      .upsert('Account', [{ key: 'EXT-1', properties: { Name: 'A' } }], { keyProperty: 'Legacy_Id__c' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SalesforceError);
    expect((error as Error).message).toMatch(
      /^Salesforce PATCH \/services\/data\/v60\.0\/composite\/sobjects\/Account\/Legacy_Id__c returned an unexpected body: \[0\]\.success: .*expected boolean/,
    );
  });

  it('a describe without its field list fails naming the describe endpoint', async () => {
    emu.faults.malformed(1, (body) => ({ ...(body as object), fields: undefined }), { path: '/describe' });
    const error = await connector()
      .describe('Contact')
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^Salesforce GET \/services\/data\/v60\.0\/sobjects\/Contact\/describe returned an unexpected body: fields: .*expected array/,
    );
  });
});
