import { afterEach, describe, expect, it } from 'vitest';
import { DynamicsEmulator } from '../../../sandbox/dynamics';
import { DynamicsConnector, DynamicsError } from '../../../core/connectors/dynamics';
import type { ReadItem } from '../../../core/connectors/connector';
import { classifyError } from '../../../core/errors';

const running: DynamicsEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
});

async function setup() {
  const emulator = new DynamicsEmulator({ tokens: ['dyn-token-0123456789'] });
  running.push(emulator);
  const url = await emulator.start();
  const connector = new DynamicsConnector({
    url,
    accessToken: 'dyn-token-0123456789',
    minRetryDelayMs: 5,
    maxRetryDelayMs: 50,
  });
  return { emulator, connector };
}

async function drain(items: AsyncIterable<ReadItem>): Promise<number> {
  let n = 0;
  for await (const _ of items) n++;
  return n;
}

describe('DynamicsConnector parses what Dataverse answers (real SDK against the emulator)', () => {
  it('a page whose modifiedon went missing fails naming the endpoint and the field path, as a CRM error, not retried', async () => {
    const { emulator, connector } = await setup();
    emulator.store.setChangeTracking('account', false);
    for (const name of ['A', 'B', 'C', 'D']) emulator.store.insert('account', { name });
    await connector.describe('account');
    emulator.faults.malformed('/api/data/v9.2/accounts', (body) => {
      const page = body as { value: Array<Record<string, unknown>> };
      delete page.value[2]!.modifiedon;
      return page;
    });
    const before = emulator.endpointCount('GET', '/api/data/v9.2/accounts');
    const error = await drain(connector.read('account')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamicsError);
    expect((error as Error).message).toMatch(
      /^Dynamics GET \/api\/data\/v9\.2\/accounts returned an unexpected body: value\[2\]\.modifiedon: .*expected date/,
    );
    expect(classifyError(error)).toBe('crm');
    expect(emulator.faults.served.malformed).toBe(1);
    expect(emulator.endpointCount('GET', '/api/data/v9.2/accounts') - before).toBe(1);
    expect(connector.retriesUsed).toBe(0);
    expect(await drain(connector.read('account'))).toBe(4);
  });

  it('attribute metadata whose AttributeType changed type fails describe naming the metadata path', async () => {
    const { emulator, connector } = await setup();
    emulator.faults.malformed("/api/data/v9.2/EntityDefinitions(LogicalName='contact')/Attributes", (body) => {
      const page = body as { value: Array<Record<string, unknown>> };
      page.value[4]!.AttributeType = 7;
      return page;
    });
    const error = await connector.describe('contact').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^Dynamics GET \/api\/data\/v9\.2\/EntityDefinitions\(LogicalName='contact'\)\/Attributes returned an unexpected body: value\[4\]\.AttributeType: .*expected string/,
    );
    // The failure is not cached: the next describe asks again and succeeds.
    expect((await connector.describe('contact')).object).toBe('contact');
  });

  it('a delta entry without its ID fails the change-tracked read naming it', async () => {
    const { emulator, connector } = await setup();
    const row = emulator.store.insert('account', { name: 'Gone soon' });
    let link = '';
    for await (const change of connector.changes('account', { properties: ['name'] }))
      if (change.type === 'deltaLink') link = change.link;
    emulator.store.delete('account', row.id);
    emulator.faults.malformed('/api/data/v9.2/accounts', (body) => {
      const page = body as { value: Array<Record<string, unknown>> };
      delete page.value[0]!.id;
      return page;
    });
    const error = await (async () => {
      for await (const _ of connector.changes('account', { deltaLink: link })) void _;
    })().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/returned an unexpected body: value\[0\]\.id: .*expected string/);
  });

  it('an unreachable environment is a connection failure naming its URL, without retries', async () => {
    const { emulator } = await setup();
    const url = emulator.url;
    await emulator.stop();
    const connector = new DynamicsConnector({ url, accessToken: 'dyn-token-0123456789', minRetryDelayMs: 5 });
    const error = (await connector.describe('account').catch((e: unknown) => e)) as DynamicsError;
    expect(error.connectionFailed).toBe(true);
    expect(error.message).toContain(`Dataverse at ${url} cannot be reached`);
    expect(error.message).not.toContain('dyn-token-0123456789');
    expect(connector.retriesUsed).toBe(0);
  });
});
