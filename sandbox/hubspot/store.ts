import { defaultSchemas, type PropertyDef } from './schema';
import { AssociationStore } from './associations';

export interface StoredRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  /** When it went to the recycling bin. */
  archivedAt?: number;
}

/**
 * The emulator's data: records per object type, and the property definitions they are validated against. Records are
 * indexed by id and by the value of each unique property, so an upsert of 100,000 records looks each key up in O(1)
 * instead of scanning the store.
 */
export class HubSpotStore {
  readonly schemas = defaultSchemas();
  readonly associations = new AssociationStore();
  private readonly objects = new Map<string, Map<string, StoredRecord>>();
  /** object -> unique property -> value -> record */
  private readonly unique = new Map<string, Map<string, Map<string, StoredRecord>>>();
  private nextId = 1001;
  private readonly objectByRecord = new WeakMap<StoredRecord, string>();

  constructor(private readonly now: () => number = Date.now) {
    for (const [object, defs] of this.schemas) {
      this.objects.set(object, new Map());
      const indexes = new Map<string, Map<string, StoredRecord>>();
      for (const def of defs.values())
        if (def.hasUniqueValue && def.name !== 'hs_object_id') indexes.set(def.name, new Map());
      this.unique.set(object, indexes);
    }
  }

  hasObject(object: string): boolean {
    return this.objects.has(object);
  }

  properties(object: string): Map<string, PropertyDef> | undefined {
    return this.schemas.get(object);
  }

  /** Defines a property (the properties API, or a portal admin); a unique one gets its index. */
  addProperty(object: string, def: PropertyDef): void {
    const defs = this.schemas.get(object);
    if (!defs) throw new Error(`Unknown object type ${object}`);
    defs.set(def.name, def);
    if (def.hasUniqueValue && !this.unique.get(object)!.has(def.name)) {
      const index = new Map<string, StoredRecord>();
      for (const r of this.records(object)) {
        const value = r.properties[def.name];
        if (value) index.set(value, r);
      }
      this.unique.get(object)!.set(def.name, index);
    }
  }

  /** Records in the recycling bin, in id order. */
  archivedRecords(object: string): StoredRecord[] {
    return [...(this.objects.get(object)?.values() ?? [])].filter((r) => r.archived);
  }

  /** Moves a record to the recycling bin: it leaves lists, searches and unique keys, and is listed with `archived=true`. */
  archive(object: string, id: string, at?: number): boolean {
    const record = this.get(object, id);
    if (!record || record.archived) return false;
    record.archived = true;
    record.archivedAt = at ?? this.now();
    for (const [name, index] of this.unique.get(object) ?? []) {
      const value = record.properties[name];
      if (value && index.get(value) === record) index.delete(value);
    }
    return true;
  }

  /** All live records of an object, in id order (ids grow, and a Map keeps insertion order). */
  records(object: string): StoredRecord[] {
    return [...(this.objects.get(object)?.values() ?? [])].filter((r) => !r.archived);
  }

  count(object: string): number {
    let n = 0;
    for (const r of this.objects.get(object)?.values() ?? []) if (!r.archived) n++;
    return n;
  }

  get(object: string, id: string): StoredRecord | undefined {
    return this.objects.get(object)?.get(id);
  }

  findBy(object: string, property: string, value: string): StoredRecord | undefined {
    if (property === 'hs_object_id') {
      const record = this.get(object, value);
      return record && !record.archived ? record : undefined;
    }
    const index = this.unique.get(object)?.get(property);
    if (index) {
      const found = index.get(value);
      return found && !found.archived ? found : undefined;
    }
    return this.records(object).find((r) => r.properties[property] === value);
  }

