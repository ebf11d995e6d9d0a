import {
  NodeConnectionTypes,
  type ICredentialTestFunctions,
  type ICredentialsDecrypted,
  type IExecuteFunctions,
  type INodeCredentialTestResult,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
} from 'n8n-workflow';
import pg from 'pg';
import { redactSecrets } from '../../core/db/redact';
import { router } from './actions/router';
import * as lookup from './actions/staging/lookup.operation';
import * as reconcile from './actions/staging/reconcile.operation';
import * as review from './actions/staging/review.operation';
import * as applyStaging from './actions/staging/apply.operation';
import * as resolve from './actions/conflicts/resolve.operation';
import * as map from './actions/mapping/map.operation';
import * as deduplicate from './actions/matching/deduplicate.operation';
import * as describeSchema from './actions/crm/describe.operation';
import * as crmRead from './actions/crm/read.operation';
import * as crmUpsert from './actions/crm/upsert.operation';
import * as syncRun from './actions/sync/run.operation';
import * as mirrorRefresh from './actions/mirror/refresh.operation';
import { connectorFromCredential, credentialSecrets, crmProperties } from './actions/crm/connection';
import { getMappingObjects } from './methods/loadOptions';
import { getMirrorColumns } from './methods/resourceMapping';
import { getSyncFieldMapping } from './methods/syncMapping';
import {
  getSyncKeyFields,
  getSyncSourceFields,
  getSyncSourceObjects,
  getSyncTargetFields,
  getSyncTargetObjects,
} from './methods/syncOptions';
import { credentialToUrl } from './transport/database';

/** Opens the connector from the credential's fields and asks the CRM whether it answers; secrets never reach the message. */
async function testCrmCredential(
  crm: 'salesforce' | 'hubspot' | 'pipedrive',
  credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
  const data = credential.data ?? {};
  try {
    const check = await (await connectorFromCredential(crm, data)).checkConnection();
    return { status: check.ok ? 'OK' : 'Error', message: redactSecrets(check.message, credentialSecrets(data)) };
  } catch (error) {
    return { status: 'Error', message: redactSecrets((error as Error).message, credentialSecrets(data)) };
  }
}

