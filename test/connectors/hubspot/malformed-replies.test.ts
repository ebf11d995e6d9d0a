import { describe, expect, it } from 'vitest';
import { HubSpotError } from '../../../core/connectors/hubspot';
import { classifyError } from '../../../core/errors';
import { countItems, hubspotConnectorSetup } from '../../helpers/emulators';

const TOKEN = 'pat-na1-test-token-0123456789';
const setup = hubspotConnectorSetup(TOKEN);

/*
 * The HubSpot emulator's own faults are statuses, delays and drops; an answer of another shape is made by storing a
 * value HubSpot would never hold (a number where every property value is a string), which the emulator then serves.
 */
describe('HubSpotConnector parses what HubSpot answers (real @hubspot/api-client against the emulator)', () => {
  it('a listed record whose property value changed type fails naming the endpoint and the field path', async () => {
    const { emulator, connector } = await setup();
    const ids = ['a', 'b', 'c'].map(
      (n) => emulator.store.create('contacts', { email: `${n}@example.com`, firstname: n.toUpperCase() }).id,
    );
    (emulator.store.get('contacts', ids[2]!)!.properties as Record<string, unknown>).firstname = 42;
    const error = await countItems(connector.read('contacts', { properties: ['email', 'firstname'] })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HubSpotError);
    expect(error).toMatchObject({ category: 'BAD_RESPONSE' });
    expect((error as Error).message).toMatch(
      /^HubSpot GET \/crm\/v3\/objects\/contacts returned an unexpected body: results\[2\]\.properties\.firstname: .*expected string/,
    );
    expect(classifyError(error)).toBe('crm');
    expect(connector.retriesUsed).toBe(0);

    // The same check guards the by-ID read (batch/read) and the incremental read (search).
    const byId = await countItems(connector.readByIds('contacts', ids, { properties: ['firstname'] })).catch(
      (e: unknown) => e,
    );
    expect((byId as Error).message).toMatch(
      /^HubSpot POST \/crm\/v3\/objects\/contacts\/batch\/read returned an unexpected body: results\[2\]\.properties\.firstname: /,
    );
    const since = await countItems(
      connector.read('contacts', { properties: ['firstname'], since: '2000-01-01T00:00:00.000Z' }),
    ).catch((e: unknown) => e);
    expect((since as Error).message).toMatch(
      /^HubSpot POST \/crm\/v3\/objects\/contacts\/search returned an unexpected body: results\[2\]\.properties\.firstname: /,
    );
  });
});
