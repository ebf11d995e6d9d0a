import { describe, expect, it } from 'vitest';
import { HubSpotEmulator } from '../../../sandbox/hubspot';
import { type HubSpotConnectorOptions } from '../../../core/connectors/hubspot';
import type { UpsertInput } from '../../../core/connectors/connector';
import { hubspotConnectorSetup } from '../../helpers/emulators';
import { defineEngagementMirror } from './fixtures';

const TOKEN = 'pat-na1-engagements-upsert-0123';
const KEY = 'legacy_communication_id';
const TYPES = ['calls', 'emails', 'meetings', 'notes', 'tasks'];
const toCompany = { toObject: 'companies', toKeyProperty: 'legacy_company_id', keyFrom: '__parent:companies' };

const start = hubspotConnectorSetup(TOKEN);

function setup(connectorOptions: Partial<HubSpotConnectorOptions> = {}) {
  return start({ rateLimitMax: 100_000 }, connectorOptions, defineEngagementMirror);
}

/** Where HubSpot keeps a key: [object, record] for each live record carrying it. */
function carriers(emulator: HubSpotEmulator, key: string) {
  return TYPES.flatMap((o) =>
    emulator.store
      .records(o)
      .filter((r) => r.properties[KEY] === key)
      .map((r) => [o, r] as const),
  );
}

const writes = (emulator: HubSpotEmulator) =>
  TYPES.reduce(
    (n, o) =>
      n +
      ['batch/upsert', 'batch/update', 'batch/archive'].reduce(
        (m, e) => m + emulator.endpointCount('POST', `/crm/v3/objects/${o}/${e}`),
        0,
      ),
    0,
  );

const at = '2023-05-10T09:00:00Z';
const inputs = (): UpsertInput[] => [
  {
    key: 'E-1',
    properties: {
      hs_engagement_type: 'CALL',
      hs_subject: 'Chased invoice',
      hs_body: 'Left a voicemail',
      hs_timestamp: at,
      hs_status: 'COMPLETED',
      hs_priority: 'HIGH',
      hs_duration_minutes: '12',
    },
  },
  {
    key: 'E-2',
    properties: {
      hs_engagement_type: 'EMAIL',
      hs_subject: 'Quote',
      hs_body: 'Attached',
      hs_timestamp: at,
      hs_status: 'NOT_STARTED',
    },
  },
  {
    key: 'E-3',
    properties: { hs_engagement_type: 'MEETING', hs_subject: 'Kick-off', hs_timestamp: at, hs_duration_minutes: '45' },
  },
  {
    key: 'E-4',
    properties: {
      hs_engagement_type: 'NOTE',
      hs_subject: 'Change of address',
      hs_body: 'New office in Leeds',
      hs_timestamp: at,
      hs_priority: 'LOW',
    },
  },
  {
    key: 'E-5',
    properties: {
      hs_engagement_type: 'TASK',
      hs_subject: 'Send contract',
      hs_timestamp: at,
      hs_status: 'WAITING',
      hs_priority: 'MEDIUM',
    },
  },
];

