import { createHash } from 'node:crypto';

export type PipedriveObject = 'persons' | 'deals' | 'organizations' | 'activities';
export const OBJECTS: PipedriveObject[] = ['persons', 'deals', 'organizations', 'activities'];
/** v1 fields endpoint of each object. */
export const FIELDS_PATH: Record<PipedriveObject, string> = {
  persons: 'personFields',
  deals: 'dealFields',
  organizations: 'organizationFields',
  activities: 'activityFields',
};

export interface FieldOption {
  id: number;
  label: string;
}
/** A v1 field definition, as `GET /v1/personFields` returns it. */
export interface FieldDef {
  id: number;
  key: string;
  name: string;
  field_type: string;
  edit_flag: boolean;
  mandatory_flag: boolean;
  bulk_edit_allowed: boolean;
  options?: FieldOption[];
}

export interface StoredRecord {
  id: number;
  add_time: string;
  update_time: string;
  [field: string]: unknown;
  custom_fields: Record<string, unknown>;
}

/** Pipedrive custom field keys are 40-hex hashes. */
export function fieldKey(object: string, name: string): string {
  return createHash('sha1').update(`${object}:${name}`).digest('hex');
}

const STANDARD: Record<PipedriveObject, Array<[string, string, string, boolean]>> = {
  // key, name, field_type, editable
  persons: [
    ['id', 'ID', 'int', false],
    ['name', 'Name', 'varchar', true],
    ['first_name', 'First name', 'varchar', true],
    ['last_name', 'Last name', 'varchar', true],
    ['email', 'Email', 'varchar', true],
    ['phone', 'Phone', 'phone', true],
    ['org_id', 'Organization', 'org', true],
    ['owner_id', 'Owner', 'user', true],
    ['add_time', 'Person created', 'date', false],
    ['update_time', 'Update time', 'date', false],
  ],
  deals: [
    ['id', 'ID', 'int', false],
    ['title', 'Title', 'varchar', true],
    ['value', 'Value', 'monetary', true],
    ['currency', 'Currency', 'varchar_options', true],
    ['status', 'Status', 'status', true],
    ['pipeline_id', 'Pipeline', 'double', true],
    ['stage_id', 'Stage', 'stage', true],
    ['person_id', 'Contact person', 'people', true],
    ['org_id', 'Organization', 'org', true],
    ['expected_close_date', 'Expected close date', 'date', true],
    ['add_time', 'Deal created', 'date', false],
    ['update_time', 'Update time', 'date', false],
  ],
  organizations: [
    ['id', 'ID', 'int', false],
    ['name', 'Name', 'varchar', true],
    ['address', 'Address', 'address', true],
    ['owner_id', 'Owner', 'user', true],
    ['add_time', 'Organization created', 'date', false],
    ['update_time', 'Update time', 'date', false],
  ],
  // Activities have no custom fields in Pipedrive.
  activities: [
    ['id', 'ID', 'int', false],
    ['subject', 'Subject', 'varchar', true],
    ['type', 'Type', 'varchar', true],
    ['due_date', 'Due date', 'date', true],
    ['due_time', 'Due time', 'time', true],
    ['done', 'Done', 'enum', true],
    ['deal_id', 'Deal', 'int', true],
    ['person_id', 'Contact person', 'people', true],
    ['org_id', 'Organization', 'org', true],
    ['owner_id', 'Assigned to user', 'user', true],
    ['note', 'Note', 'text', true],
    ['add_time', 'Add time', 'date', false],
    ['update_time', 'Update time', 'date', false],
  ],
};

/**
 * In-memory Pipedrive account: records, field definitions (standard + custom), pipelines and stages. Records are kept
 * in Maps with an index of custom field values (exact-match search) and a cached update_time order, so 100,000
 * records stay fast to search, write and page through.
 */
export class PipedriveStore {
  private nextId = 1;
  private nextFieldId = 9000;
  private readonly records = new Map<PipedriveObject, Map<number, StoredRecord>>();
  private readonly fields = new Map<PipedriveObject, FieldDef[]>();
  /** object -> lower-cased custom field value -> IDs of the records holding it. */
  private readonly valueIndex = new Map<PipedriveObject, Map<string, Set<number>>>();
  private readonly byUpdateTime = new Map<PipedriveObject, StoredRecord[] | null>();
  private readonly deleted = new Map<PipedriveObject, Map<number, StoredRecord>>();
  readonly pipelines = [
    { id: 1, name: 'Sales', order_nr: 1, active: true },
    { id: 2, name: 'Partners', order_nr: 2, active: true },
  ];
  readonly stages = [
    { id: 1, name: 'Qualified', pipeline_id: 1, order_nr: 1 },
    { id: 2, name: 'Proposal', pipeline_id: 1, order_nr: 2 },
    { id: 3, name: 'Qualified', pipeline_id: 2, order_nr: 1 },
    { id: 4, name: 'Signed', pipeline_id: 2, order_nr: 2 },
  ];

  constructor(private readonly now: () => number = Date.now) {
    let id = 1;
    for (const object of OBJECTS) {
      this.records.set(object, new Map());
      this.valueIndex.set(object, new Map());
      this.byUpdateTime.set(object, null);
      this.deleted.set(object, new Map());
      this.fields.set(
        object,
        STANDARD[object].map(([key, name, field_type, edit]) => ({
          id: id++,
          key,
          name,
          field_type,
          edit_flag: edit,
          mandatory_flag: key === 'name' || key === 'title' || key === 'subject',
          bulk_edit_allowed: edit,
          ...(key === 'status'
            ? {
                options: [
                  { id: 1, label: 'open' },
                  { id: 2, label: 'won' },
                  { id: 3, label: 'lost' },
                ],
              }
            : {}),
        })),
      );
    }
    this.addCustomField('persons', 'Legacy person ID', 'varchar');
    this.addCustomField('persons', 'Segment', 'enum', ['SMB', 'Mid-market', 'Enterprise']);
    this.addCustomField('deals', 'Legacy deal ID', 'varchar');
    this.addCustomField('organizations', 'Legacy company ID', 'varchar');
    this.addCustomField('organizations', 'Employees', 'double');
  }

