import type { FieldSchema, ObjectSchema } from '../../connector';
import {
  CALL_DURATION,
  durationHomes,
  ENGAGEMENT_TYPES,
  ENGAGEMENTS,
  MEETING_END,
  MEETING_START,
  OBJECT_OF,
  PLAIN_HOMES,
  UNIFIED,
  VIEW_PROPERTIES,
  type EngagementType,
} from './types';

/** The view's schema, and what each type defines in this portal (to tell a value with no home from one that has one). */
export interface UnifiedSchema {
  schema: ObjectSchema;
  defined: Record<EngagementType, Set<string>>;
}

const TRANSLATED = new Set<string>([
  ...ENGAGEMENT_TYPES.flatMap((t) => Object.values(PLAIN_HOMES[t])),
  CALL_DURATION,
  MEETING_START,
  MEETING_END,
  ...Object.values(VIEW_PROPERTIES),
]);

/** Where each type keeps a unified property, and which types cannot keep it in this portal. */
function homesNote(
  field: string,
  homes: (t: EngagementType) => string[],
  defined: Record<EngagementType, Set<string>>,
): string {
  const where = ENGAGEMENT_TYPES.map((t) => `${OBJECT_OF[t]}: ${homes(t).join(' + ')}`).join('; ');
  const missing = ENGAGEMENT_TYPES.filter((t) => homes(t).some((h) => !defined[t].has(h)));
  const lacking = missing.length
    ? ` Not defined in this portal on ${missing.map((t) => OBJECT_OF[t]).join(', ')}: a ${field} value for those types is refused, record by record, until the property exists.`
    : '';
  return `Kept as ${where}.${lacking}`;
}

/**
 * The engagements view's fields: the unified names (the mirror's columns) and every other property all five types
 * share (such as custom `legacy_*` properties), unique only where unique on all five. Enumerations of status and
 * priority are those of tasks, the one type whose own properties hold them.
 */
export function unifiedSchema(types: Record<EngagementType, ObjectSchema>): UnifiedSchema {
  const defined = Object.fromEntries(
    ENGAGEMENT_TYPES.map((t) => [t, new Set(types[t].fields.map((f) => f.name))]),
  ) as Record<EngagementType, Set<string>>;
  const byName = (t: EngagementType, name: string) => types[t].fields.find((f) => f.name === name);
  const plain = (t: EngagementType, field: keyof (typeof PLAIN_HOMES)['CALL']) => [PLAIN_HOMES[t][field]];
  const taskOptions = (name: string) => byName('TASK', name)?.options ?? [];
  const fields: FieldSchema[] = [
    { name: 'hs_object_id', label: 'Record ID', type: 'number', unique: true, readOnly: true },
    {
      name: UNIFIED.type,
      label: 'Engagement type',
      type: 'enum',
      options: [...ENGAGEMENT_TYPES],
      required: true,
      description: `Which HubSpot object the record is (${ENGAGEMENT_TYPES.map((t) => `${t}: ${OBJECT_OF[t]}`).join(', ')}). A create needs it; a record of another type under the same key is moved (re-created as this type, the old one archived).`,
    },
    {
      name: UNIFIED.subject,
      label: 'Subject',
      type: 'string',
      description: homesNote(UNIFIED.subject, (t) => plain(t, UNIFIED.subject), defined),
    },
    {
      name: UNIFIED.body,
      label: 'Body',
      type: 'string',
      format: 'textarea',
      description: homesNote(UNIFIED.body, (t) => plain(t, UNIFIED.body), defined),
    },
    {
      name: UNIFIED.timestamp,
      label: 'Activity date',
      type: 'datetime',
      description: "hs_timestamp on every type (and a meeting's start time). HubSpot needs it to create an engagement.",
    },
    {
      name: UNIFIED.status,
      label: 'Status',
      type: 'enum',
      options: taskOptions('hs_task_status'),
      description: homesNote(UNIFIED.status, (t) => plain(t, UNIFIED.status), defined),
    },
    {
      name: UNIFIED.priority,
      label: 'Priority',
      type: 'enum',
      options: taskOptions('hs_task_priority'),
      description: homesNote(UNIFIED.priority, (t) => plain(t, UNIFIED.priority), defined),
    },
    {
      name: UNIFIED.duration,
      label: 'Duration (minutes)',
      type: 'integer',
      description: `${homesNote(UNIFIED.duration, durationHomes, defined)} A call's milliseconds and a meeting's end minus start read as whole minutes, rounded.`,
    },
  ];
  const owner = byName('CALL', UNIFIED.owner);
  if (owner) fields.push({ ...owner });
  const taken = new Set(fields.map((f) => f.name));
  for (const field of types.CALL.fields) {
    if (taken.has(field.name) || TRANSLATED.has(field.name)) continue;
    const onEach = ENGAGEMENT_TYPES.map((t) => byName(t, field.name));
    if (onEach.some((f) => !f)) continue;
    fields.push({ ...field, unique: onEach.every((f) => f!.unique), readOnly: onEach.some((f) => f!.readOnly) });
  }
  return { schema: { object: ENGAGEMENTS, idField: 'hs_object_id', fields }, defined };
}
