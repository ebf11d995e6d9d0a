import { randomUUID } from 'node:crypto';
import { accountEntity, contactEntity, type AttributeDef, type EntityDef, type KeyDef } from './entities';
import { CODES, DataverseFault } from './errors';
import { checkValue, type Stored } from './values';

export interface StoredRow {
  id: string;
  values: Record<string, Stored>;
  /** The change-tracking version of the row's last write (also its ETag). */
  version: number;
}

interface Tombstone {
  id: string;
  version: number;
}

/**
 * The tables of one emulated Dataverse environment: metadata, rows, alternate-key indexes, and the version counter
 * that change tracking's delta tokens point into (deleted rows leave a tombstone with the version of their delete).
 */
export class DataverseStore {
  readonly entities = new Map<string, EntityDef>();
  private readonly rows = new Map<string, Map<string, StoredRow>>();
  private readonly tombstones = new Map<string, Tombstone[]>();
  /** entity -> key name -> joined key values -> row ID */
  private readonly keyIndex = new Map<string, Map<string, Map<string, string>>>();
  version = 1000;
  /** Rows inserted, updated and deleted so far (a rolled-back change set's too), for assertions. */
  readonly writes = { inserted: 0, updated: 0, deleted: 0 };
  /** Undo steps of the change set in progress, newest last; null outside one. */
  private journal: Array<() => void> | null = null;

  constructor(private readonly now: () => number = Date.now) {
    this.addEntity(accountEntity());
    this.addEntity(contactEntity());
  }

  addEntity(def: EntityDef): void {
    this.entities.set(def.logicalName, def);
    this.rows.set(def.logicalName, new Map());
    this.tombstones.set(def.logicalName, []);
    this.keyIndex.set(def.logicalName, new Map(def.keys.map((k) => [k.logicalName, new Map()])));
  }

  /** A customisation: a new column (e.g. `new_region`), as the maker portal would add it. */
  addAttribute(entity: string, attribute: AttributeDef): void {
    this.entity(entity).attributes.push({ custom: true, ...attribute });
  }

  /** A customisation: a new alternate key over existing columns, indexing the rows already there. */
  addKey(entity: string, key: KeyDef): void {
    const def = this.entity(entity);
    if (def.keys.some((k) => k.logicalName === key.logicalName)) return;
    def.keys.push(key);
    this.keyIndex.get(entity)!.set(key.logicalName, new Map());
    for (const row of this.all(entity)) this.index(def, row);
  }

  setChangeTracking(entity: string, enabled: boolean): void {
    this.entity(entity).changeTracking = enabled;
  }

  entity(logicalName: string): EntityDef {
    const def = this.entities.get(logicalName);
    if (!def)
      throw new DataverseFault(404, CODES.badRequest, `Could not find entity with LogicalName '${logicalName}'.`);
    return def;
  }

  bySet(entitySetName: string): EntityDef | undefined {
    return [...this.entities.values()].find((e) => e.entitySetName === entitySetName);
  }

  all(entity: string): StoredRow[] {
    return [...this.rows.get(entity)!.values()];
  }

  get(entity: string, id: string): StoredRow | undefined {
    return this.rows.get(entity)!.get(id.toLowerCase());
  }

  deletedSince(entity: string, version: number): Tombstone[] {
    return this.tombstones.get(entity)!.filter((t) => t.version > version);
  }

  /** The row whose alternate key (the attributes named, all of one defined key) has these values. */
  findByKey(entity: string, values: Record<string, Stored>): StoredRow | undefined {
    const def = this.entity(entity);
    const names = Object.keys(values).sort();
    const key = def.keys.find((k) => [...k.attributes].sort().join(',') === names.join(','));
    if (!key)
      throw new DataverseFault(
        400,
        CODES.badRequest,
        `The key specified (${names.join(', ')}) is not an alternate key defined for entity '${def.logicalName}'.`,
      );
    const id = this.keyIndex.get(entity)!.get(key.logicalName)!.get(keyText(key.attributes, values));
    return id ? this.get(entity, id) : undefined;
  }

  /** Checks a body's columns (already resolved from lookups) and returns the values to store. */
  checked(entity: string, body: Record<string, unknown>): Record<string, Stored> {
    const def = this.entity(entity);
    const out: Record<string, Stored> = {};
    for (const [name, value] of Object.entries(body)) {
      const attr = def.attributes.find((a) => a.logicalName === name);
      if (!attr || attr.readOnly)
        throw new DataverseFault(
          400,
          CODES.badRequest,
          `The property '${name}' does not exist on type 'Microsoft.Dynamics.CRM.${def.logicalName}'. Make sure to only use property names that are defined by the type.`,
        );
      out[name] = checkValue(def, attr, value);
    }
    return out;
  }

