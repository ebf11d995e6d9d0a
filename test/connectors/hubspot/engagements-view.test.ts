import { describe, expect, it } from 'vitest';
import { Client } from '@hubspot/api-client';
import { HubSpotConnector, encodeHubSpotCursor, type HubSpotConnectorOptions } from '../../../core/connectors/hubspot';
import { seedEngagements } from '../../../sandbox/examples/hubspot-engagements';
import { collectRecords, hubspotConnectorSetup } from '../../helpers/emulators';
import { defineEngagementMirror } from './fixtures';

const TOKEN = 'pat-na1-engagements-0123456789';
const KEY = 'legacy_communication_id';
const start = hubspotConnectorSetup(TOKEN);

function setup(connectorOptions: Partial<HubSpotConnectorOptions> = {}, define = true) {
  // The limit is not what these tests are about: lifted so they count calls without waiting out windows.
  return start({ rateLimitMax: 100_000 }, connectorOptions, define ? defineEngagementMirror : undefined);
}

/** One engagement of each type as the mirror holds them (unified names). */
function mirrorRows(): Array<Record<string, string>> {
  const row = (id: string, key: string, type: string, extra: Record<string, string>) => ({
    hs_object_id: id,
    [KEY]: key,
    hs_engagement_type: type,
    hs_subject: '',
    hs_body: '',
    hs_timestamp: '2022-03-01T10:00:00Z',
    hs_status: '',
    hs_priority: '',
    hs_duration_minutes: '',
    hubspot_owner_id: '51000101',
    legacy_company_id: '',
    legacy_person_id: '',
    legacy_opportunity_id: '',
    createdate: '2022-03-01T10:00:00Z',
    hs_lastmodifieddate: '2022-03-02T10:00:00Z',
    ...extra,
  });
  return [
    row('5001', 'C-1', 'CALL', {
      hs_subject: 'Intro call',
      hs_body: 'Talked pricing',
      hs_status: 'COMPLETED',
      hs_priority: 'HIGH',
      hs_duration_minutes: '38',
    }),
    row('5002', 'C-2', 'EMAIL', {
      hs_subject: 'Sent brochure',
      hs_body: 'Attached the PDF',
      hs_status: 'DEFERRED',
      hs_priority: 'LOW',
    }),
    row('5003', 'C-3', 'MEETING', {
      hs_subject: 'Quarterly review',
      hs_timestamp: '2022-03-04T14:30:00Z',
      hs_status: 'NOT_STARTED',
      hs_duration_minutes: '90',
    }),
    row('5004', 'C-4', 'NOTE', {
      hs_subject: 'Credit check',
      hs_body: 'Rating A',
      hs_status: 'COMPLETED',
      hs_priority: 'MEDIUM',
      hs_duration_minutes: '5',
    }),
    row('5005', 'C-5', 'TASK', {
      hs_subject: 'Prepare quote',
      hs_status: 'IN_PROGRESS',
      hs_priority: 'LOW',
      hs_duration_minutes: '20',
    }),
  ];
}

describe('the emulator serves the five engagement objects', () => {
  it("at their real paths, with their own properties and picklists, and HubSpot's default association types both ways", async () => {
    const { emulator, basePath } = await setup();
    const client = new Client({ accessToken: TOKEN, basePath });
    const calls = await client.crm.properties.coreApi.getAll('calls');
    expect(calls.results.find((p) => p.name === 'hs_call_status')!.options.map((o) => o.value)).toEqual([
      'BUSY',
      'CALLING_CRM_USER',
      'CANCELED',
      'COMPLETED',
      'CONNECTING',
      'FAILED',
      'IN_PROGRESS',
      'NO_ANSWER',
      'QUEUED',
      'RINGING',
    ]);
    const tasks = await client.crm.properties.coreApi.getAll('tasks');
    expect(tasks.results.find((p) => p.name === 'hs_task_status')!.options.map((o) => o.value)).toEqual([
      'NOT_STARTED',
      'IN_PROGRESS',
      'WAITING',
      'COMPLETED',
      'DEFERRED',
    ]);
    const notes = await client.crm.properties.coreApi.getAll('notes');
    expect(notes.results.map((p) => p.name)).toContain('hs_note_body');
    expect(notes.results.map((p) => p.name)).not.toContain('hs_note_subject');
    const labels = async (from: string, to: string) =>
      (await client.crm.associations.v4.schema.definitionsApi.getAll(from, to)).results.map((r) => r.typeId);
    expect(await labels('calls', 'contacts')).toEqual([194]);
    expect(await labels('contacts', 'calls')).toEqual([193]);
    expect(await labels('notes', 'companies')).toEqual([190]);
    expect(await labels('companies', 'notes')).toEqual([189]);
    expect(await labels('tasks', 'deals')).toEqual([216]);
    expect(await labels('deals', 'meetings')).toEqual([211]);
    expect(await labels('emails', 'deals')).toEqual([210]);
    // A value outside a picklist is refused, as HubSpot does.
    const answer = await client.crm.objects.batchApi.upsert('tasks', {
      inputs: [
        { idProperty: KEY, id: 'T-1', properties: { hs_timestamp: '2022-01-01T00:00:00Z', hs_task_status: 'Waiting' } },
        { idProperty: KEY, id: 'T-2', properties: { hs_timestamp: '2022-01-01T00:00:00Z', hs_task_status: 'WAITING' } },
      ],
    });
    expect((answer as unknown as { errors: Array<{ message: string }> }).errors.map((e) => e.message)).toEqual([
      expect.stringContaining('Waiting was not one of the allowed options'),
    ]);
    expect(emulator.store.records('tasks').map((r) => r.properties[KEY])).toEqual(['T-2']);
  });
});

