/** Property definitions the emulator knows: HubSpot's standard ones for contacts, companies, deals and the engagements, plus custom. */
export interface PropertyDef {
  name: string;
  label: string;
  type: 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool';
  fieldType: string;
  groupName: string;
  options: Array<{ label: string; value: string; displayOrder: number; hidden: boolean }>;
  hasUniqueValue: boolean;
  modificationMetadata: { readOnlyValue: boolean; readOnlyDefinition: boolean; archivable: boolean };
  calculated: boolean;
  hidden: boolean;
  formField: boolean;
  description: string;
}

type Spec = [
  name: string,
  type: PropertyDef['type'],
  fieldType: string,
  extra?: { unique?: boolean; readOnly?: boolean; options?: string[]; label?: string },
];

/** The stages of HubSpot's default deal pipeline, in their order. */
export const DEAL_STAGES = [
  'appointmentscheduled',
  'qualifiedtobuy',
  'presentationscheduled',
  'decisionmakerboughtin',
  'contractsent',
  'closedwon',
  'closedlost',
];

/** HubSpot's standard lifecycle stages, in their order. */
export const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
];

const common: Spec[] = [
  ['hs_object_id', 'number', 'number', { unique: true, readOnly: true, label: 'Record ID' }],
  ['createdate', 'datetime', 'date', { readOnly: true, label: 'Create Date' }],
  ['hs_lastmodifieddate', 'datetime', 'date', { readOnly: true, label: 'Last Modified Date' }],
  ['hubspot_owner_id', 'enumeration', 'select', { options: [] }],
];

const specs: Record<string, Spec[]> = {
  contacts: [
    ...common,
    ['email', 'string', 'text', { unique: true, label: 'Email' }],
    ['lastmodifieddate', 'datetime', 'date', { readOnly: true, label: 'Last Modified Date' }],
    ['firstname', 'string', 'text'],
    ['lastname', 'string', 'text'],
    ['phone', 'string', 'phonenumber'],
    ['company', 'string', 'text'],
    ['jobtitle', 'string', 'text'],
    ['city', 'string', 'text'],
    ['country', 'string', 'text'],
    ['lifecyclestage', 'enumeration', 'radio', { options: LIFECYCLE_STAGES }],
    ['legacy_contact_id', 'string', 'text', { unique: true, label: 'Legacy contact ID' }],
  ],
  companies: [
    ...common,
    ['name', 'string', 'text', { label: 'Company name' }],
    ['domain', 'string', 'text', { label: 'Company Domain Name' }],
    ['phone', 'string', 'phonenumber'],
    ['city', 'string', 'text'],
    ['country', 'string', 'text'],
    ['website', 'string', 'text'],
    [
      'industry',
      'enumeration',
      'select',
      { options: ['COMPUTER_SOFTWARE', 'FINANCIAL_SERVICES', 'RETAIL', 'HOSPITAL_HEALTH_CARE', 'CONSTRUCTION'] },
    ],
    ['numberofemployees', 'number', 'number'],
    ['annualrevenue', 'number', 'number'],
    ['legacy_company_id', 'string', 'text', { unique: true, label: 'Legacy company ID' }],
  ],
  deals: [
    ...common,
    ['dealname', 'string', 'text'],
    ['amount', 'number', 'number'],
    ['closedate', 'datetime', 'date'],
    ['pipeline', 'enumeration', 'select', { options: ['default'] }],
    ['dealstage', 'enumeration', 'radio', { options: DEAL_STAGES }],
    ['legacy_deal_id', 'string', 'text', { unique: true, label: 'Legacy deal ID' }],
  ],
  ...engagementSpecs(),
};

/**
 * The five engagement (activity) objects of CRM v3, with HubSpot's own property names and picklists. Each has its
 * own names for what it shares with the others (a call's title is `hs_call_title`, a task's `hs_task_subject`); a
 * call's duration is in milliseconds; a meeting has a start and an end time; a note has no subject, status or priority.
 */
