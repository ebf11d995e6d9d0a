import { describe, expect, it } from 'vitest';
import { PipedriveError } from '../../../core/connectors/pipedrive';
import { classifyError } from '../../../core/errors';
import { countItems, pipedriveConnectorSetup } from '../../helpers/emulators';

const TOKEN = 'pd-test-token-0123456789abcdef';
const setup = pipedriveConnectorSetup(TOKEN);

describe('PipedriveConnector parses what Pipedrive answers (real pipedrive SDK against the emulator)', () => {
  it('a record page whose update_time went missing fails naming the endpoint and the field path, as a CRM error', async () => {
    const { emulator, connector } = await setup();
    for (const name of ['A', 'B', 'C', 'D', 'E']) emulator.store.create('persons', { name });
    emulator.faults.malformed('/api/v2/persons', (body) => {
      const page = body as { data: Array<Record<string, unknown>> };
      delete page.data[3]!.update_time;
      return page;
    });
    const error = await countItems(connector.read('persons')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipedriveError);
    expect((error as Error).message).toMatch(
      /^Pipedrive GET \/api\/v2\/persons returned an unexpected body: data\[3\]\.update_time: .*expected string/,
    );
    expect(classifyError(error)).toBe('crm');
    // Not retried: the bad answer was served once, and no call was repeated for it.
    expect(emulator.faults.served.malformed).toBe(1);
    expect(emulator.requestsTo('/api/v2/persons')).toHaveLength(1);
    expect(connector.retriesUsed).toBe(0);
    // The next read gets the shape back and every record.
    expect(await countItems(connector.read('persons'))).toBe(5);
  });

  it('a field list whose key changed type fails describe naming the v1 endpoint', async () => {
    const { emulator, connector } = await setup();
    emulator.faults.malformed('/v1/dealFields', (body) => {
      const page = body as { data: Array<Record<string, unknown>> };
      page.data[0]!.key = 7;
      return page;
    });
    const error = await connector.describe('deals').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^Pipedrive GET \/v1\/dealFields returned an unexpected body: data\[0\]\.key: .*expected string/,
    );
  });

  it('a search answer without item IDs fails that record of an upsert with the endpoint and path', async () => {
    const { emulator, connector } = await setup();
    emulator.faults.malformed('/api/v2/persons/search', () => ({ success: true, data: { items: [{ item: {} }] } }));
    const [result] = await connector.upsert('persons', [{ key: 'L-1', properties: { name: 'Ada' } }], {
      keyProperty: 'Legacy person ID',
    });
    expect(result).toMatchObject({ key: 'L-1', status: 'failed' });
    expect(result!.error).toMatch(
      /^Pipedrive GET \/api\/v2\/persons\/search returned an unexpected body: data\.items\[0\]\.item\.id: .*expected number/,
    );
    expect(emulator.store.count('persons')).toBe(0);
  });
});
