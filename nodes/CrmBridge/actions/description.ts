import { databaseProperties } from '../../shared/databaseProperties';
import type { INodeProperties } from 'n8n-workflow';
import { crmProperties } from './crm/connection';
import * as describeSchema from './crm/describe.operation';
import * as crmRead from './crm/read.operation';
import * as crmUpsert from './crm/upsert.operation';
import * as resolve from './conflicts/resolve.operation';
import * as map from './mapping/map.operation';
import * as deduplicate from './matching/deduplicate.operation';
import * as mirrorRefresh from './mirror/refresh.operation';
import * as applyStaging from './staging/apply.operation';
import * as lookup from './staging/lookup.operation';
import * as reconcile from './staging/reconcile.operation';
import * as review from './staging/review.operation';
import * as syncRun from './sync/run.operation';

/** The CRM Bridge node's parameters: resources, operations and each operation's own parameters. */
export const properties: INodeProperties[] = [
  {
    displayName: 'Resource',
    name: 'resource',
    type: 'options',
    noDataExpression: true,
    options: [
      { name: 'Conflict', value: 'conflicts', description: 'Merge the same record from several CRMs by rules' },
      {
        name: 'CRM',
        value: 'crm',
        description: 'Describe, read and upsert records in a live CRM (Salesforce, HubSpot, Pipedrive, Dynamics 365)',
      },
      { name: 'Mapping', value: 'mapping', description: 'Map item fields to the properties of a CRM table' },
      { name: 'Matching', value: 'matching', description: 'Find items that are the same person or company' },
      {
        name: 'Mirror',
        value: 'mirror',
        description: 'Keep the Postgres mirror of HubSpot (the tables reconcile reads) up to date',
      },
      { name: 'Staging', value: 'staging', description: 'Reconcile legacy exports and look records up' },
      {
        name: 'Sync',
        value: 'sync',
        description: 'Run or plan a sync job between two CRMs (the engine behind `crm-bridge sync`)',
      },
    ],
    default: 'staging',
  },
  ...databaseProperties({
    server: 'Required when several n8n workers run (queue mode)',
    embedded: 'In-process PostgreSQL in a folder; one process at a time',
    show: { resource: ['staging', 'mapping', 'sync', 'mirror'] },
  }),
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['staging'] } },
    options: [
      {
        name: 'Apply',
        value: 'apply',
        action: 'Apply staging to the CRM',
        description: 'Create and update records in HubSpot from staging, audited; refusals kept for the next run',
      },
      {
        name: 'Lookup by Legacy ID',
        value: 'lookup',
        action: 'Look up a record by legacy ID',
        description: 'Target record, staging status and pending updates of one legacy record',
      },
      {
        name: 'Plan Apply',
        value: 'planApply',
        action: 'Plan applying staging to the CRM',
        description: 'What apply would create, update (old -> new) and hold back; nothing is written',
      },
      {
        name: 'Reconcile',
        value: 'reconcile',
        action: 'Reconcile a legacy export',
        description: 'Join a legacy export with the CRM mirror by legacy ID into the staging table',
      },
      {
        name: 'Review',
        value: 'review',
        action: 'Review fuzzy matches and conflicts',
        description: 'List what waits for a person, or approve, reject, or choose a survivor',
      },
    ],
    default: 'reconcile',
  },
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['conflicts'] } },
    options: [
      {
        name: 'Resolve',
        value: 'resolve',
        action: 'Resolve conflicts between sources',
        description: 'Merge items that share a key into one record per key, with per-field provenance',
      },
    ],
    default: 'resolve',
  },
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['mapping'] } },
    options: [
      {
        name: 'Map to Target',
        value: 'map',
        action: 'Map fields to a CRM table',
        description: "Rename item fields to the target table's properties, suggested automatically or mapped by hand",
      },
    ],
    default: 'map',
  },
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['matching'] } },
    options: [
      {
        name: 'Deduplicate',
        value: 'deduplicate',
        action: 'Find duplicate items',
        description: 'Fuzzy-match items into entities, with a cluster ID and confidence, or keep one per entity',
      },
    ],
    default: 'deduplicate',
  },
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['crm'] } },
    options: [
      {
        name: 'Describe Schema',
        value: 'describeSchema',
        action: 'Describe the fields of a CRM object',
        description: 'One item per field of the object: name, label, type, required, unique, options',
      },
      {
        name: 'Read',
        value: 'read',
        action: 'Read records from a CRM',
        description: 'Records changed since a cursor, oldest first, with the next cursor on the last item',
      },
      {
        name: 'Create or Update',
        value: 'upsert',
        action: 'Create or update records in a CRM',
        description: 'Create a new record, or update the current one if it already exists (upsert)',
      },
    ],
    default: 'read',
  },
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['sync'] } },
    options: [
      {
        name: 'Run',
        value: 'run',
        action: 'Run a sync job',
        description: "Write what changed since each stream's cursor to the target; one item with the counts per stream",
      },
      {
        name: 'Plan (Dry Run)',
        value: 'plan',
        action: 'Plan a sync job',
        description: 'Read and compare only: creates, updates field by field, skips and deferrals; nothing is written',
      },
    ],
    default: 'plan',
  },
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['mirror'] } },
    options: [
      {
        name: 'Refresh',
        value: 'refresh',
        action: 'Refresh the mirror of the CRM',
        description:
          'Bring the mirror tables up to date from HubSpot (created on first use, then what changed); one item per object with its counts',
      },
    ],
    default: 'refresh',
  },
  ...crmProperties,
  ...describeSchema.description,
  ...crmRead.description,
  ...crmUpsert.description,
  ...syncRun.description,
  ...mirrorRefresh.description,
  ...reconcile.description,
  ...lookup.description,
  ...review.description,
  ...applyStaging.description,
  ...resolve.description,
  ...map.description,
  ...deduplicate.description,
];
