import { databaseProperties } from '../shared/databaseProperties';
import {
  NodeConnectionTypes,
  NodeOperationError,
  type IDataObject,
  type INodeType,
  type INodeTypeDescription,
  type IWebhookFunctions,
  type IWebhookResponseData,
} from 'n8n-workflow';
import { redactSecrets } from '../../core/db/redact';
import { handleWebhook, settingsSecrets, type WebhookSystem } from '../../core/webhooks';
import { databaseOptions } from '../CrmBridge/transport/database';
import { postgresCredentialTest, webhookCredentialTest } from '../shared/credentialTests';
import { sharedDatabase } from './database';
import { settingsFromCredential } from './settings';

/**
 * Receives HubSpot, Pipedrive or Salesforce webhooks, verifies them with the same core handler as `crm-bridge serve`
 * (over the raw bytes), stores each event once as a change notice, and emits one item per new notice. Forged, stale
 * and malformed calls are answered 4xx and emit nothing; replays are acknowledged and emit nothing.
 *
 * A generic webhook, without `webhookMethods`: the node cannot register itself with the vendor, because none of the
 * three lets an account's API credential do it. HubSpot's webhook subscriptions belong to the public app (set in the
 * developer account, for every portal that installs the app), a Salesforce outbound message is workflow metadata set
 * up in Setup, and a Pipedrive webhook would need a second, Pipedrive API credential on a trigger that only checks
 * calls. The user enters the production URL at the vendor once (README: "The webhook trigger"); n8n's lint rule that
 * asks for `webhookMethods` is turned off for this file in eslint.n8n.config.mjs.
 */
export class CrmBridgeWebhookTrigger implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'CRM Bridge Webhook Trigger',
    name: 'crmBridgeWebhookTrigger',
    icon: { light: 'file:crmBridgeWebhook.svg', dark: 'file:crmBridgeWebhook.dark.svg' },
    group: ['trigger'],
    version: 1,
    subtitle: '={{$parameter["vendor"]}}',
    description:
      'Starts a workflow when HubSpot, Pipedrive or Salesforce reports a change (signature, auth and replays checked)',
    defaults: { name: 'CRM Bridge Webhook Trigger' },
    inputs: [],
    outputs: [NodeConnectionTypes.Main],
    credentials: [
      { name: 'crmBridgeWebhookApi', required: true, testedBy: 'crmBridgeWebhookTest' },
      {
        name: 'crmBridgePostgresApi',
        required: true,
        testedBy: 'crmBridgePostgresTest',
        displayOptions: { show: { database: ['server'] } },
      },
    ],
    webhooks: [
      {
        name: 'default',
        httpMethod: 'POST',
        // The trigger answers itself: each vendor expects its own answer (JSON, a basic-auth challenge, a SOAP Ack).
        responseMode: 'onReceived',
        path: '={{$parameter["vendor"]}}',
      },
    ],
    properties: [
      {
        displayName: 'Vendor',
        name: 'vendor',
        type: 'options',
        noDataExpression: true,
        options: [
          { name: 'HubSpot (Signature V3)', value: 'hubspot' },
          { name: 'Pipedrive (Basic Auth)', value: 'pipedrive' },
          { name: 'Salesforce (Outbound Message)', value: 'salesforce' },
        ],
        default: 'hubspot',
      },
      ...databaseProperties({
        server: 'Where the sync engine reads change notices; required with several n8n workers',
        embedded: 'In-process PostgreSQL in a folder, held open by this n8n process',
        noDataExpression: true,
      }),
      {
        displayName: 'Public Webhook URL',
        name: 'publicUrl',
        type: 'string',
        default: '',
        placeholder: 'https://n8n.example.com/webhook/…/hubspot',
        description:
          'The exact URL HubSpot calls, if it differs from the production URL n8n shows (HubSpot signs the URL). Empty: the production URL.',
        displayOptions: { show: { vendor: ['hubspot'] } },
      },
      {
        displayName: 'Timestamp Window (Seconds)',
        name: 'maxAgeSeconds',
        type: 'number',
        default: 300,
        description:
          'Older (or later) X-HubSpot-Request-Timestamp values are refused as stale; HubSpot recommends 5 minutes',
        displayOptions: { show: { vendor: ['hubspot'] } },
      },
    ],
  };

  methods = { credentialTest: { ...webhookCredentialTest, ...postgresCredentialTest } };

  async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
    const vendor = this.getNodeParameter('vendor') as WebhookSystem;
    const credential = await this.getCredentials('crmBridgeWebhookApi');
    const settings = settingsFromCredential(vendor, credential, {
      maxAgeSeconds: this.getNodeParameter('maxAgeSeconds', 300) as number,
    });
    const kind = this.getNodeParameter('database') as 'server' | 'embedded';
    const postgres = kind === 'server' ? await this.getCredentials('crmBridgePostgresApi') : undefined;
    const db = await sharedDatabase(databaseOptions(kind, this.getNodeParameter('dataFolder', '') as string, postgres));

    const req = this.getRequestObject();
    const res = this.getResponseObject();
    // Signatures are over the exact bytes received, never over a re-serialised body.
    if (!req.rawBody) await req.readRawBody();
    const rawBody = req.rawBody ?? Buffer.alloc(0);
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    const publicUrl = vendor === 'hubspot' ? (this.getNodeParameter('publicUrl', '') as string) : '';
    const url = publicUrl || `${this.getNodeWebhookUrl('default') ?? ''}${query}`;

    let response;
    try {
      response = await handleWebhook({ method: req.method, url, headers: req.headers, rawBody }, settings, db.pool, {
        system: vendor,
      });
    } catch (error) {
      throw new NodeOperationError(this.getNode(), redactSecrets((error as Error).message, settingsSecrets(settings)));
    }
    res.status(response.status);
    for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
    res.end(response.body);
    if (response.accepted.length === 0) return { noWebhookResponse: true };
    return {
      noWebhookResponse: true,
      workflowData: [response.accepted.map((notice) => ({ json: { ...notice } as unknown as IDataObject }))],
    };
  }
}
