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
import { CrmObjectSchema, cursorOf, MAX_QUERY_LIMIT, queryRecords } from '../../core/connectors/requests';
import { redactSecrets } from '../../core/db/redact';
import { describeError } from '../../core/errors';
import { connectorFromCredential, credentialSecrets, CRM_CREDENTIALS } from '../CrmBridge/actions/crm/connection';
import { readCursor, saveCursor } from './cursor';

const ParametersSchema = z.object({
  crm: z.enum(['salesforce', 'hubspot', 'pipedrive']),
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
    icon: 'file:../CrmBridge/crmBridge.svg',
    group: ['trigger'],
    version: 1,
    subtitle: '={{$parameter["crm"] + ": " + $parameter["object"]}}',
    description: 'Starts a workflow with the records of a Salesforce, HubSpot or Pipedrive object that changed since the last poll',
    defaults: { name: 'CRM Bridge Trigger' },
    polling: true,
    inputs: [],
    outputs: [NodeConnectionTypes.Main],
    credentials: [
      { name: 'crmBridgeSalesforceApi', required: true, displayOptions: { show: { crm: ['salesforce'] } } },
      { name: 'crmBridgeHubSpotApi', required: true, displayOptions: { show: { crm: ['hubspot'] } } },
      { name: 'crmBridgePipedriveApi', required: true, displayOptions: { show: { crm: ['pipedrive'] } } },
    ],
    properties: [
      {
        displayName: 'CRM',
        name: 'crm',
        type: 'options',
        options: [
          { name: 'Salesforce', value: 'salesforce' },
          { name: 'HubSpot', value: 'hubspot' },
          { name: 'Pipedrive', value: 'pipedrive' },
        ],
        default: 'salesforce',
      },
      {
        displayName: 'Object',
        name: 'object',
        type: 'string',
        default: '',
        required: true,
        placeholder: 'Loan__c',
        description: 'Salesforce sObject (Account, Contact, Loan__c), HubSpot object (companies, contacts, deals) or Pipedrive object (persons, organizations, deals)',
      },
      { displayName: 'Properties', name: 'properties', type: 'string', default: '', placeholder: 'Name,Amount__c', description: 'Comma-separated properties to read; empty reads all' },
      {
        displayName: 'Start',
        name: 'start',
        type: 'options',
        options: [
          { name: 'From Now', value: 'now', description: 'The first poll only notes the time; later polls emit what changed after it' },
          { name: 'From the Beginning', value: 'beginning', description: 'Emit every existing record first (Max Items per poll), then changes' },
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

  async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
    let secrets: string[] = [];
    try {
      const parsed = ParametersSchema.safeParse({
        crm: this.getNodeParameter('crm'),
        object: String(this.getNodeParameter('object')).trim(),
        properties: String(this.getNodeParameter('properties', '')).split(',').map((p) => p.trim()).filter(Boolean),
        start: this.getNodeParameter('start', 'now'),
        maxItems: Number(this.getNodeParameter('maxItems', 100)),
      });
      if (!parsed.success) throw new Error(describeError(parsed.error));
      const { crm, object, properties, start, maxItems } = parsed.data;
      const state = this.getWorkflowStaticData('node');
      const source = `${crm}:${object}`;
      let cursor = readCursor(state, source);
      // A manual test run shows records even on a fresh node (n8n does not keep a manual run's static data).
      if (cursor === undefined && start === 'now' && this.getMode() !== 'manual') {
        // One whole second back: Salesforce stamps changes to the second, so a change later in this very second
        // would otherwise compare equal to the truncated time and be missed. A change just before shows up once.
        saveCursor(state, source, new Date(Math.floor(Date.now() / 1000) * 1000 - 1000).toISOString());
        return null;
      }
      const data = await this.getCredentials(CRM_CREDENTIALS[crm]);
      secrets = credentialSecrets(data);
      const connector = await connectorFromCredential(crm, data);
      const page = await queryRecords(connector, { crm, object, properties, limit: maxItems, ...(cursor ? { cursor } : {}) });
      if (page.records.length === 0) return null;
      const items: INodeExecutionData[] = page.records.map((record) => ({ json: { crm, object, ...record } as IDataObject }));
      const last = page.records[page.records.length - 1]!;
      cursor = cursorOf(last) ?? undefined;
      if (!cursor) throw new Error(`${crm} ${object} record ${last.id} has no modified time, so the trigger cannot tell what changed after it`);
      // Only now, with every item built: a failure above leaves the cursor where it was, so nothing is skipped.
      saveCursor(state, source, cursor);
      return [items];
    } catch (error) {
      throw new NodeOperationError(this.getNode(), redactSecrets(describeError(error), secrets));
    }
  }
}
