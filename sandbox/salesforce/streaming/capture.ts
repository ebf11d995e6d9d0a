/** What a record change was, as Change Data Capture names it. */
export type RecordChangeType = 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE';

/** One record's change inside a transaction: the fields it set (all of them for a create) and their new values. */
export interface RecordChange {
  entityName: string;
  changeType: RecordChangeType;
  recordId: string;
  /** Field -> new value: every non-null field for CREATE / UNDELETE, the changed ones for UPDATE, none for DELETE. */
  fields: Record<string, unknown>;
  /** Fields whose value changed (UPDATE only). */
  changedFields: string[];
}

/**
 * Collects the record changes of one transaction (one REST call, one internal Bulk batch, one edit) and hands them
 * over together when it commits, so the change events that follow can merge like Salesforce's do. Changes of a
 * transaction rolled back (allOrNone) are discarded: they never happened for a subscriber.
 */
export class ChangeCapture {
  private open: RecordChange[] | null = null;
  private readonly listeners = new Set<(changes: RecordChange[]) => void>();

  /** Called with each committed transaction's changes, in commit order. */
  listen(listener: (changes: RecordChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  record(change: RecordChange): void {
    if (this.open) this.open.push(change);
    else this.emit([change]);
  }

  /** Runs `fn` as one transaction; a transaction already open absorbs it. */
  transaction<T>(fn: () => T): T {
    if (this.open) return fn();
    const changes: RecordChange[] = [];
    this.open = changes;
    try {
      const result = fn();
      this.open = null;
      this.emit(changes);
      return result;
    } finally {
      this.open = null;
    }
  }

  /** Forgets the open transaction's changes (it was rolled back). */
  discard(): void {
    this.open?.splice(0);
  }

  private emit(changes: RecordChange[]): void {
    if (changes.length === 0) return;
    for (const listener of this.listeners) listener(changes);
  }
}

/** Fields a change event does not carry as values: the record's ID travels in the header, the rest is bookkeeping. */
const NOT_IN_PAYLOAD = new Set(['Id', 'IsDeleted', 'SystemModstamp', 'attributes']);

/** A created (or undeleted) record as a change: every field that has a value. */
export function wholeRecord(
  entityName: string,
  changeType: 'CREATE' | 'UNDELETE',
  record: Record<string, unknown> & { Id: string },
): RecordChange {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record))
    if (!NOT_IN_PAYLOAD.has(k) && v !== null && v !== undefined) fields[k] = v;
  return { entityName, changeType, recordId: record.Id, fields, changedFields: [] };
}

/** An update as a change: the fields whose value differs from `before` (LastModifiedDate always moves). */
export function updateOf(
  entityName: string,
  before: Record<string, unknown> & { Id: string },
  after: Record<string, unknown>,
): RecordChange {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(after)) {
    if (NOT_IN_PAYLOAD.has(k)) continue;
    if (k === 'LastModifiedDate' || before[k] !== v) fields[k] = v ?? null;
  }
  return { entityName, changeType: 'UPDATE', recordId: before.Id, fields, changedFields: Object.keys(fields) };
}
