import type { INodeProperties } from 'n8n-workflow';
import { DATE_ORDERS } from '../../../../../core/mapping/dates';
import { EDITOR_STRATEGIES, EDITOR_TRANSFORMS } from './schema';

const title = (s: string) => s.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());

/** Target fields of any stream's target object: an n8n loader inside a nested row cannot tell which stream it is in. */
const targetField = (displayName: string, name: string, description: string): INodeProperties => ({
  displayName,
  name,
  type: 'options',
  typeOptions: { loadOptionsMethod: 'getSyncTargetFields', loadOptionsDependsOn: ['targetCrm'] },
  default: '',
  description,
});
const sourceField = (displayName: string, name: string, description: string): INodeProperties => ({
  ...targetField(displayName, name, description),
  typeOptions: { loadOptionsMethod: 'getSyncSourceFields', loadOptionsDependsOn: ['sourceCrm'] },
});

const fieldOptionValues: INodeProperties[] = [
  targetField('Target Field Name or ID', 'field', 'A target field mapped above'),
  {
    displayName: 'Transforms',
    name: 'transforms',
    type: 'multiOptions',
    options: EDITOR_TRANSFORMS.map((t) => ({
      name: t === 'map' ? 'Map (Value Map)' : title(t),
      value: t,
    })),
    default: [],
    description: 'Applied in the order chosen, before the value is compared and written',
  },
  {
    displayName: 'Phone Country',
    name: 'phoneCountry',
    type: 'string',
    default: '',
    placeholder: 'GB',
    description: 'For Phone: the country of numbers written without one',
  },
  {
    displayName: 'Decimal Mark',
    name: 'decimal',
    type: 'options',
    options: [
      { name: 'Job Default', value: '' },
      { name: 'Point (1,200.50)', value: '.' },
      { name: 'Comma (1.200,50)', value: ',' },
    ],
    default: '',
    description: 'For Number and Integer',
  },
  {
    displayName: 'Date Order',
    name: 'dateOrder',
    type: 'options',
    options: [{ name: 'Job Default', value: '' }, ...DATE_ORDERS.map((o) => ({ name: o, value: o }))],
    default: '',
    description: 'For Date and Datetime: how 03/04/2024 is read',
  },
  {
    displayName: 'Value Map',
    name: 'valueMap',
    type: 'string',
    default: '',
    placeholder: 'loanStage',
    description: 'For Map: the name of a value map defined under Value Maps',
  },
  {
    displayName: 'Unmapped Values',
    name: 'mapUnknown',
    type: 'options',
    options: [
      { name: 'Report as a Problem', value: 'error' },
      { name: 'Keep as They Are', value: 'keep' },
      { name: 'Blank the Field', value: 'blank' },
    ],
    default: 'error',
    description: 'For Map: what a value the map does not list becomes',
  },
  {
    displayName: 'Map Ignores Case',
    name: 'mapCaseInsensitive',
    type: 'boolean',
    default: true,
    description: 'Whether the map matches values whatever their case',
  },
  {
    displayName: 'Conflict Rule',
    name: 'conflictRule',
    type: 'options',
    options: [{ name: 'Job Default', value: '' }, ...EDITOR_STRATEGIES.map((s) => ({ name: title(s), value: s }))],
    default: '',
    description: 'Two-way jobs: who wins when both sides changed this field (one rule per field across streams)',
  },
];