describe('the engagements view over calls, emails, meetings, notes and tasks (real @hubspot/api-client)', () => {
  it('describes the unified names, the legacy-ID property unique on all five, and where each type keeps each value', async () => {
    const { connector } = await setup();
    const schema = await connector.describe('engagements');
    const names = schema.fields.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'hs_object_id',
        KEY,
        'hs_engagement_type',
        'hs_subject',
        'hs_body',
        'hs_timestamp',
        'hs_status',
        'hs_priority',
        'hs_duration_minutes',
        'hubspot_owner_id',
        'legacy_company_id',
        'legacy_person_id',
        'legacy_opportunity_id',
        'createdate',
        'hs_lastmodifieddate',
      ]),
    );
    // The types' own names and the view's custom homes stay inside the view.
    for (const own of ['hs_call_title', 'hs_note_body', 'hs_task_status', 'engagement_subject', 'engagement_status'])
      expect(names).not.toContain(own);
    const field = (n: string) => schema.fields.find((f) => f.name === n)!;
    expect(field(KEY).unique).toBe(true);
    expect(field('hs_engagement_type').options).toEqual(['CALL', 'EMAIL', 'MEETING', 'NOTE', 'TASK']);
    expect(field('hs_status').options).toEqual(['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED']);
    expect(field('hs_subject').description).toContain('notes: engagement_subject');
    expect(field('hs_duration_minutes').description).toContain('calls: hs_call_duration');
    expect(field('hs_lastmodifieddate').readOnly).toBe(true);
    expect(await connector.listObjects()).toContain('engagements');

    // A portal without the custom properties: the legacy key is not there, and the description says what is missing.
    const bare = (await setup({}, false)).connector;
    const plain = await bare.describe('engagements');
    expect(plain.fields.map((f) => f.name)).not.toContain(KEY);
    expect(plain.fields.find((f) => f.name === 'hs_subject')!.description).toMatch(
      /Not defined in this portal on notes/,
    );
  });

  it('reads all five types as one object, each record translated to the unified names with its type', async () => {
    const { emulator, connector } = await setup();
    const seeded = seedEngagements(emulator, mirrorRows());
    expect(seeded.byType).toEqual({ calls: 1, emails: 1, meetings: 1, notes: 1, tasks: 1 });
    // What HubSpot holds, in each type's own names: a call's duration in ms, a meeting's as an end time, a note's subject in a custom property.
    expect(emulator.store.get('calls', '5001')!.properties).toMatchObject({
      hs_call_title: 'Intro call',
      hs_call_body: 'Talked pricing',
      hs_call_duration: '2280000',
      engagement_status: 'COMPLETED',
      engagement_priority: 'HIGH',
    });
    expect(emulator.store.get('emails', '5002')!.properties).toMatchObject({
      hs_email_subject: 'Sent brochure',
      hs_email_text: 'Attached the PDF',
    });
    expect(emulator.store.get('meetings', '5003')!.properties).toMatchObject({
      hs_meeting_title: 'Quarterly review',
      hs_meeting_start_time: '2022-03-04T14:30:00Z',
      hs_meeting_end_time: '2022-03-04T16:00:00.000Z',
    });
    expect(emulator.store.get('notes', '5004')!.properties).toMatchObject({
      engagement_subject: 'Credit check',
      hs_note_body: 'Rating A',
      engagement_duration_minutes: '5',
    });
    expect(emulator.store.get('tasks', '5005')!.properties).toMatchObject({
      hs_task_subject: 'Prepare quote',
      hs_task_status: 'IN_PROGRESS',
      hs_task_priority: 'LOW',
      engagement_duration_minutes: '20',
    });

    const records = await collectRecords(connector.read('engagements'));
    expect(records).toHaveLength(5);
    const unifiedColumns = Object.keys(mirrorRows()[0]!).filter(
      (c) => c !== 'createdate' && c !== 'hs_lastmodifieddate',
    );
    for (const row of mirrorRows()) {
      const record = records.find((r) => r.id === row.hs_object_id)!;
      const expected = Object.fromEntries(unifiedColumns.map((c) => [c, row[c] === '' ? null : row[c]]));
      expect({
        ...Object.fromEntries(unifiedColumns.map((c) => [c, record.properties[c]])),
        hs_timestamp: Date.parse(record.properties.hs_timestamp!),
      }).toEqual({ ...expected, hs_timestamp: Date.parse(row.hs_timestamp!) });
    }
    // Only the properties asked for.
    const few = await collectRecords(
      connector.read('engagements', { properties: ['hs_engagement_type', 'hs_subject'] }),
    );
    expect(few.find((r) => r.id === '5004')!.properties).toEqual({
      hs_engagement_type: 'NOTE',
      hs_subject: 'Credit check',
    });
  });

  it('reads incrementally across the five types in one order (modified time, then ID), so one cursor serves all five', async () => {
    const { emulator, connector } = await setup();
    seedEngagements(emulator, mirrorRows());
    const base = Date.parse('2024-01-01T00:00:00Z');
    // Edits interleaved across types, two of them at the same instant.
    emulator.userEdit('tasks', '5005', { hs_task_body: 'first' }, base + 1000);
    emulator.userEdit('calls', '5001', { hs_call_body: 'second' }, base + 2000);
    emulator.userEdit('notes', '5004', { hs_note_body: 'third' }, base + 3000);
    emulator.userEdit('emails', '5002', { hs_email_text: 'tie' }, base + 3000);
    emulator.userEdit('meetings', '5003', { hs_meeting_body: 'last' }, base + 4000);
    const since = new Date(base).toISOString();
    const changed = await collectRecords(
      connector.read('engagements', { since, properties: ['hs_engagement_type', 'hs_body'] }),
    );
    expect(changed.map((r) => [r.id, r.properties.hs_engagement_type, r.properties.hs_body])).toEqual([
      ['5005', 'TASK', 'first'],
      ['5001', 'CALL', 'second'],
      ['5002', 'EMAIL', 'tie'],
      ['5004', 'NOTE', 'third'],
      ['5003', 'MEETING', 'last'],
    ]);
    // Resuming from the third record's cursor gives exactly what came after it, the tie included.
    const third = changed[2]!;
    const rest = await collectRecords(
      connector.read('engagements', {
        since: encodeHubSpotCursor(third.modifiedAt!, third.id),
        properties: ['hs_body'],
      }),
    );
    expect(rest.map((r) => r.id)).toEqual(['5004', '5003']);
  });

  it('reads by ID whatever the type, probing the types only for IDs it has not seen, and lists archived engagements with their type', async () => {
    const { emulator, connector, basePath } = await setup();
    seedEngagements(emulator, mirrorRows());
    const fresh = new HubSpotConnector({ accessToken: TOKEN, basePath });
    const batchReads = () =>
      ['calls', 'emails', 'meetings', 'notes', 'tasks'].reduce(
        (n, o) => n + emulator.endpointCount('POST', `/crm/v3/objects/${o}/batch/read`),
        0,
      );
    const found = await collectRecords(
      fresh.readByIds('engagements', ['5004', '5001', '999', '5005'], {
        properties: ['hs_engagement_type', 'hs_subject'],
      }),
    );
    expect(found.map((r) => [r.id, r.properties.hs_engagement_type, r.properties.hs_subject])).toEqual([
      ['5004', 'NOTE', 'Credit check'],
      ['5001', 'CALL', 'Intro call'],
      ['5005', 'TASK', 'Prepare quote'],
    ]);
    // An unknown ID costs a probe of each of the five types; once seen, an ID is read from its type alone.
    expect(batchReads()).toBe(5);
    await collectRecords(fresh.readByIds('engagements', ['5004', '5001']));
    expect(batchReads()).toBe(7);

    emulator.store.archive('calls', '5001', Date.parse('2024-02-01T00:00:00Z'));
    emulator.store.archive('notes', '5004', Date.parse('2024-01-01T00:00:00Z'));
    const deleted = await collectRecords(connector.readDeleted('engagements'));
    expect(deleted.map((r) => [r.id, r.properties.hs_engagement_type, r.properties[KEY], r.modifiedAt])).toEqual([
      ['5004', 'NOTE', 'C-4', '2024-01-01T00:00:00.000Z'],
      ['5001', 'CALL', 'C-1', '2024-02-01T00:00:00.000Z'],
    ]);
    expect(
      (await collectRecords(connector.readDeleted('engagements', { since: '2024-01-15T00:00:00Z' }))).map((r) => r.id),
    ).toEqual(['5001']);
  });
});
