import { createHash } from 'node:crypto';

export type PipedriveObject = 'persons' | 'deals' | 'organizations';
export const OBJECTS: PipedriveObject[] = ['persons', 'deals', 'organizations'];
/** v1 fields endpoint of each object. */
export const FIELDS_PATH: Record<PipedriveObject, string> = { persons: 'personFields', deals: 'dealFields', organizations: 'organizationFields' };

export interface FieldOption { id: number; label: string }
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
  persons: [['id', 'ID', 'int', false], ['name', 'Name', 'varchar', true], ['first_name', 'First name', 'varchar', true], ['last_name', 'Last name', 'varchar', true],
    ['email', 'Email', 'varchar', true], ['phone', 'Phone', 'phone', true], ['org_id', 'Organization', 'org', true], ['owner_id', 'Owner', 'user', true],
    ['add_time', 'Person created', 'date', false], ['update_time', 'Update time', 'date', false]],
  deals: [['id', 'ID', 'int', false], ['title', 'Title', 'varchar', true], ['value', 'Value', 'monetary', true], ['currency', 'Currency', 'varchar_options', true],
    ['status', 'Status', 'status', true], ['pipeline_id', 'Pipeline', 'double', true], ['stage_id', 'Stage', 'stage', true], ['person_id', 'Contact person', 'people', true],
    ['org_id', 'Organization', 'org', true], ['expected_close_date', 'Expected close date', 'date', true],
    ['add_time', 'Deal created', 'date', false], ['update_time', 'Update time', 'date', false]],
  organizations: [['id', 'ID', 'int', false], ['name', 'Name', 'varchar', true], ['address', 'Address', 'address', true], ['owner_id', 'Owner', 'user', true],
    ['add_time', 'Organization created', 'date', false], ['update_time', 'Update time', 'date', false]],
};

/** In-memory Pipedrive account: records, field definitions (standard + custom), pipelines and stages. */
export class PipedriveStore {
  private nextId = 1;
  private nextFieldId = 9000;
  private readonly records = new Map<PipedriveObject, Map<number, StoredRecord>>();
  private readonly fields = new Map<PipedriveObject, FieldDef[]>();
  readonly pipelines = [{ id: 1, name: 'Sales', order_nr: 1, active: true }, { id: 2, name: 'Partners', order_nr: 2, active: true }];
  readonly stages = [
    { id: 1, name: 'Qualified', pipeline_id: 1, order_nr: 1 }, { id: 2, name: 'Proposal', pipeline_id: 1, order_nr: 2 },
    { id: 3, name: 'Qualified', pipeline_id: 2, order_nr: 1 }, { id: 4, name: 'Signed', pipeline_id: 2, order_nr: 2 },
  ];

  constructor(private readonly now: () => number = Date.now) {
    let id = 1;
    for (const object of OBJECTS) {
      this.records.set(object, new Map());
      this.fields.set(object, STANDARD[object].map(([key, name, field_type, edit]) => ({
        id: id++, key, name, field_type, edit_flag: edit, mandatory_flag: key === 'name' || key === 'title', bulk_edit_allowed: edit,
        ...(key === 'status' ? { options: [{ id: 1, label: 'open' }, { id: 2, label: 'won' }, { id: 3, label: 'lost' }] } : {}),
      })));
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
      id: this.nextFieldId++, key: fieldKey(object, name), name, field_type: fieldType, edit_flag: true, mandatory_flag: false, bulk_edit_allowed: true,
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

  /** Creates a record (no validation: seeding from tests). */
  create(object: PipedriveObject, values: Record<string, unknown>, custom: Record<string, unknown> = {}): StoredRecord {
    const at = this.stamp();
    const record: StoredRecord = { ...values, id: this.nextId++, add_time: at, update_time: at, custom_fields: { ...custom } };
    this.records.get(object)!.set(record.id, record);
    return record;
  }

  update(object: PipedriveObject, id: number, values: Record<string, unknown>, custom: Record<string, unknown> = {}): StoredRecord | undefined {
    const record = this.records.get(object)!.get(id);
    if (!record) return undefined;
    Object.assign(record, values);
    Object.assign(record.custom_fields, custom);
    record.update_time = this.stamp();
    return record;
  }

  get(object: PipedriveObject, id: number): StoredRecord | undefined {
    return this.records.get(object)!.get(id);
  }

  all(object: PipedriveObject): StoredRecord[] {
    return [...this.records.get(object)!.values()];
  }

  count(object: PipedriveObject): number {
    return this.records.get(object)!.size;
  }
}
