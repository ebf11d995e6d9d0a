import type { UpsertInput } from '../../connector';
import type { Value } from '../../connector';
import {
  CALL_DURATION,
  MEETING_END,
  MEETING_START,
  OBJECT_OF,
  PLAIN_HOMES,
  UNIFIED,
  VIEW_PROPERTIES,
  type EngagementType,
  type PlainField,
} from './types';

const MINUTE_MS = 60_000;
const blank = (v: Value | undefined): boolean => v === undefined || v === null || v === '';

/** A time property's value (ISO, or milliseconds since the epoch as HubSpot also accepts) in milliseconds. */
function millis(value: Value | undefined): number | null {
  if (blank(value)) return null;
  const ms = /^-?\d+$/.test(value!) ? Number(value) : Date.parse(value!);
  return Number.isNaN(ms) ? null : ms;
}

/** Whole minutes between two times, or null when either is missing. */
function minutesBetween(start: Value | undefined, end: Value | undefined): Value {
  const a = millis(start);
  const b = millis(end);
  return a === null || b === null ? null : String(Math.round((b - a) / MINUTE_MS));
}

/**
 * One record of a type in the view's names. Durations are whole minutes, rounded (a call of 95 s reads as 2): the
 * unified column is an integer. A meeting's time is `hs_timestamp`, or its start time when HubSpot has no timestamp.
 * Properties the view does not translate (custom ones such as `legacy_company_id`, the owner, the IDs) keep their names.
 */
export function toUnified(type: EngagementType, native: Record<string, Value>): Record<string, Value> {
  const homes = new Set<string>([
    ...Object.values(PLAIN_HOMES[type]),
    CALL_DURATION,
    MEETING_START,
    MEETING_END,
    VIEW_PROPERTIES.duration,
  ]);
  const out: Record<string, Value> = {};
  for (const [k, v] of Object.entries(native)) if (!homes.has(k)) out[k] = v ?? null;
  out[UNIFIED.type] = type;
  for (const [field, home] of Object.entries(PLAIN_HOMES[type])) out[field] = native[home] ?? null;
  if (type === 'MEETING') {
    out[UNIFIED.timestamp] = native[UNIFIED.timestamp] ?? native[MEETING_START] ?? null;
    out[UNIFIED.duration] = minutesBetween(native[MEETING_START] ?? native[UNIFIED.timestamp], native[MEETING_END]);
  } else {
    out[UNIFIED.timestamp] = native[UNIFIED.timestamp] ?? null;
    if (type === 'CALL') {
      const ms = Number(native[CALL_DURATION]);
      out[UNIFIED.duration] =
        blank(native[CALL_DURATION]) || Number.isNaN(ms) ? null : String(Math.round(ms / MINUTE_MS));
    } else out[UNIFIED.duration] = native[VIEW_PROPERTIES.duration] ?? null;
  }
  return out;
}

export interface NativeWrite {
  properties: Record<string, Value>;
  /** Why the record cannot be written as given (a value with nowhere to go, a duration without a start). */
  problems: string[];
}

export interface NativeOptions {
  /** The record's current values (native names), for a meeting's end time when only its start or duration changes. */
  current?: Record<string, Value>;
  /** The properties the type has in this portal; a value whose home is not among them is a problem, not a silent loss. */
  defined?: Set<string>;
}

/**
 * Unified values to the type's own properties. Only what is given is translated (an update sends what changed); a
 * meeting's end time follows from its start and duration, taking whichever of the two is not given from `current`.
 * `hs_engagement_type` is not a property anywhere: it chose the type.
 */
export function toNative(
  type: EngagementType,
  unified: Record<string, Value>,
  options: NativeOptions = {},
): NativeWrite {
  const properties: Record<string, Value> = {};
  const problems: string[] = [];
  const object = OBJECT_OF[type];
  const put = (field: string, home: string, value: Value) => {
    if (options.defined && !options.defined.has(home) && !blank(value)) {
      problems.push(
        `${field} has nowhere to go on HubSpot ${object}: they have no such property, and the custom property ${home} is not defined on ${object}`,
      );
    } else properties[home] = value;
  };
  for (const [name, value] of Object.entries(unified)) {
    if (name === UNIFIED.type || name === UNIFIED.duration) continue;
    if (name in PLAIN_HOMES[type]) put(name, PLAIN_HOMES[type][name as PlainField], value);
    else {
      properties[name] = value;
      if (name === UNIFIED.timestamp && type === 'MEETING') properties[MEETING_START] = value;
    }
  }
  const timeGiven = UNIFIED.timestamp in unified;
  const durationGiven = UNIFIED.duration in unified;
  if (!durationGiven && !(type === 'MEETING' && timeGiven)) return { properties, problems };
  const minutes = unified[UNIFIED.duration];
  if (durationGiven && !blank(minutes) && Number.isNaN(Number(minutes))) {
    problems.push(`${UNIFIED.duration} ${JSON.stringify(minutes)} is not a number of minutes`);
    return { properties, problems };
  }
  if (type === 'CALL')
    put(UNIFIED.duration, CALL_DURATION, blank(minutes) ? null : String(Math.round(Number(minutes) * MINUTE_MS)));
  else if (type === 'MEETING') meetingEnd(unified, options.current ?? {}, properties, problems);
  else put(UNIFIED.duration, VIEW_PROPERTIES.duration, blank(minutes) ? null : minutes!);
  return { properties, problems };
}

/** A meeting keeps its duration as an end time: start + minutes, the start and the minutes given or current. */
function meetingEnd(
  unified: Record<string, Value>,
  current: Record<string, Value>,
  properties: Record<string, Value>,
  problems: string[],
): void {
  const currentStart = current[MEETING_START] ?? current[UNIFIED.timestamp];
  const start = UNIFIED.timestamp in unified ? unified[UNIFIED.timestamp] : currentStart;
  const minutes =
    UNIFIED.duration in unified ? unified[UNIFIED.duration] : minutesBetween(currentStart, current[MEETING_END]);
  if (UNIFIED.duration in unified && blank(minutes)) {
    properties[MEETING_END] = null;
    return;
  }
  if (blank(minutes)) return;
  const at = millis(start);
  if (at === null) {
    problems.push(
      `a meeting's ${UNIFIED.duration} is kept as its end time, which needs a start time (${UNIFIED.timestamp}), and it has none`,
    );
    return;
  }
  properties[MEETING_END] = new Date(at + Number(minutes) * MINUTE_MS).toISOString();
}

/** An input's values for the type's own properties: without the type (which chose the object) and the parent keys. */
export function ownValues(record: UpsertInput, virtual: Set<string>): Record<string, Value> {
  return Object.fromEntries(Object.entries(record.properties).filter(([k]) => !virtual.has(k) && k !== UNIFIED.type));
}
