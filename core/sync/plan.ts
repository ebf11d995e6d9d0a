import type { Value } from '../connectors/connector';
import type { FilterCondition } from './job';
import type { SyncedRecord, Values } from './store';

export interface FieldChange {
  field: string;
  /** What the engine last wrote there; absent for a record it never wrote. */
  old?: Value;
  new: Value;
}

export type PlanAction = 'create' | 'update' | 'unchanged' | 'skip' | 'defer' | 'reject' | 'delete' | 'flag';

/** One line of a plan: what will happen (or, after a run, happened) to one source record. */
export interface PlanEntry {
  stream: string;
  sourceId: string;
  action: PlanAction;
  targetKey?: string;
  targetId?: string | null;
  changes?: FieldChange[];
  reason?: string;
}

export interface RecordPlan {
  action: 'create' | 'update' | 'unchanged';
  changes: FieldChange[];
  /** The properties to send: all of them for a create, only the changed ones for an update. */
  send: Values;
}

/**
 * Compares the values a source record maps to with what the engine last wrote. Only changed fields are sent, so an
 * edit someone made in the target to another field is not overwritten; a blank never replaces a value unless the
 * job allows it (`never-blank-over-value`).
 */
export function planRecord(desired: Values, synced: SyncedRecord | undefined, allowBlank: boolean): RecordPlan {
  const changes: FieldChange[] = [];
  const send: Values = {};
  if (!synced) {
    for (const [field, value] of Object.entries(desired)) {
      if (value === null) continue;
      changes.push({ field, new: value });
      send[field] = value;
    }
    return { action: 'create', changes, send };
  }
  for (const [field, value] of Object.entries(desired)) {
    const old = synced.written[field] ?? null;
    if (old === value) continue;
    if (value === null && !allowBlank) continue;
    changes.push({ field, old, new: value });
    send[field] = value;
  }
  return { action: changes.length ? 'update' : 'unchanged', changes, send };
}

const text = (v: Value | undefined) => (v ?? '').trim();

/** Whether a source record passes every condition of its stream's filter; the first failing one is the reason. */
export function failingCondition(properties: Record<string, Value>, filter: FilterCondition[]): FilterCondition | null {
  for (const c of filter) {
    const v = text(properties[c.field]);
    const list = Array.isArray(c.value) ? c.value : c.value === undefined ? [] : [c.value];
    const ok =
      c.op === 'eq'
        ? v === list[0]
        : c.op === 'ne'
          ? v !== list[0]
          : c.op === 'in'
            ? list.includes(v)
            : c.op === 'notIn'
              ? !list.includes(v)
              : c.op === 'empty'
                ? v === ''
                : v !== '';
    if (!ok) return c;
  }
  return null;
}

export function describeCondition(c: FilterCondition): string {
  return `${c.field} ${c.op}${c.value === undefined ? '' : ` ${JSON.stringify(c.value)}`}`;
}
