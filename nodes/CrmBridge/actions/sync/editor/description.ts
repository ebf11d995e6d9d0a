import type { INodeProperties } from 'n8n-workflow';
import { DATE_ORDERS } from '../../../../../core/mapping/dates';
import { SYNC_CRM_OPTIONS } from '../systems';
import { EDITOR_STRATEGIES } from './schema';
import { streamValues } from './stream-description';

const inEditor = { show: { resource: ['sync'], operation: ['run', 'plan'], jobSource: ['editor'] } };

/** Version 1 kept JSON as the only job source, so its workflows load with JSON; 1.1 starts new nodes in the editor. */
export const jobSourceProperties: INodeProperties[] = [1, 1.1].map((version) => ({
  displayName: 'Job Source',
  name: 'jobSource',
  type: 'options',
  noDataExpression: true,
  options: [
    { name: 'Build in the Editor', value: 'editor', description: 'Choose objects, map fields and filter in lists' },
    { name: 'JSON (Advanced)', value: 'json', description: 'Paste a job as in a `crm-bridge sync --job` file' },
  ],
  default: version === 1 ? 'json' : 'editor',
  displayOptions: { show: { resource: ['sync'], operation: ['run', 'plan'], '@version': [version] } },
}));

const crmChoice = (displayName: string, name: string, fallback: string, description: string): INodeProperties => ({
  displayName,
  name,
  type: 'options',
  options: SYNC_CRM_OPTIONS,
  default: fallback,
  required: true,
  description,
  displayOptions: inEditor,
});

const jobOptions: INodeProperties[] = [
  {
    displayName: 'Direction',
    name: 'direction',
    type: 'options',
    options: [
      { name: 'One-Way', value: 'one-way' },
      { name: 'Two-Way', value: 'two-way' },
    ],
    default: 'one-way',
  },
  { displayName: 'Batch Size', name: 'batchSize', type: 'number', typeOptions: { minValue: 1 }, default: 100 },
  {
    displayName: 'Look-Back Seconds',
    name: 'lookbackSeconds',
    type: 'number',
    typeOptions: { minValue: 0 },
    default: 5,
    description: 'Seconds read again before the cursor on each run (changes stamped to the second)',
  },
  {
    displayName: 'Max Attempts',
    name: 'maxAttempts',
    type: 'number',
    typeOptions: { minValue: 1 },
    default: 5,
    description: 'Attempts at a deferred or failed record before it is left for a person',
  },
  {
    displayName: 'Watch Interval (CLI, Seconds)',
    name: 'everySeconds',
    type: 'number',
    typeOptions: { minValue: 0 },
    default: 0,
    description:
      'For `crm-bridge sync --watch` when the job is exported; in n8n, schedule with a trigger. 0: no interval.',
  },
  { displayName: 'Default Phone Country', name: 'phoneCountry', type: 'string', default: '', placeholder: 'GB' },
  {
    displayName: 'Default Date Order',
    name: 'dateOrder',
    type: 'options',
    options: [{ name: 'None', value: '' }, ...DATE_ORDERS.map((o) => ({ name: o, value: o }))],
    default: '',
  },
  {
    displayName: 'Default Decimal Mark',
    name: 'decimal',
    type: 'options',
    options: [
      { name: 'None', value: '' },
      { name: 'Point', value: '.' },
      { name: 'Comma', value: ',' },
    ],
    default: '',
  },
  {
    displayName: 'Conflict Default Rule',
    name: 'conflictDefault',
    type: 'options',
    options: [
      { name: 'None (No Conflict Rules)', value: '' },
      ...EDITOR_STRATEGIES.map((s) => ({ name: s, value: s })),
    ],
    default: '',
    description: 'Two-way jobs: the rule for fields without their own',
  },
  {
    displayName: 'Conflict Source Priority',
    name: 'conflictSourcePriority',
    type: 'options',
    options: [
      { name: 'None', value: '' },
      { name: 'Source, Then Target', value: 'source,target' },
      { name: 'Target, Then Source', value: 'target,source' },
    ],
    default: '',
  },
  {
    displayName: 'Blank Values May Win Conflicts',
    name: 'conflictAllowBlank',
    type: 'boolean',
    default: false,
    description: 'Whether a blank value may win and clear a value',
  },
];

export const editorProperties: INodeProperties[] = [
  ...jobSourceProperties,
  {
    displayName: 'Job Name',
    name: 'jobName',
    type: 'string',
    default: '',
    required: true,
    placeholder: 'loans-to-pipedrive',
    description:
      "Names the job's cursors and runs: a job file with the same name shares them with the CLI. Lower-case letters, digits, _ or -.",
    displayOptions: inEditor,
  },
  crmChoice('Source CRM', 'sourceCrm', 'salesforce', 'Where records are read; also choose it under "CRMs"'),
  crmChoice('Target CRM', 'targetCrm', 'pipedrive', 'Where records are written; also choose it under "CRMs"'),
  {
    displayName: 'Streams',
    name: 'editorStreams',
    type: 'fixedCollection',
    typeOptions: { multipleValues: true, sortable: true },
    default: {},
    placeholder: 'Add Stream',
    description: 'One per object pair; streams that others reference run first (persons before their deals)',
    options: [{ displayName: 'Stream', name: 'stream', values: streamValues }],
    displayOptions: inEditor,
  },
  {
    displayName: 'Value Maps',
    name: 'valueMaps',
    type: 'fixedCollection',
    typeOptions: { multipleValues: true },
    default: {},
    placeholder: 'Add Value Map',
    description: 'Named tables of source value -> target value (stages by name), used by the Map transform',
    options: [
      {
        displayName: 'Value Map',
        name: 'map',
        values: [
          { displayName: 'Name', name: 'name', type: 'string', default: '', placeholder: 'loanStage' },
          {
            displayName: 'Values',
            name: 'values',
            type: 'fixedCollection',
            typeOptions: { multipleValues: true },
            default: {},
            placeholder: 'Add Value',
            options: [
              {
                displayName: 'Value',
                name: 'pair',
                values: [
                  { displayName: 'Source Value', name: 'from', type: 'string', default: '' },
                  {
                    displayName: 'Target Value',
                    name: 'to',
                    type: 'string',
                    default: '',
                    description: 'Empty blanks the field',
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
    displayOptions: inEditor,
  },
  {
    displayName: 'Rate Budgets',
    name: 'rateBudgets',
    type: 'fixedCollection',
    typeOptions: { multipleValues: true },
    default: {},
    placeholder: 'Add Rate Budget',
    description: 'Requests per interval of a CRM account, shared by every process running jobs on it',
    options: [
      {
        displayName: 'Budget',
        name: 'budget',
        values: [
          { displayName: 'CRM', name: 'system', type: 'options', options: SYNC_CRM_OPTIONS, default: 'pipedrive' },
          { displayName: 'Requests', name: 'requests', type: 'number', typeOptions: { minValue: 1 }, default: 80 },
          {
            displayName: 'Per Milliseconds',
            name: 'perMs',
            type: 'number',
            typeOptions: { minValue: 100 },
            default: 2000,
          },
        ],
      },
    ],
    displayOptions: inEditor,
  },
  {
    displayName: 'Job Options',
    name: 'jobOptions',
    type: 'collection',
    default: {},
    placeholder: 'Add Option',
    options: jobOptions,
    displayOptions: inEditor,
  },
];
