import {
  NodeConnectionTypes,
  NodeOperationError,
  type IDataObject,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
  type IPollFunctions,
} from 'n8n-workflow';
import { z } from 'zod';
import { CrmObjectSchema, MAX_QUERY_LIMIT } from '../../core/connectors/requests';
import { redactSecrets } from '../../core/db/redact';
import { describeError } from '../../core/errors';
import {
  connectorFromCredential,
  credentialSecrets,
  CRM_CREDENTIALS,
  CRM_OPTIONS,
} from '../CrmBridge/actions/crm/connection';
import { crmCredentialTests } from '../shared/credentialTests';
import { readChanges, startFromNow } from './changes';
import { loadState, saveState } from './cursor';

const ParametersSchema = z.object({
  crm: z.enum(['salesforce', 'hubspot', 'pipedrive', 'dynamics']),
  object: CrmObjectSchema,
  properties: z.array(z.string().min(1)).max(200),
  start: z.enum(['now', 'beginning']),
  maxItems: z.number().int().min(1).max(MAX_QUERY_LIMIT),
});

/**
 * Polls one CRM object and emits one item per record changed since its stored cursor, oldest change first. A poll
 * emits at most "Max Items"; the cursor then stands at the last emitted record, so the next poll goes on from there.
 * The cursor lives in the workflow's static data, which n8n saves when a poll emits.
 */
export class CrmBridgeTrigger implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'CRM Bridge Trigger',
    name: 'crmBridgeTrigger',
    icon: { light: 'file:../CrmBridge/crmBridge.svg', dark: 'file:../CrmBridge/crmBridge.dark.svg' },
    group: ['trigger'],
    version: 1,
    subtitle: '={{$parameter["crm"] + ": " + $parameter["object"]}}',
    description:
      'Starts a workflow with the records of a Salesforce, HubSpot, Pipedrive or Dynamics 365 object that changed since the last poll',
    defaults: { name: 'CRM Bridge Trigger' },
    polling: true,
    inputs: [],
    outputs: [NodeConnectionTypes.Main],
    credentials: [
      {
        name: 'crmBridgeSalesforceApi',
        required: true,
        testedBy: 'crmBridgeSalesforceTest',
        displayOptions: { show: { crm: ['salesforce'] } },
      },
      {
        name: 'crmBridgeHubSpotApi',
        required: true,
        testedBy: 'crmBridgeHubSpotTest',
        displayOptions: { show: { crm: ['hubspot'] } },
      },
      {
        name: 'crmBridgePipedriveApi',
        required: true,
        testedBy: 'crmBridgePipedriveTest',
        displayOptions: { show: { crm: ['pipedrive'] } },
      },
      {
        name: 'crmBridgeDynamicsApi',
        required: true,
        testedBy: 'crmBridgeDynamicsTest',
        displayOptions: { show: { crm: ['dynamics'] } },
      },
    ],
    properties: [
      {
        displayName: 'CRM',
        name: 'crm',
        type: 'options',
        options: CRM_OPTIONS,
        default: 'salesforce',
      },
      {
        displayName: 'Object',
        name: 'object',
        type: 'string',
        default: '',
        required: true,
        placeholder: 'Loan__c',
        description:
          'Salesforce sObject (Account, Contact, Loan__c), HubSpot object (companies, contacts, deals), Pipedrive object (persons, organizations, deals) or Dynamics 365 table (account, contact)',
      },
      {
        displayName: 'Properties',
        name: 'properties',
        type: 'string',
        default: '',
        placeholder: 'Name,Amount__c',
        description: 'Comma-separated properties to read; empty reads all',
      },
      {
        displayName: 'Start',
        name: 'start',
        type: 'options',
        options: [
          {
            name: 'From Now',
            value: 'now',
            description: 'The first poll only notes the time; later polls emit what changed after it',
          },
          {
            name: 'From the Beginning',
            value: 'beginning',
            description: 'Emit every existing record first (Max Items per poll), then changes',
          },
        ],
        default: 'now',
      },
      {
        displayName: 'Max Items',
        name: 'maxItems',
        type: 'number',
        typeOptions: { minValue: 1, maxValue: MAX_QUERY_LIMIT },
        default: 100,
        description: 'Records emitted per poll at most; the next poll continues after the last one',
      },
    ],
  };

  methods = { credentialTest: { ...crmCredentialTests } };

  async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
    let secrets: string[] = [];
    try {
      const parsed = ParametersSchema.safeParse({
        crm: this.getNodeParameter('crm'),
        object: String(this.getNodeParameter('object')).trim(),
        properties: String(this.getNodeParameter('properties', ''))
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
        start: this.getNodeParameter('start', 'now'),
        maxItems: Number(this.getNodeParameter('maxItems', 100)),
      });
      if (!parsed.success) throw new NodeOperationError(this.getNode(), describeError(parsed.error));
      const { crm, object, properties, start, maxItems } = parsed.data;
      const staticData = this.getWorkflowStaticData('node');
      const source = `${crm}:${object}`;
      const state = loadState(staticData, source);
      const data = await this.getCredentials(CRM_CREDENTIALS[crm]);
      secrets = credentialSecrets(data);
      const connector = await connectorFromCredential(crm, data);
      // A manual test run shows records even on a fresh node (n8n does not keep a manual run's static data).
      if (state === undefined && start === 'now' && this.getMode() !== 'manual') {
        saveState(staticData, source, await startFromNow(connector, object, properties));
        return null;
      }
      const { records, rejected, next } = await readChanges(connector, object, properties, state, maxItems);
      // A record the connector could not read carries no usable stamp, so it cannot be an item; it is logged instead.
      for (const r of rejected)
        this.logger.warn(
          redactSecrets(
            `CRM Bridge Trigger: ${crm} ${object} record ${r.recordId ?? '?'} could not be read: ${r.field ? `${r.field}: ` : ''}${r.reason}`,
            secrets,
          ),
        );
      if (records.length === 0 || !next) return null;
      const items: INodeExecutionData[] = records.map(({ id, modifiedAt, properties: values }) => ({
        json: { crm, object, id, modifiedAt, properties: values } as IDataObject,
      }));
      // Only now, with every item built: a failure above leaves the state as it was, so nothing is skipped.
      saveState(staticData, source, next);
      return [items];
    } catch (error) {
      throw new NodeOperationError(this.getNode(), redactSecrets(describeError(error), secrets));
    }
  }
}
