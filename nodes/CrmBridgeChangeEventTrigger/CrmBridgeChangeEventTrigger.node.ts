import { databaseProperties } from '../shared/databaseProperties';
import {
  NodeConnectionTypes,
  NodeOperationError,
  type IDataObject,
  type INodeType,
  type INodeTypeDescription,
  type ITriggerFunctions,
  type ITriggerResponse,
} from 'n8n-workflow';
import { z } from 'zod';
import { changeEventChannel } from '../../core/connectors/salesforce/channel';
import { CrmObjectSchema } from '../../core/connectors/requests';
import { ChangeEventListener } from '../../core/sync/change-events';
import { connectorFromCredential } from '../CrmBridge/actions/crm/connection';
import { databaseOptions } from '../CrmBridge/transport/database';
import { sharedDatabase } from '../CrmBridgeWebhookTrigger/database';
import { crmCredentialTests, postgresCredentialTest } from '../shared/credentialTests';

const ParametersSchema = z.object({
  object: CrmObjectSchema,
  channel: z.union([z.literal(''), z.string().regex(/^\/data\/\w+$/, 'a channel such as /data/ChangeEvents')]),
  database: z.enum(['server', 'embedded']),
  dataFolder: z.string(),
});

/**
 * Starts a workflow on each Salesforce change event (Change Data Capture) of one object: one item per record the event
 * names. The replay ID of the last event handed on is kept in the chosen database, per workflow and node (the
 * editor's test runs keep their own), so a restarted n8n resumes after it; when Salesforce no longer has that event
 * (its retention window), or sends a gap or overflow event, the trigger emits one `catchUp` item instead, for the
 * workflow to read what changed (e.g. a CRM Bridge sync run). An event is emitted before its replay ID is kept: n8n
 * stopping in between emits it again after the restart, never loses it.
 */
export class CrmBridgeChangeEventTrigger implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'CRM Bridge Change Event Trigger',
    name: 'crmBridgeChangeEventTrigger',
    icon: { light: 'file:../CrmBridge/crmBridge.svg', dark: 'file:../CrmBridge/crmBridge.dark.svg' },
    group: ['trigger'],
    version: 1,
    subtitle: '={{"salesforce: " + $parameter["object"]}}',
    description: 'Starts a workflow when Salesforce publishes a change event (Change Data Capture) for an object',
    defaults: { name: 'CRM Bridge Change Event Trigger' },
    inputs: [],
    outputs: [NodeConnectionTypes.Main],
    credentials: [
      { name: 'crmBridgeSalesforceApi', required: true, testedBy: 'crmBridgeSalesforceTest' },
      {
        name: 'crmBridgePostgresApi',
        required: true,
        testedBy: 'crmBridgePostgresTest',
        displayOptions: { show: { database: ['server'] } },
      },
    ],
    properties: [
      {
        displayName: 'Object',
        name: 'object',
        type: 'string',
        default: '',
        required: true,
        placeholder: 'Loan__c',
        description: 'The Salesforce object whose changes start the workflow (Change Data Capture must be on for it)',
      },
      {
        displayName: 'Channel',
        name: 'channel',
        type: 'string',
        default: '',
        placeholder: '/data/ChangeEvents',
        description: "Empty: the object's own channel (Loan__c: /data/Loan__ChangeEvent)",
      },
      ...databaseProperties({
        server: 'Where the replay ID is kept; one n8n process subscribes at a time',
        embedded: 'In-process PostgreSQL in a folder, held open by this n8n process',
        noDataExpression: true,
      }),
    ],
  };

  methods = { credentialTest: { ...crmCredentialTests, ...postgresCredentialTest } };

  async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
    const parsed = ParametersSchema.safeParse({
      object: String(this.getNodeParameter('object')).trim(),
      channel: String(this.getNodeParameter('channel', '')).trim(),
      database: this.getNodeParameter('database'),
      dataFolder: String(this.getNodeParameter('dataFolder', '')),
    });
    if (!parsed.success)
      throw new NodeOperationError(
        this.getNode(),
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    const { object, database, dataFolder } = parsed.data;
    const channel = parsed.data.channel || changeEventChannel(object);
    const source = await connectorFromCredential('salesforce', await this.getCredentials('crmBridgeSalesforceApi'));
    const postgres = database === 'server' ? await this.getCredentials('crmBridgePostgresApi') : undefined;
    const db = await sharedDatabase(databaseOptions(database, dataFolder, postgres));
    // The replay position belongs to this node of this workflow; the editor's test runs must not move it.
    const name = `n8n:${this.getWorkflow().id ?? 'unsaved'}:${this.getNode().id}${this.getMode() === 'manual' ? ':test' : ''}`;
    const listener = new ChangeEventListener(
      db,
      [{ name, source, channels: [channel], objects: [object], notices: false }],
      {
        wake: () => undefined,
        deliver: (_, event) =>
          this.emit([
            event.recordIds.map((recordId) => ({
              json: {
                object: event.entityName,
                recordId,
                changeType: event.changeType,
                changedFields: event.changedFields,
                commitTimestamp: event.commitTimestamp,
                commitUser: event.commitUser,
                transactionKey: event.transactionKey,
                sequenceNumber: event.sequenceNumber,
                replayId: event.replayId,
                channel: event.channel,
              } satisfies IDataObject,
            })),
          ]),
        catchUp: () => undefined,
        log: (entry) => {
          if (entry.kind === 'catch-up')
            this.emit([[{ json: { catchUp: true, object, channel: entry.channel, reason: entry.reason } }]]);
          else if (entry.kind === 'error')
            this.logger.warn(`CRM Bridge change events ${entry.channel}: ${entry.message}`);
        },
      },
    );
    await listener.start();
    return { closeFunction: () => listener.stop() };
  }
}
