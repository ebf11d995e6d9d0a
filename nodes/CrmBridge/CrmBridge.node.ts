import {
  NodeConnectionTypes,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
} from 'n8n-workflow';
import { crmCredentialTests, postgresCredentialTest } from '../shared/credentialTests';
import { router } from './actions/router';
import { properties } from './actions/description';
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

/** The node: what n8n shows and checks (identity, credentials, methods); parameters and operations live in actions/. */
export class CrmBridge implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'CRM Bridge',
    name: 'crmBridge',
    icon: { light: 'file:crmBridge.svg', dark: 'file:crmBridge.dark.svg' },
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
      {
        name: 'crmBridgeDynamicsApi',
        required: true,
        testedBy: 'crmBridgeDynamicsTest',
        displayOptions: { show: { resource: ['crm', 'sync'], crm: ['dynamics'] } },
      },
    ],
    properties,
  };

  // One object per kind of method, so that a new method is one line here and a module under methods/.
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
    credentialTest: { ...postgresCredentialTest, ...crmCredentialTests },
  };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return router.call(this);
  }
}