export class CrmBridge implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'CRM Bridge',
    name: 'crmBridge',
    icon: 'file:crmBridge.svg',
    group: ['transform'],
    version: [1, 1.1],
    defaultVersion: 1.1,
    subtitle:
      '={{$parameter["operation"] + ": " + ($parameter["object"] || $parameter["crmObject"] || $parameter["resource"])}}',
    description: 'Reconcile legacy CRM exports, look records up by legacy ID, and merge records from several CRMs',
    defaults: { name: 'CRM Bridge' },
    inputs: [NodeConnectionTypes.Main],
    outputs: [NodeConnectionTypes.Main],
    usableAsTool: true,
    credentials: [
      {
        name: 'crmBridgePostgresApi',
        required: true,
        testedBy: 'crmBridgePostgresTest',
        displayOptions: { show: { resource: ['staging', 'mapping', 'sync', 'mirror'], database: ['server'] } },
      },
      {
        name: 'crmBridgeSalesforceApi',
        required: true,
        testedBy: 'crmBridgeSalesforceTest',
        displayOptions: { show: { resource: ['crm', 'sync'], crm: ['salesforce'] } },
      },
      {
        name: 'crmBridgeHubSpotApi',
        required: true,
        testedBy: 'crmBridgeHubSpotTest',
        displayOptions: { show: { resource: ['crm', 'sync', 'staging', 'mirror'], crm: ['hubspot'] } },
      },
      {
        name: 'crmBridgePipedriveApi',
        required: true,
        testedBy: 'crmBridgePipedriveTest',
        displayOptions: { show: { resource: ['crm', 'sync'], crm: ['pipedrive'] } },
      },
    ],
    properties: [
      {
        displayName: 'Resource',
        name: 'resource',
        type: 'options',
        noDataExpression: true,
        options: [
          { name: 'Staging', value: 'staging', description: 'Reconcile legacy exports and look records up' },
          { name: 'Conflict', value: 'conflicts', description: 'Merge the same record from several CRMs by rules' },
          { name: 'Mapping', value: 'mapping', description: 'Map item fields to the properties of a CRM table' },
          { name: 'Matching', value: 'matching', description: 'Find items that are the same person or company' },
          {
            name: 'CRM',
            value: 'crm',
            description: 'Describe, read and upsert records in a live CRM (Salesforce, HubSpot, Pipedrive)',
          },
          {
            name: 'Sync',
            value: 'sync',
            description: 'Run or plan a sync job between two CRMs (the engine behind `crm-bridge sync`)',
          },
          {
            name: 'Mirror',
            value: 'mirror',
            description: 'Keep the Postgres mirror of HubSpot (the tables reconcile reads) up to date',
          },
        ],
        default: 'staging',
      },
      {
        displayName: 'Database',
        name: 'database',
        type: 'options',
        displayOptions: { show: { resource: ['staging', 'mapping', 'sync', 'mirror'] } },
        options: [
          {
            name: 'PostgreSQL Server (Credential)',
            value: 'server',
            description: 'Required when several n8n workers run (queue mode)',
          },
          {
            name: 'Embedded (Data Folder)',
            value: 'embedded',
            description: 'In-process PostgreSQL in a folder; one process at a time',
          },
        ],
        default: 'server',
      },
      {
        displayName: 'Data Folder',
        name: 'dataFolder',
        type: 'string',
        default: '',
        required: true,
        placeholder: '/home/node/.crm-bridge',
        displayOptions: { show: { resource: ['staging', 'mapping', 'sync', 'mirror'], database: ['embedded'] } },
      },
      {
        displayName: 'Operation',
        name: 'operation',
        type: 'options',
        noDataExpression: true,
        displayOptions: { show: { resource: ['staging'] } },
        options: [
          {
            name: 'Reconcile',
            value: 'reconcile',
            action: 'Reconcile a legacy export',
            description: 'Join a legacy export with the CRM mirror by legacy ID into the staging table',
          },
          {
            name: 'Lookup by Legacy ID',
            value: 'lookup',
            action: 'Look up a record by legacy ID',
            description: 'Target record, staging status and pending updates of one legacy record',
          },
          {
            name: 'Review',
            value: 'review',
            action: 'Review fuzzy matches and conflicts',
            description: 'List what waits for a person, or approve, reject, or choose a survivor',
          },
          {
            name: 'Plan Apply',
            value: 'planApply',
            action: 'Plan applying staging to the CRM',
            description: 'What apply would create, update (old -> new) and hold back; nothing is written',
          },
          {
            name: 'Apply',
            value: 'apply',
            action: 'Apply staging to the CRM',
            description: 'Create and update records in HubSpot from staging, audited; refusals kept for the next run',
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
            description:
              "Rename item fields to the target table's properties, suggested automatically or mapped by hand",
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
            name: 'Upsert',
            value: 'upsert',
            action: 'Create or update records in a CRM',
            description: 'Every input item is a record, matched by a key property; a result per record',
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
            description:
              "Write what changed since each stream's cursor to the target; one item with the counts per stream",
          },
          {
            name: 'Plan (Dry Run)',
            value: 'plan',
            action: 'Plan a sync job',
            description:
              'Read and compare only: creates, updates field by field, skips and deferrals; nothing is written',
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
            action: 'Refresh the HubSpot mirror',
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
    ],
  };

  methods = {
    resourceMapping: { getMirrorColumns, getSyncFieldMapping },
    loadOptions: {
      getMappingObjects,
      getSyncSourceObjects,
      getSyncTargetObjects,
      getSyncKeyFields,
      getSyncSourceFields,
      getSyncTargetFields,
    },
    credentialTest: {
      async crmBridgePostgresTest(
        this: ICredentialTestFunctions,
        credential: ICredentialsDecrypted,
      ): Promise<INodeCredentialTestResult> {
        const client = new pg.Client({
          connectionString: credentialToUrl(credential.data ?? {}),
          connectionTimeoutMillis: 10_000,
        });
        try {
          await client.connect();
          await client.query('SELECT 1');
          return { status: 'OK', message: 'Connection successful' };
        } catch (error) {
          return {
            status: 'Error',
            message: redactSecrets((error as Error).message, [credential.data?.password as string]),
          };
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      async crmBridgeSalesforceTest(
        this: ICredentialTestFunctions,
        credential: ICredentialsDecrypted,
      ): Promise<INodeCredentialTestResult> {
        return testCrmCredential('salesforce', credential);
      },
      async crmBridgeHubSpotTest(
        this: ICredentialTestFunctions,
        credential: ICredentialsDecrypted,
      ): Promise<INodeCredentialTestResult> {
        return testCrmCredential('hubspot', credential);
      },
      // Pipedrive's check is `GET /v1/users/me` (after an OAuth refresh when the credential is an OAuth app).
      async crmBridgePipedriveTest(
        this: ICredentialTestFunctions,
        credential: ICredentialsDecrypted,
      ): Promise<INodeCredentialTestResult> {
        return testCrmCredential('pipedrive', credential);
      },
    },
  };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return router.call(this);
  }
}