function engagementSpecs(): Record<string, Spec[]> {
  const engagement: Spec[] = [
    ...common,
    ['hs_timestamp', 'datetime', 'date', { label: 'Activity date' }],
    ['hs_createdate', 'datetime', 'date', { readOnly: true, label: 'Create date' }],
  ];
  return {
    calls: [
      ...engagement,
      ['hs_call_title', 'string', 'text', { label: 'Call Title' }],
      ['hs_call_body', 'string', 'html', { label: 'Call notes' }],
      ['hs_call_duration', 'number', 'number', { label: 'Call duration (ms)' }],
      [
        'hs_call_status',
        'enumeration',
        'select',
        {
          options: [
            'BUSY',
            'CALLING_CRM_USER',
            'CANCELED',
            'COMPLETED',
            'CONNECTING',
            'FAILED',
            'IN_PROGRESS',
            'NO_ANSWER',
            'QUEUED',
            'RINGING',
          ],
        },
      ],
      ['hs_call_direction', 'enumeration', 'select', { options: ['INBOUND', 'OUTBOUND'] }],
      ['hs_call_disposition', 'string', 'text'],
      ['hs_call_from_number', 'string', 'text'],
      ['hs_call_to_number', 'string', 'text'],
    ],
    emails: [
      ...engagement,
      ['hs_email_subject', 'string', 'text', { label: 'Email subject' }],
      ['hs_email_text', 'string', 'textarea', { label: 'Email body (text)' }],
      ['hs_email_html', 'string', 'html'],
      ['hs_email_status', 'enumeration', 'select', { options: ['BOUNCED', 'FAILED', 'SCHEDULED', 'SENDING', 'SENT'] }],
      ['hs_email_direction', 'enumeration', 'select', { options: ['EMAIL', 'INCOMING_EMAIL', 'FORWARDED_EMAIL'] }],
    ],
    meetings: [
      ...engagement,
      ['hs_meeting_title', 'string', 'text', { label: 'Meeting name' }],
      ['hs_meeting_body', 'string', 'html', { label: 'Meeting description' }],
      ['hs_internal_meeting_notes', 'string', 'html'],
      ['hs_meeting_location', 'string', 'text'],
      ['hs_meeting_start_time', 'datetime', 'date', { label: 'Start time' }],
      ['hs_meeting_end_time', 'datetime', 'date', { label: 'End time' }],
      [
        'hs_meeting_outcome',
        'enumeration',
        'select',
        { options: ['SCHEDULED', 'COMPLETED', 'RESCHEDULED', 'NO_SHOW', 'CANCELED'] },
      ],
    ],
    notes: [...engagement, ['hs_note_body', 'string', 'html', { label: 'Note body' }]],
    tasks: [
      ...engagement,
      ['hs_task_subject', 'string', 'text', { label: 'Task Title' }],
      ['hs_task_body', 'string', 'html', { label: 'Task notes' }],
      [
        'hs_task_status',
        'enumeration',
        'select',
        { options: ['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED'] },
      ],
      ['hs_task_priority', 'enumeration', 'select', { options: ['LOW', 'MEDIUM', 'HIGH'] }],
      ['hs_task_type', 'enumeration', 'select', { options: ['CALL', 'EMAIL', 'TODO'] }],
    ],
  };
}

function label(name: string): string {
  return name
    .replace(/^hs_/, '')
    .replace(/_/g, ' ')
    .replace(/^./, (c) => c.toUpperCase());
}

export function defaultSchemas(): Map<string, Map<string, PropertyDef>> {
  const out = new Map<string, Map<string, PropertyDef>>();
  for (const [object, list] of Object.entries(specs)) {
    const props = new Map<string, PropertyDef>();
    for (const [name, type, fieldType, extra] of list) {
      props.set(name, {
        name,
        type,
        fieldType,
        label: extra?.label ?? label(name),
        groupName: name.startsWith('legacy_') ? 'legacy' : `${object.replace(/s$/, '')}information`,
        options: (extra?.options ?? []).map((v, i) => ({
          label: label(v.toLowerCase()),
          value: v,
          displayOrder: i,
          hidden: false,
        })),
        hasUniqueValue: extra?.unique ?? false,
        modificationMetadata: {
          readOnlyValue: extra?.readOnly ?? false,
          readOnlyDefinition: !name.startsWith('legacy_'),
          archivable: name.startsWith('legacy_'),
        },
        calculated: false,
        hidden: false,
        formField: !extra?.readOnly,
        description: '',
      });
    }
    out.set(object, props);
  }
  return out;
}
