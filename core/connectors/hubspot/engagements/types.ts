/**
 * HubSpot has no `engagements` object in CRM v3: calls, emails, meetings, notes and tasks are five object types, each
 * with its own property names. The connector's `engagements` view is their union under one set of names (those of the
 * mirror's `hubspot.engagements` table); this module says where each type keeps each unified property.
 */

export const ENGAGEMENTS = 'engagements';

export const ENGAGEMENT_TYPES = ['CALL', 'EMAIL', 'MEETING', 'NOTE', 'TASK'] as const;
export type EngagementType = (typeof ENGAGEMENT_TYPES)[number];

/** The CRM v3 object type of each engagement type. */
export const OBJECT_OF: Record<EngagementType, string> = {
  CALL: 'calls',
  EMAIL: 'emails',
  MEETING: 'meetings',
  NOTE: 'notes',
  TASK: 'tasks',
};

export const TYPE_OF_OBJECT: Record<string, EngagementType> = Object.fromEntries(
  ENGAGEMENT_TYPES.map((t) => [OBJECT_OF[t], t]),
);

export function isEngagementType(value: string): value is EngagementType {
  return (ENGAGEMENT_TYPES as readonly string[]).includes(value);
}

/** The unified property names (the mirror's columns) the view translates; any other name passes through unchanged. */
export const UNIFIED = {
  type: 'hs_engagement_type',
  subject: 'hs_subject',
  body: 'hs_body',
  timestamp: 'hs_timestamp',
  status: 'hs_status',
  priority: 'hs_priority',
  duration: 'hs_duration_minutes',
  owner: 'hubspot_owner_id',
} as const;

/** Unified properties a type keeps as one property of its own, value for value. */
export type PlainField = typeof UNIFIED.subject | typeof UNIFIED.body | typeof UNIFIED.status | typeof UNIFIED.priority;

/**
 * Custom properties the view keeps values in where HubSpot has no property of the same meaning: a note has no
 * subject; only tasks have a status and priority of the legacy kind (NOT_STARTED … DEFERRED, LOW/MEDIUM/HIGH) -
 * a call's `hs_call_status` (BUSY, NO_ANSWER …), an email's `hs_email_status` (SENT, BOUNCED …) and a meeting's
 * `hs_meeting_outcome` (NO_SHOW, RESCHEDULED …) say other things, so nothing is forced into them; and only calls and
 * meetings have a duration. Custom names cannot start with `hs_`, which HubSpot keeps for its own properties.
 */
export const VIEW_PROPERTIES = {
  subject: 'engagement_subject',
  status: 'engagement_status',
  priority: 'engagement_priority',
  duration: 'engagement_duration_minutes',
} as const;

/** Where each type keeps the unified subject, body, status and priority. */
export const PLAIN_HOMES: Record<EngagementType, Record<PlainField, string>> = {
  CALL: {
    hs_subject: 'hs_call_title',
    hs_body: 'hs_call_body',
    hs_status: VIEW_PROPERTIES.status,
    hs_priority: VIEW_PROPERTIES.priority,
  },
  EMAIL: {
    hs_subject: 'hs_email_subject',
    hs_body: 'hs_email_text',
    hs_status: VIEW_PROPERTIES.status,
    hs_priority: VIEW_PROPERTIES.priority,
  },
  MEETING: {
    hs_subject: 'hs_meeting_title',
    hs_body: 'hs_meeting_body',
    hs_status: VIEW_PROPERTIES.status,
    hs_priority: VIEW_PROPERTIES.priority,
  },
  NOTE: {
    hs_subject: VIEW_PROPERTIES.subject,
    hs_body: 'hs_note_body',
    hs_status: VIEW_PROPERTIES.status,
    hs_priority: VIEW_PROPERTIES.priority,
  },
  TASK: {
    hs_subject: 'hs_task_subject',
    hs_body: 'hs_task_body',
    hs_status: 'hs_task_status',
    hs_priority: 'hs_task_priority',
  },
};

export const CALL_DURATION = 'hs_call_duration';
export const MEETING_START = 'hs_meeting_start_time';
export const MEETING_END = 'hs_meeting_end_time';

/** The properties holding a type's duration: milliseconds on calls, start and end on meetings, minutes otherwise. */
export function durationHomes(type: EngagementType): string[] {
  if (type === 'CALL') return [CALL_DURATION];
  if (type === 'MEETING') return [MEETING_START, MEETING_END];
  return [VIEW_PROPERTIES.duration];
}

/** The custom properties of the view each type needs (what a portal must define for every unified value to have a home). */
export function viewPropertiesOf(
  type: EngagementType,
): Array<{ name: string; label: string; type: 'string' | 'number'; fieldType: string }> {
  const out: Array<{ name: string; label: string; type: 'string' | 'number'; fieldType: string }> = [];
  for (const [field, label] of [
    [UNIFIED.subject, 'Subject'],
    [UNIFIED.status, 'Status'],
    [UNIFIED.priority, 'Priority'],
  ] as const) {
    const home = PLAIN_HOMES[type][field];
    if (Object.values(VIEW_PROPERTIES).includes(home as never))
      out.push({ name: home, label, type: 'string', fieldType: 'text' });
  }
  if (durationHomes(type)[0] === VIEW_PROPERTIES.duration)
    out.push({ name: VIEW_PROPERTIES.duration, label: 'Duration (minutes)', type: 'number', fieldType: 'number' });
  return out;
}

/** The native properties a type needs read to give these unified properties (all of them when `unified` is absent). */
export function nativeNamesFor(type: EngagementType, unified: string[]): string[] {
  const out = new Set<string>();
  for (const name of unified) {
    if (name === UNIFIED.type) continue;
    if (name in PLAIN_HOMES[type]) out.add(PLAIN_HOMES[type][name as PlainField]);
    else if (name === UNIFIED.duration) for (const p of durationHomes(type)) out.add(p);
    else if (name === UNIFIED.timestamp) {
      out.add(UNIFIED.timestamp);
      if (type === 'MEETING') out.add(MEETING_START);
    } else out.add(name);
  }
  return [...out];
}