  /** Inserts a row (values already checked) and returns it. */
  insert(entity: string, values: Record<string, Stored>, at = this.now()): StoredRow {
    const def = this.entity(entity);
    const id = randomUUID();
    const time = new Date(at).toISOString();
    const row: StoredRow = {
      id,
      values: { ...values, [def.primaryId]: id, createdon: time, modifiedon: time },
      version: ++this.version,
    };
    this.derive(def, row);
    this.claimKeys(def, row, null);
    this.rows.get(entity)!.set(id, row);
    this.writes.inserted++;
    this.journal?.push(() => this.forget(def, row));
    return row;
  }

  /** Writes values to a row and moves its modified time and version on, as every Dataverse update does. */
  update(entity: string, row: StoredRow, values: Record<string, Stored>, at = this.now()): StoredRow {
    const def = this.entity(entity);
    const before = { ...row.values };
    const next = { ...row.values, ...values, modifiedon: new Date(at).toISOString() };
    const candidate: StoredRow = { id: row.id, values: next, version: row.version };
    this.derive(def, candidate);
    this.claimKeys(def, candidate, before);
    const version = row.version;
    this.journal?.push(() => {
      this.unindex(def, row);
      row.values = before;
      row.version = version;
      this.index(def, row);
    });
    row.values = candidate.values;
    row.version = ++this.version;
    this.writes.updated++;
    return row;
  }

  delete(entity: string, id: string): boolean {
    const def = this.entity(entity);
    const row = this.get(entity, id);
    if (!row) return false;
    this.forget(def, row);
    this.writes.deleted++;
    const tombstones = this.tombstones.get(entity)!;
    tombstones.push({ id: row.id, version: ++this.version });
    this.journal?.push(() => {
      tombstones.splice(
        tombstones.findIndex((t) => t.id === row.id),
        1,
      );
      this.rows.get(entity)!.set(row.id, row);
      this.index(def, row);
    });
    return true;
  }

  /** Starts a change set: writes until `commit` or `rollback` can be undone together. */
  begin(): void {
    this.journal = [];
  }

  commit(): void {
    this.journal = null;
  }

  /** Undoes every write since `begin`, newest first. */
  rollback(): void {
    const steps = this.journal ?? [];
    this.journal = null;
    for (const undo of steps.reverse()) undo();
  }

  private forget(def: EntityDef, row: StoredRow): void {
    this.unindex(def, row);
    this.rows.get(def.logicalName)!.delete(row.id);
  }

  private unindex(def: EntityDef, row: StoredRow): void {
    const indexes = this.keyIndex.get(def.logicalName)!;
    for (const key of def.keys) {
      const text = keyText(key.attributes, row.values);
      if (text && indexes.get(key.logicalName)!.get(text) === row.id) indexes.get(key.logicalName)!.delete(text);
    }
  }

  private index(def: EntityDef, row: StoredRow): void {
    const indexes = this.keyIndex.get(def.logicalName)!;
    for (const key of def.keys) {
      const text = keyText(key.attributes, row.values);
      if (text) indexes.get(key.logicalName)!.set(text, row.id);
    }
  }

  /** Columns Dataverse computes: a contact's full name. */
  private derive(def: EntityDef, row: StoredRow): void {
    if (def.logicalName === 'contact') {
      const name = [row.values.firstname, row.values.lastname].filter((v) => typeof v === 'string' && v).join(' ');
      row.values.fullname = name || null;
    }
  }

  /** Keeps the alternate-key indexes, refusing a value another row holds. */
  private claimKeys(def: EntityDef, row: StoredRow, before: Record<string, Stored> | null): void {
    const indexes = this.keyIndex.get(def.logicalName)!;
    for (const key of def.keys) {
      const text = keyText(key.attributes, row.values);
      const holder = indexes.get(key.logicalName)!.get(text);
      if (text && holder && holder !== row.id)
        throw new DataverseFault(
          412,
          CODES.duplicateKey,
          `A record that has the attribute values ${key.attributes.map((a) => `${a}=${String(row.values[a])}`).join(', ')} already exists. The entity key ${key.logicalName} requires that this set of attributes contains unique values.`,
        );
    }
    if (before) this.unindex(def, { ...row, values: before });
    this.index(def, row);
  }
}

/** A key's values as one index entry; '' when any is blank (Dataverse does not index incomplete keys). */
function keyText(attributes: string[], values: Record<string, Stored>): string {
  const parts = attributes.map((a) => values[a]);
  if (parts.some((p) => p === null || p === undefined || p === '')) return '';
  return parts.map((p) => JSON.stringify(p)).join('\u0000');
}
