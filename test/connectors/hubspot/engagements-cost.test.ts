import { describe, expect, it } from 'vitest';
import { HubSpotEmulator } from '../../../sandbox/hubspot';
import { HubSpotConnector } from '../../../core/connectors/hubspot';
import type { UpsertInput } from '../../../core/connectors/connector';
import { defineEngagementProperties } from '../../../sandbox/examples/hubspot-engagements';
import { stopEmulatorsAfterEach } from '../../helpers/emulators';

const TOKEN = 'pat-na1-engagements-cost-0123';
const KEY = 'legacy_communication_id';
const TYPES = ['CALL', 'EMAIL', 'MEETING', 'NOTE', 'TASK'];
const OBJECTS = ['calls', 'emails', 'meetings', 'notes', 'tasks'];
const startEmulator = stopEmulatorsAfterEach<HubSpotEmulator>();

function calls(emulator: HubSpotEmulator, endpoint: string): number {
  return OBJECTS.reduce((n, o) => n + emulator.endpointCount('POST', `/crm/v3/objects/${o}/${endpoint}`), 0);
}

describe('what an engagements upsert costs in calls', () => {
  it('a first load finds each key in all five types (5 reads per 100 keys) and writes each type in batches of 100; a re-run writes nothing', async () => {
    const emulator = new HubSpotEmulator({ tokens: [TOKEN], rateLimitMax: 100_000 });
    defineEngagementProperties(emulator);
    const connector = new HubSpotConnector({ accessToken: TOKEN, basePath: await startEmulator(emulator) });
    const records: UpsertInput[] = Array.from({ length: 2000 }, (_, i) => ({
      key: `K-${i}`,
      properties: {
        hs_engagement_type: TYPES[i % 5]!,
        hs_subject: `Subject ${i}`,
        hs_timestamp: '2023-01-01T10:00:00Z',
        hs_duration_minutes: '15',
      },
    }));
    const first = await connector.upsert('engagements', records, { keyProperty: KEY, detectUnchanged: false });
    expect(first.every((r) => r.status === 'created')).toBe(true);
    // 2,000 keys: 20 reads by key in each of the five types; 400 records per type: 4 upserts each.
    expect(calls(emulator, 'batch/read')).toBe(100);
    expect(calls(emulator, 'batch/upsert')).toBe(20);
    const again = await connector.upsert('engagements', records, { keyProperty: KEY, detectUnchanged: true });
    expect(again.every((r) => r.status === 'unchanged')).toBe(true);
    // The same 100 reads by key, and each type's own read-back before writing (4 per type); no write.
    expect(calls(emulator, 'batch/read')).toBe(100 + 100 + 20);
    expect(calls(emulator, 'batch/upsert')).toBe(20);
    console.log(
      `2,000 engagements: first load ${100 + 20} calls (${(120 / 20).toFixed(1)} per 100 records), re-run ${120} calls, 0 writes`,
    );
  });
});
