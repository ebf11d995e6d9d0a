import { defaultSchemas, type PropertyDef } from './schema';

export interface StoredRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
}

/** The emulator's data: records per object type, and the property definitions they are validated against. */
export class HubSpotStore {
  readonly schemas = defaultSchemas();
  private readonly objects = new Map<string, Map<string, StoredRecord>>();
  private nextId = 1001;

  constructor(private readonly now: () => number = Date.now) {
    for (const object of this.schemas.keys()) this.objects.set(object, new Map());
  }

  hasObject(object: string): boolean {
    return this.objects.has(object);
  }

  properties(object: string): Map<string, PropertyDef> | undefined {
    return this.schemas.get(object);
  }

  /** All live records of an object, in id order. */
  records(object: string): StoredRecord[] {
    return [...(this.objects.get(object)?.values() ?? [])].filter((r) => !r.archived);
  }

  count(object: string): number {
    return this.records(object).length;
  }

  get(object: string, id: string): StoredRecord | undefined {
    return this.objects.get(object)?.get(id);
  }

  findBy(object: string, property: string, value: string): StoredRecord | undefined {
    if (property === 'hs_object_id') return this.get(object, value);
    return this.records(object).find((r) => r.properties[property] === value);
  }

  /** Creates a record; `hs_object_id`, `createdate`, `hs_lastmodifieddate` are maintained here. */
  create(object: string, properties: Record<string, string | null>, at?: number): StoredRecord {
    const time = at ?? this.now();
    const id = String(this.nextId++);
    const record: StoredRecord = { id, properties: {}, createdAt: time, updatedAt: time, archived: false };
    this.objects.get(object)!.set(id, record);
    this.apply(record, properties, time, true);
    return record;
  }

  /** Writes properties; the modified time moves only when a value actually changes (as in HubSpot). */
  update(record: StoredRecord, properties: Record<string, string | null>, at?: number): boolean {
    return this.apply(record, properties, at ?? this.now(), false);
  }

  private apply(record: StoredRecord, properties: Record<string, string | null>, time: number, created: boolean): boolean {
    let changed = created;
    for (const [k, v] of Object.entries(properties)) {
      const value = v === '' ? null : v;
      if ((record.properties[k] ?? null) !== value) {
        record.properties[k] = value;
        changed = true;
      }
    }
    if (changed) {
      record.updatedAt = Math.max(time, record.updatedAt);
      record.properties.hs_object_id = record.id;
      record.properties.createdate = new Date(record.createdAt).toISOString();
      record.properties.hs_lastmodifieddate = new Date(record.updatedAt).toISOString();
    }
    return changed;
  }
}