  /**
   * Creates a record; `hs_object_id`, `createdate`, `hs_lastmodifieddate` are maintained here. `id` keeps a given ID
   * (seeding a portal with records imported elsewhere); new IDs then continue above the largest.
   */
  create(object: string, properties: Record<string, string | null>, at?: number, id?: string): StoredRecord {
    const time = at ?? this.now();
    if (id !== undefined) {
      if (!/^\d+$/.test(id)) throw new Error(`A HubSpot record ID is a number, not "${id}"`);
      if (this.get(object, id)) throw new Error(`${object} ${id} already exists`);
      this.nextId = Math.max(this.nextId, Number(id) + 1);
    } else {
      id = String(this.nextId++);
    }
    const record: StoredRecord = { id, properties: {}, createdAt: time, updatedAt: time, archived: false };
    this.objectByRecord.set(record, object);
    this.objects.get(object)!.set(id, record);
    this.apply(object, record, properties, time, true);
    return record;
  }

  /**
   * A record as it was imported elsewhere (seeding a portal): given ID, creation and modification times, values not
   * validated.
   */
  seed(
    object: string,
    id: string,
    properties: Record<string, string | null>,
    createdAt: number,
    updatedAt: number,
  ): StoredRecord {
    const record = this.create(object, properties, createdAt, id);
    this.touch(record, Math.max(createdAt, updatedAt));
    return record;
  }

  /** Writes properties; the modified time moves only when a value actually changes (as in HubSpot). */
  update(record: StoredRecord, properties: Record<string, string | null>, at?: number): boolean {
    return this.apply(this.objectOfRecord(record), record, properties, at ?? this.now(), false);
  }

  /**
   * A change made by a user in HubSpot's UI: the values are written and `hs_lastmodifieddate` always moves forward
   * (strictly past the previous value, even on the same millisecond), so an incremental read after it sees the record.
   */
  edit(object: string, id: string, properties: Record<string, string | null>, at?: number): StoredRecord {
    const record = this.get(object, id);
    if (!record || record.archived) throw new Error(`No ${object} record with id ${id}`);
    const time = Math.max(at ?? this.now(), record.updatedAt + 1);
    this.apply(object, record, properties, time, false);
    this.touch(record, time);
    return record;
  }

  private objectOfRecord(record: StoredRecord): string {
    return this.objectByRecord.get(record) ?? this.objectOf(record);
  }

  private objectOf(record: StoredRecord): string {
    for (const [object, records] of this.objects) if (records.get(record.id) === record) return object;
    throw new Error(`Record ${record.id} is not in this store`);
  }

  private apply(
    object: string,
    record: StoredRecord,
    properties: Record<string, string | null>,
    time: number,
    created: boolean,
  ): boolean {
    const indexes = this.unique.get(object);
    let changed = created;
    for (const [k, v] of Object.entries(properties)) {
      const value = v === '' ? null : v;
      const before = record.properties[k] ?? null;
      if (before !== value) {
        record.properties[k] = value;
        changed = true;
        const index = indexes?.get(k);
        if (index) {
          if (before !== null && index.get(before) === record) {
            index.delete(before);
            // A seeded portal can hold records imported with the same value before the property was made unique:
            // the value stays findable through the one still carrying it.
            const other = this.records(object).find((r) => r !== record && r.properties[k] === before);
            if (other) index.set(before, other);
          }
          if (value !== null) index.set(value, record);
        }
      } else if (value !== null) {
        // Writing the value a record already holds makes it the one found by that value (see above).
        const index = indexes?.get(k);
        if (index && index.get(value) !== record) index.set(value, record);
      }
    }
    if (changed) this.touch(record, Math.max(time, record.updatedAt));
    return changed;
  }

  private touch(record: StoredRecord, time: number): void {
    record.updatedAt = time;
    record.properties.hs_object_id = record.id;
    record.properties.createdate = new Date(record.createdAt).toISOString();
    record.properties.hs_lastmodifieddate = new Date(record.updatedAt).toISOString();
    // Contacts carry their modified time under HubSpot's older name as well; engagements their creation time as hs_createdate.
    const defs = this.schemas.get(this.objectOfRecord(record));
    if (defs?.has('lastmodifieddate')) record.properties.lastmodifieddate = record.properties.hs_lastmodifieddate;
    if (defs?.has('hs_createdate')) record.properties.hs_createdate = record.properties.createdate;
  }
}