export const streamValues: INodeProperties[] = [
  {
    displayName: 'Name',
    name: 'name',
    type: 'string',
    default: '',
    placeholder: 'loans',
    description: 'Lower-case letters, digits, _ or -; names the stream in reports and its cursor',
  },
  {
    displayName: 'Source Object Name or ID',
    name: 'sourceObject',
    type: 'options',
    typeOptions: { loadOptionsMethod: 'getSyncSourceObjects', loadOptionsDependsOn: ['sourceCrm'] },
    default: '',
    description:
      'Read from the source CRM through its credential. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
  },
  {
    displayName: 'Target Object Name or ID',
    name: 'targetObject',
    type: 'options',
    typeOptions: { loadOptionsMethod: 'getSyncTargetObjects', loadOptionsDependsOn: ['targetCrm'] },
    default: '',
    description:
      'Read from the target CRM through its credential. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
  },
  {
    displayName: 'External-ID Key Name or ID',
    name: 'key',
    type: 'options',
    typeOptions: { loadOptionsMethod: 'getSyncKeyFields', loadOptionsDependsOn: ['targetCrm', '&targetObject'] },
    default: '',
    description:
      'Target field that holds the source record\'s ID; every upsert goes by it. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
  },
  {
    displayName: 'Scope',
    name: 'scope',
    type: 'options',
    options: [
      { name: 'All Records (That Pass the Filter)', value: 'all' },
      { name: 'Only Records Another Stream Points At', value: 'referenced' },
    ],
    default: 'all',
  },
  {
    ...sourceField(
      'Source Key Name or ID',
      'sourceKey',
      'Two-way jobs only: the source field (an external ID) that holds the target record\'s ID. With it, records people make in the target are created in the source; left empty, they are left alone. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
    ),
    typeOptions: { loadOptionsMethod: 'getSyncSourceFields', loadOptionsDependsOn: ['sourceCrm', '&sourceObject'] },
  },
  {
    displayName: 'Field Mapping',
    name: 'mapping',
    type: 'resourceMapper',
    noDataExpression: true,
    default: { mappingMode: 'defineBelow', value: null },
    required: true,
    typeOptions: {
      loadOptionsDependsOn: ['sourceCrm', 'targetCrm', '&sourceObject', '&targetObject', '&key'],
      resourceMapper: {
        resourceMapperMethod: 'getSyncFieldMapping',
        mode: 'map',
        valuesLabel: 'Target Fields',
        fieldWords: { singular: 'target field', plural: 'target fields' },
        addAllFields: true,
        multiKeyMatch: false,
        supportAutoMap: false,
        noFieldsError: 'Choose the source and target objects first',
      },
    },
    description:
      'Per target field: a source field (Name), a template ({FirstName} {LastName}) or a constant in quotes ("Loans"). Suggestions are filled in, with their reasons in the field names.',
  },
  {
    displayName: 'Field Options',
    name: 'fieldOptions',
    type: 'fixedCollection',
    typeOptions: { multipleValues: true, sortable: true },
    default: {},
    placeholder: 'Add Field Options',
    options: [{ displayName: 'Field', name: 'field', values: fieldOptionValues }],
  },
  {
    displayName: 'Filter',
    name: 'filter',
    type: 'fixedCollection',
    typeOptions: { multipleValues: true },
    default: {},
    placeholder: 'Add Condition',
    description: 'Source records must meet every condition; values compare as trimmed text',
    options: [
      {
        displayName: 'Condition',
        name: 'condition',
        values: [
          sourceField('Source Field Name or ID', 'field', 'Choose from the list, or specify an ID using an expression'),
          {
            displayName: 'Operator',
            name: 'op',
            type: 'options',
            options: [
              { name: 'Equals', value: 'eq' },
              { name: 'Is Empty', value: 'empty' },
              { name: 'Is Not Empty', value: 'notEmpty' },
              { name: 'Is Not One Of', value: 'notIn' },
              { name: 'Is One Of', value: 'in' },
              { name: 'Not Equals', value: 'ne' },
            ],
            default: 'eq',
          },
          {
            displayName: 'Value',
            name: 'value',
            type: 'string',
            default: '',
            description: 'For Is One Of / Is Not One Of: values separated by commas',
            displayOptions: { hide: { op: ['empty', 'notEmpty'] } },
          },
        ],
      },
    ],
  },
  {
    displayName: 'References',
    name: 'references',
    type: 'fixedCollection',
    typeOptions: { multipleValues: true },
    default: {},
    placeholder: 'Add Reference',
    description: "Links to records of another stream (a deal's person): that stream runs first",
    options: [
      {
        displayName: 'Reference',
        name: 'reference',
        values: [
          sourceField('From Source Field Name or ID', 'from', "Holds the parent's source ID, e.g. Primary_Borrower__c"),
          {
            displayName: 'Stream',
            name: 'stream',
            type: 'string',
            default: '',
            placeholder: 'borrowers',
            description: 'The stream that syncs the parent',
          },
          targetField('To Target Field Name or ID', 'to', "Receives the parent's target ID, e.g. person_id"),
          {
            displayName: 'Required',
            name: 'required',
            type: 'boolean',
            default: true,
            description: 'Whether a record waits for its parent (otherwise it is written without the link)',
          },
        ],
      },
    ],
  },
  {
    displayName: 'When Deleted in the Source',
    name: 'onDelete',
    type: 'options',
    options: [
      { name: 'Leave the Target Record', value: 'nothing' },
      {
        name: 'Delete It in the Target',
        value: 'delete',
        description: 'HubSpot archives; two-way jobs delete both ways',
      },
      { name: 'Set a Field in the Target', value: 'flag' },
    ],
    default: 'nothing',
    description: 'What a record deleted in the source does to its linked target record',
  },
  {
    ...targetField(
      'Flag Field Name or ID',
      'deleteFlagField',
      'The target field set when the source record is deleted',
    ),
    displayOptions: { show: { onDelete: ['flag'] } },
  },
  {
    displayName: 'Flag Value',
    name: 'deleteFlagValue',
    type: 'string',
    default: '',
    placeholder: 'deleted',
    description: 'The value it is set to (blank: the field is cleared)',
    displayOptions: { show: { onDelete: ['flag'] } },
  },
  {
    displayName: 'Max Delete Share',
    name: 'maxDeleteShare',
    type: 'number',
    typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
    default: 0.1,
    description:
      'A run that would delete or flag more than this share of the linked records stops before it deletes anything (0.1 = 10 %), unless Allow Mass Delete is on',
    displayOptions: { hide: { onDelete: ['nothing'] } },
  },
];