describe('upserting engagements through the view (real @hubspot/api-client against the emulator)', () => {
  it("routes each record to its type's object with its values translated; a re-run writes nothing", async () => {
    const { emulator, connector } = await setup();
    const results = await connector.upsert('engagements', inputs(), { keyProperty: KEY });
    expect(results.map((r) => [r.key, r.status])).toEqual([
      ['E-1', 'created'],
      ['E-2', 'created'],
      ['E-3', 'created'],
      ['E-4', 'created'],
      ['E-5', 'created'],
    ]);
    const one = (key: string) => {
      const found = carriers(emulator, key);
      expect(found).toHaveLength(1);
      return found[0]!;
    };
    expect(one('E-1')[0]).toBe('calls');
    expect(one('E-1')[1].properties).toMatchObject({
      hs_call_title: 'Chased invoice',
      hs_call_body: 'Left a voicemail',
      hs_call_duration: '720000',
      hs_timestamp: at,
      engagement_status: 'COMPLETED',
      engagement_priority: 'HIGH',
    });
    expect(one('E-2')[0]).toBe('emails');
    expect(one('E-2')[1].properties).toMatchObject({
      hs_email_subject: 'Quote',
      hs_email_text: 'Attached',
      engagement_status: 'NOT_STARTED',
    });
    expect(one('E-3')[0]).toBe('meetings');
    expect(one('E-3')[1].properties).toMatchObject({
      hs_meeting_title: 'Kick-off',
      hs_meeting_start_time: at,
      hs_meeting_end_time: '2023-05-10T09:45:00.000Z',
    });
    expect(one('E-4')[0]).toBe('notes');
    expect(one('E-4')[1].properties).toMatchObject({
      engagement_subject: 'Change of address',
      hs_note_body: 'New office in Leeds',
      engagement_priority: 'LOW',
    });
    expect(one('E-5')[0]).toBe('tasks');
    expect(one('E-5')[1].properties).toMatchObject({
      hs_task_subject: 'Send contract',
      hs_task_status: 'WAITING',
      hs_task_priority: 'MEDIUM',
    });
    expect(results.map((r) => r.id)).toEqual(['E-1', 'E-2', 'E-3', 'E-4', 'E-5'].map((k) => one(k)[1].id));

    const before = writes(emulator);
    const again = await connector.upsert('engagements', inputs(), { keyProperty: KEY, detectUnchanged: true });
    expect(again.map((r) => r.status)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(writes(emulator)).toBe(before);
  });

  it('refuses, record by record and saying which field, what it cannot place; the rest of the call is written', async () => {
    const { emulator, connector } = await setup();
    const results = await connector.upsert(
      'engagements',
      [
        { key: 'N-1', properties: { hs_subject: 'No type given', hs_timestamp: at } },
        { key: 'N-2', properties: { hs_engagement_type: 'FAX', hs_subject: 'Fax sent', hs_timestamp: at } },
        { key: 'N-3', properties: { hs_engagement_type: 'CALL', hs_subject: 'No time' } },
        {
          key: 'N-4',
          properties: { hs_engagement_type: 'CALL', hs_call_title: "A type's own name", hs_timestamp: at },
        },
        { key: 'N-5', properties: { hs_engagement_type: 'TASK', hs_status: 'Waiting', hs_timestamp: at } },
        { key: 'N-6', properties: { hs_engagement_type: 'CALL', hs_subject: 'Fine', hs_timestamp: at } },
      ],
      { keyProperty: KEY },
    );
    expect(results.map((r) => r.status)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed', 'created']);
    expect(results[0]!.error).toBe(
      `engagement ${KEY}=N-1: it has no hs_engagement_type, and no engagement in HubSpot carries ${KEY}=N-1, so it cannot be told whether it is a call, email, meeting, note or task`,
    );
    expect(results[1]!.error).toBe(
      `engagement ${KEY}=N-2: hs_engagement_type "FAX" is not one of CALL, EMAIL, MEETING, NOTE, TASK`,
    );
    expect(results[2]!.error).toBe(
      `engagement ${KEY}=N-3: HubSpot needs hs_timestamp to create an engagement, and it has none`,
    );
    expect(results[3]!.error).toMatch(/hs_call_title is not a property of the engagements view/);
    expect(results[4]!.error).toMatch(
      /hs_status "Waiting" is not one of NOT_STARTED, IN_PROGRESS, WAITING, COMPLETED, DEFERRED/,
    );
    expect(TYPES.reduce((n, o) => n + emulator.store.count(o), 0)).toBe(1);
    expect(carriers(emulator, 'N-6')[0]![0]).toBe('calls');
  });

  it("sends an update without a type to the type the record lives in; a meeting's end follows its new start or duration", async () => {
    const { emulator, connector } = await setup();
    await connector.upsert('engagements', inputs(), { keyProperty: KEY });
    const results = await connector.upsert(
      'engagements',
      [
        { key: 'E-4', properties: { hs_subject: 'Moved office' } },
        { key: 'E-3', properties: { hs_duration_minutes: '60' } },
        { key: 'E-1', properties: { hs_duration_minutes: '30', hs_status: 'DEFERRED' } },
      ],
      { keyProperty: KEY, detectUnchanged: false },
    );
    expect(results.map((r) => r.status)).toEqual(['updated', 'updated', 'updated']);
    expect(carriers(emulator, 'E-4')[0]![1].properties.engagement_subject).toBe('Moved office');
    expect(carriers(emulator, 'E-3')[0]![1].properties).toMatchObject({
      hs_meeting_start_time: at,
      hs_meeting_end_time: '2023-05-10T10:00:00.000Z',
    });
    expect(carriers(emulator, 'E-1')[0]![1].properties).toMatchObject({
      hs_call_duration: '1800000',
      engagement_status: 'DEFERRED',
    });
    // A new start keeps the meeting's length.
    await connector.upsert('engagements', [{ key: 'E-3', properties: { hs_timestamp: '2023-05-11T15:00:00Z' } }], {
      keyProperty: KEY,
    });
    expect(carriers(emulator, 'E-3')[0]![1].properties).toMatchObject({
      hs_timestamp: '2023-05-11T15:00:00Z',
      hs_meeting_start_time: '2023-05-11T15:00:00Z',
      hs_meeting_end_time: '2023-05-11T16:00:00.000Z',
    });
    // Nothing new was created along the way.
    expect(TYPES.reduce((n, o) => n + emulator.store.count(o), 0)).toBe(5);
  });

  it("associates each engagement with its parent by the parent's key, with the default type of its own object pair", async () => {
    const { emulator, connector } = await setup();
    const [acme] = await connector.upsert('companies', [{ key: '1000', properties: { name: 'Acme' } }], {
      keyProperty: 'legacy_company_id',
    });
    const withParent: UpsertInput[] = inputs().map((r) => ({
      ...r,
      properties: { ...r.properties, legacy_company_id: '1000', '__parent:companies': '1000' },
    }));
    withParent.push({
      key: 'E-6',
      properties: {
        hs_engagement_type: 'NOTE',
        hs_timestamp: at,
        legacy_company_id: '404',
        '__parent:companies': '404',
      },
    });
    const results = await connector.upsert('engagements', withParent, { keyProperty: KEY, associations: [toCompany] });
    expect(results.map((r) => r.status)).toEqual(['created', 'created', 'created', 'created', 'created', 'failed']);
    expect(results[5]!.error).toBe(
      'not written: its parent in companies with legacy_company_id=404 does not exist in HubSpot',
    );
    const expectedType: Record<string, number> = { calls: 182, emails: 186, meetings: 188, notes: 190, tasks: 192 };
    for (const key of ['E-1', 'E-2', 'E-3', 'E-4', 'E-5']) {
      const [object, record] = carriers(emulator, key)[0]!;
      expect(
        emulator.store.associations.of(object, record.id, 'companies').map((a) => [a.toObjectId, a.types[0]!.typeId]),
      ).toEqual([[acme!.id, expectedType[object]]]);
    }
    expect(
      (
        await connector.readAssociations(
          'engagements',
          results.slice(0, 5).map((r) => r.id!),
          'companies',
        )
      ).get(results[3]!.id!),
    ).toEqual([acme!.id]);
  });

  it('moves a record to the type its input names: re-created with all its values and associations, the old one archived', async () => {
    const { emulator, connector } = await setup();
    const [acme] = await connector.upsert('companies', [{ key: '1000', properties: { name: 'Acme' } }], {
      keyProperty: 'legacy_company_id',
    });
    const [note] = await connector.upsert(
      'engagements',
      [
        {
          key: 'M-1',
          properties: {
            hs_engagement_type: 'NOTE',
            hs_subject: 'Called about invoice',
            hs_body: 'Will pay Friday',
            hs_timestamp: at,
            hs_priority: 'HIGH',
            hubspot_owner_id: '51000102',
            legacy_company_id: '1000',
            '__parent:companies': '1000',
          },
        },
      ],
      { keyProperty: KEY, associations: [toCompany] },
    );
    // The legacy system says it was a phone call: the update names the type and what else changed.
    const [moved] = await connector.upsert(
      'engagements',
      [{ key: 'M-1', properties: { hs_engagement_type: 'CALL', hs_duration_minutes: '7' } }],
      { keyProperty: KEY },
    );
    expect(moved).toMatchObject({ status: 'updated', object: 'calls', replaced: { object: 'notes', id: note!.id } });
    const now = carriers(emulator, 'M-1');
    expect(now.map(([o, r]) => [o, r.id])).toEqual([['calls', moved!.id]]);
    expect(now[0]![1].properties).toMatchObject({
      hs_call_title: 'Called about invoice',
      hs_call_body: 'Will pay Friday',
      hs_timestamp: at,
      engagement_priority: 'HIGH',
      hubspot_owner_id: '51000102',
      legacy_company_id: '1000',
      hs_call_duration: '420000',
    });
    expect(emulator.store.get('notes', note!.id!)!.archived).toBe(true);
    expect(
      emulator.store.associations.of('calls', moved!.id!, 'companies').map((a) => [a.toObjectId, a.types[0]!.typeId]),
    ).toEqual([[acme!.id, 182]]);
    // Done once: the same input again changes nothing.
    const before = writes(emulator);
    const [again] = await connector.upsert(
      'engagements',
      [{ key: 'M-1', properties: { hs_engagement_type: 'CALL', hs_duration_minutes: '7' } }],
      { keyProperty: KEY, detectUnchanged: true },
    );
    expect(again).toMatchObject({ status: 'unchanged', id: moved!.id });
    expect(writes(emulator)).toBe(before);
  });

  it('keeps the old record when HubSpot refuses its new type, and says so', async () => {
    const { emulator, connector } = await setup();
    const [note] = await connector.upsert(
      'engagements',
      [{ key: 'M-2', properties: { hs_engagement_type: 'NOTE', hs_body: 'Keep me', hs_timestamp: at } }],
      { keyProperty: KEY },
    );
    emulator.faults.failRecord('calls', 'M-2', 'Property values were not valid');
    const [moved] = await connector.upsert(
      'engagements',
      [{ key: 'M-2', properties: { hs_engagement_type: 'CALL' } }],
      { keyProperty: KEY },
    );
    expect(moved!.status).toBe('failed');
    expect(moved!.error).toBe(
      `engagement ${KEY}=M-2: re-creating it as a CALL failed (the NOTE ${note!.id} is kept): Property values were not valid`,
    );
    expect(carriers(emulator, 'M-2').map(([o, r]) => [o, r.id, r.properties.hs_note_body])).toEqual([
      ['notes', note!.id, 'Keep me'],
    ]);
  });

  it('finishes a move an interruption left (the key on the new record and the old), and refuses to guess between two records otherwise', async () => {
    const { emulator, connector } = await setup();
    const [acme] = await connector.upsert('companies', [{ key: '1000', properties: { name: 'Acme' } }], {
      keyProperty: 'legacy_company_id',
    });
    // What a move killed between writing the call and archiving the note leaves behind.
    const note = emulator.store.create('notes', { [KEY]: 'K-1', hs_timestamp: at, hs_note_body: 'old' });
    emulator.store.associations.add('notes', note.id, 'companies', acme!.id!);
    const call = emulator.store.create('calls', { [KEY]: 'K-1', hs_timestamp: at, hs_call_body: 'old' });
    const [untyped] = await connector.upsert('engagements', [{ key: 'K-1', properties: { hs_body: 'new' } }], {
      keyProperty: KEY,
    });
    expect(untyped!.status).toBe('failed');
    expect(untyped!.error).toBe(
      `engagement ${KEY}=K-1: 2 engagements carry it (calls ${call.id}, notes ${note.id}): settle which one it is (reconcile lists it as a conflict) before writing it`,
    );
    const [finished] = await connector.upsert(
      'engagements',
      [{ key: 'K-1', properties: { hs_engagement_type: 'CALL', hs_body: 'new' } }],
      { keyProperty: KEY },
    );
    expect(finished).toMatchObject({ status: 'updated', id: call.id, replaced: { object: 'notes', id: note.id } });
    expect(carriers(emulator, 'K-1').map(([o, r]) => [o, r.id, r.properties.hs_call_body])).toEqual([
      ['calls', call.id, 'new'],
    ]);
    expect(emulator.store.associations.of('calls', call.id, 'companies').map((a) => a.toObjectId)).toEqual([acme!.id]);
  });

  it('with engagementRetype: refuse, a record of another type fails, saying so, and nothing is written', async () => {
    const { emulator, connector } = await setup({ engagementRetype: 'refuse' });
    const [note] = await connector.upsert(
      'engagements',
      [{ key: 'R-1', properties: { hs_engagement_type: 'NOTE', hs_body: 'x', hs_timestamp: at } }],
      { keyProperty: KEY },
    );
    const before = writes(emulator);
    const [refused] = await connector.upsert(
      'engagements',
      [{ key: 'R-1', properties: { hs_engagement_type: 'TASK' } }],
      { keyProperty: KEY },
    );
    expect(refused!.status).toBe('failed');
    expect(refused!.error).toContain(
      `it is a NOTE in HubSpot (notes ${note!.id}) and the input makes it a TASK: HubSpot cannot change an engagement's type`,
    );
    expect(writes(emulator)).toBe(before);
  });

  it('updates by ID across types; the type cannot change by ID, and an ID no type has fails alone', async () => {
    const { emulator, connector } = await setup();
    const created = await connector.upsert('engagements', inputs(), { keyProperty: KEY });
    const [call, , meeting, note] = created.map((r) => r.id!);
    const results = await connector.updateByIds('engagements', [
      { id: note!, properties: { hs_subject: 'Renamed', [KEY]: null } },
      { id: meeting!, properties: { hs_duration_minutes: '15' } },
      { id: call!, properties: { hs_engagement_type: 'TASK' } },
      { id: '424242', properties: { hs_subject: 'x' } },
    ]);
    expect(results.map((r) => r.status)).toEqual(['updated', 'updated', 'failed', 'failed']);
    expect(results[2]!.error).toBe(
      `engagement ${call} is a CALL: its hs_engagement_type cannot become TASK by an update by ID (upsert it by its key instead)`,
    );
    expect(results[3]!.error).toBe('no HubSpot engagement (call, email, meeting, note or task) has ID 424242');
    expect(emulator.store.get('notes', note!)!.properties).toMatchObject({
      engagement_subject: 'Renamed',
      [KEY]: null,
    });
    expect(emulator.store.get('meetings', meeting!)!.properties.hs_meeting_end_time).toBe('2023-05-10T09:15:00.000Z');
  });
});
