import { describe, expect, it } from 'vitest';
import { PipedriveEmulator } from '../../../sandbox/pipedrive';
import { type PipedriveConnectorOptions } from '../../../core/connectors/pipedrive';
import type { UpsertInput } from '../../../core/connectors/connector';
import { pipedriveConnectorSetup } from '../../helpers/emulators';

const TOKEN = 'pd-options-token-0123456789abcdef';
const KEY = 'Legacy person ID';
const start = pipedriveConnectorSetup(TOKEN);

/** An emulator holding three persons whose values already equal `input`, and a connector on it. */
async function setup(connectorOptions: Partial<PipedriveConnectorOptions>) {
  const { emulator, connector } = await start({}, connectorOptions);
  const legacy = emulator.store.customKey('persons', KEY);
  const input: UpsertInput[] = ['Ada', 'Grace', 'Hedy'].map((name, i) => ({ key: `K-${i}`, properties: { name } }));
  const ids = input.map((r) =>
    String(emulator.store.create('persons', { name: r.properties.name }, { [legacy]: r.key }).id),
  );
  return { emulator, connector, input, ids };
}

/**
 * What the emulator was asked from `from` on: the by-ID fetches (`GET /api/v2/persons?ids=`) the connector makes to
 * compare existing records, the IDs they named, and the PATCHes (updates).
 */
function traffic(emulator: PipedriveEmulator, from: number) {
  const calls = emulator.log.slice(from);
  const byId = calls.filter((r) => r.method === 'GET' && r.path === '/api/v2/persons' && r.query.ids !== undefined);
  return {
    byIdFetches: byId.length,
    fetchedIds: byId.flatMap((r) => r.query.ids!.split(',')).sort(),
    patches: calls.filter((r) => r.method === 'PATCH').length,
  };
}

describe("PipedriveConnector.upsert: the per-call detectUnchanged wins over the connector's setting", () => {
  it('per-call false on a connector constructed with it on: no by-ID fetch, every existing record written as updated', async () => {
    const { emulator, connector, input, ids } = await setup({ detectUnchanged: true });
    const blind = await connector.upsert('persons', input, { keyProperty: KEY, detectUnchanged: false });
    expect(blind).toEqual(input.map((r, i) => ({ key: r.key, status: 'updated', id: ids[i] })));
    expect(traffic(emulator, 0)).toEqual({ byIdFetches: 0, fetchedIds: [], patches: 3 });
    expect(emulator.writes).toEqual({ created: 0, updated: 3 });

    // No option: the constructor's setting (on) applies again, on the same connector.
    const before = emulator.log.length;
    const compared = await connector.upsert('persons', input, { keyProperty: KEY });
    expect(compared.map((r) => [r.status, r.id])).toEqual(ids.map((id) => ['unchanged', id]));
    expect(traffic(emulator, before)).toEqual({ byIdFetches: 1, fetchedIds: [...ids].sort(), patches: 0 });
    expect(emulator.writes).toEqual({ created: 0, updated: 3 });
  });

  it('per-call true on a connector constructed with it off: one by-ID fetch, unchanged records reported unchanged and not written', async () => {
    const { emulator, connector, input, ids } = await setup({ detectUnchanged: false });
    // No option: the constructor's setting (off) applies, so the records are written without being compared.
    const blind = await connector.upsert('persons', input, { keyProperty: KEY });
    expect(blind.map((r) => [r.status, r.id])).toEqual(ids.map((id) => ['updated', id]));
    expect(traffic(emulator, 0)).toMatchObject({ byIdFetches: 0, patches: 3 });
    expect(emulator.writes).toEqual({ created: 0, updated: 3 });

    // Grace changes; the other two hold their values already.
    const changed = input.map((r, i) => (i === 1 ? { key: r.key, properties: { name: 'Grace B. Hopper' } } : r));
    const before = emulator.log.length;
    const compared = await connector.upsert('persons', changed, { keyProperty: KEY, detectUnchanged: true });
    expect(compared).toEqual([
      { key: 'K-0', status: 'unchanged', id: ids[0] },
      { key: 'K-1', status: 'updated', id: ids[1] },
      { key: 'K-2', status: 'unchanged', id: ids[2] },
    ]);
    // The IDs were cached by the first call, so the three lookups share one fetch.
    expect(traffic(emulator, before)).toEqual({ byIdFetches: 1, fetchedIds: [...ids].sort(), patches: 1 });
    expect(emulator.writes).toEqual({ created: 0, updated: 4 });
    expect(emulator.store.get('persons', Number(ids[1]))!.name).toBe('Grace B. Hopper');
  });

  it('per-call false after listing the object for a large batch: the listing finds the IDs but nothing is compared', async () => {
    const { emulator, connector, input, ids } = await setup({ detectUnchanged: true, primeThreshold: 2 });
    const extra = { key: 'K-new', properties: { name: 'Katherine' } };
    const results = await connector.upsert('persons', [...input, extra], { keyProperty: KEY, detectUnchanged: false });
    expect(results.map((r) => r.status)).toEqual(['updated', 'updated', 'updated', 'created']);
    expect(results.slice(0, 3).map((r) => r.id)).toEqual(ids);
    const calls = traffic(emulator, 0);
    expect(calls).toMatchObject({ byIdFetches: 0, patches: 3 });
    // One listing of the object instead of a search per key.
    expect(
      emulator.requestsTo('/api/v2/persons').filter((r) => r.method === 'GET' && r.query.ids === undefined),
    ).toHaveLength(1);
    expect(emulator.requestsTo(/\/search$/)).toHaveLength(0);
    expect(emulator.writes).toEqual({ created: 1, updated: 3 });
  });
});