  /** Adds a custom field; its key is a 40-hex hash, like Pipedrive's. */
  addCustomField(object: PipedriveObject, name: string, fieldType: string, options?: string[]): FieldDef {
    const def: FieldDef = {
      id: this.nextFieldId++,
      key: fieldKey(object, name),
      name,
      field_type: fieldType,
      edit_flag: true,
      mandatory_flag: false,
      bulk_edit_allowed: true,
      ...(options ? { options: options.map((label, i) => ({ id: 100 + i, label })) } : {}),
    };
    this.fields.get(object)!.push(def);
    return def;
  }

  fieldsOf(object: PipedriveObject): FieldDef[] {
    return this.fields.get(object)!;
  }

  customKey(object: PipedriveObject, name: string): string {
    const def = this.fieldsOf(object).find((f) => f.name === name && /^[0-9a-f]{40}$/.test(f.key));
    if (!def) throw new Error(`No custom field ${name} on ${object}`);
    return def.key;
  }

  private stamp(): string {
    return new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private index(object: PipedriveObject, record: StoredRecord, add: boolean): void {
    const index = this.valueIndex.get(object)!;
    for (const v of Object.values(record.custom_fields)) {
      if (v === null || v === undefined || typeof v === 'object') continue;
      const k = String(v).toLowerCase();
      let ids = index.get(k);
      if (add) {
        if (!ids) index.set(k, (ids = new Set()));
        ids.add(record.id);
      } else if (ids) {
        ids.delete(record.id);
        if (ids.size === 0) index.delete(k);
      }
    }
  }

  /** Creates a record (no validation: seeding from tests). */
  create(object: PipedriveObject, values: Record<string, unknown>, custom: Record<string, unknown> = {}): StoredRecord {
    const at = this.stamp();
    const record: StoredRecord = {
      ...values,
      id: this.nextId++,
      add_time: at,
      update_time: at,
      custom_fields: { ...custom },
    };
    this.records.get(object)!.set(record.id, record);
    this.index(object, record, true);
    this.byUpdateTime.set(object, null);
    return record;
  }

  update(
    object: PipedriveObject,
    id: number,
    values: Record<string, unknown>,
    custom: Record<string, unknown> = {},
  ): StoredRecord | undefined {
    const record = this.records.get(object)!.get(id);
    if (!record) return undefined;
    this.index(object, record, false);
    Object.assign(record, values);
    Object.assign(record.custom_fields, custom);
    record.update_time = this.stamp();
    this.index(object, record, true);
    this.byUpdateTime.set(object, null);
    return record;
  }

  /**
   * A change made by a user in Pipedrive's UI (not through the API): standard values by key, custom values by their
   * field's name or key; bumps `update_time` like any edit.
   */
  edit(object: PipedriveObject, id: number, changes: Record<string, unknown>): StoredRecord {
    const standard: Record<string, unknown> = {};
    const custom: Record<string, unknown> = {};
    const defs = this.fieldsOf(object);
    for (const [name, value] of Object.entries(changes)) {
      const def = defs.find((f) => /^[0-9a-f]{40}$/.test(f.key) && (f.key === name || f.name === name));
      if (def) custom[def.key] = value;
      else standard[name] = value;
    }
    const record = this.update(object, id, standard, custom);
    if (!record) throw new Error(`No ${object} with ID ${id}`);
    return record;
  }

  /**
   * Deletes a record as Pipedrive does: it leaves lists and searches, and is kept flagged deleted (`is_deleted`,
   * v1's `active_flag: false`, a deal's `status: deleted`) with the deletion as its `update_time`, for `/v1/recents`.
   */
  delete(object: PipedriveObject, id: number): boolean {
    const record = this.records.get(object)!.get(id);
    if (!record) return false;
    this.index(object, record, false);
    this.records.get(object)!.delete(id);
    this.byUpdateTime.set(object, null);
    this.deleted.get(object)!.set(id, { ...record, is_deleted: true, update_time: this.stamp() });
    return true;
  }

  /** Deleted records of an object (Pipedrive keeps them 30 days). */
  deletedRecords(object: PipedriveObject): StoredRecord[] {
    return [...this.deleted.get(object)!.values()];
  }

  get(object: PipedriveObject, id: number): StoredRecord | undefined {
    return this.records.get(object)!.get(id);
  }

  /** IDs of the records with a custom field whose value equals `value` (case-insensitive), by the index. */
  findByCustomValue(object: PipedriveObject, value: string): StoredRecord[] {
    const ids = this.valueIndex.get(object)!.get(value.toLowerCase());
    return ids ? [...ids].map((id) => this.get(object, id)!) : [];
  }

  all(object: PipedriveObject): StoredRecord[] {
    return [...this.records.get(object)!.values()];
  }

  /** Records by update_time then ID (cached until the next write). */
  sortedByUpdateTime(object: PipedriveObject): StoredRecord[] {
    let sorted = this.byUpdateTime.get(object);
    if (!sorted) {
      sorted = this.all(object).sort((a, b) => a.update_time.localeCompare(b.update_time) || a.id - b.id);
      this.byUpdateTime.set(object, sorted);
    }
    return sorted;
  }

  count(object: PipedriveObject): number {
    return this.records.get(object)!.size;
  }
}
