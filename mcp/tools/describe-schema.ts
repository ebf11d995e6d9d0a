import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { loadConnections, openConnector } from '../../core/connectors/registry';
import { describeSchema, DescribeSchemaInputSchema, DescribeSchemaResultSchema } from '../../core/connectors/requests';
import { failure, success } from '../tool-result';

/** How the MCP server finds the CRMs: environment variables only (never tool arguments). */
export const CONNECTION_ENV_HELP =
  "Connections come from the server's environment: Salesforce from SALESFORCE_INSTANCE_URL plus SALESFORCE_ACCESS_TOKEN, " +
  'or SALESFORCE_CLIENT_ID with SALESFORCE_CLIENT_SECRET and/or SALESFORCE_REFRESH_TOKEN (SALESFORCE_LOGIN_URL optional); ' +
  'HubSpot from HUBSPOT_ACCESS_TOKEN (or HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET and HUBSPOT_REFRESH_TOKEN; HUBSPOT_BASE_URL to point at a sandbox); ' +
  'Pipedrive from PIPEDRIVE_API_TOKEN (PIPEDRIVE_BASE_URL to point at a sandbox); ' +
  'Dynamics 365 from DYNAMICS_URL plus DYNAMICS_TENANT_ID, DYNAMICS_CLIENT_ID and DYNAMICS_CLIENT_SECRET, or DYNAMICS_ACCESS_TOKEN (DYNAMICS_AUTHORITY_URL for a sandbox).';

export function registerDescribeSchemaTool(server: McpServer): void {
  server.registerTool(
    'describe_schema',
    {
      title: 'Describe a CRM object',
      description:
        'Lists the fields of one object in a live CRM (salesforce, hubspot, pipedrive or dynamics): name, label, type, required, unique, ' +
        `read-only, picklist options and format hints. ${CONNECTION_ENV_HELP}`,
      inputSchema: DescribeSchemaInputSchema,
      outputSchema: DescribeSchemaResultSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    },
    async (input) => {
      try {
        const connector = await openConnector(input.crm, loadConnections(undefined, process.env));
        const result = await describeSchema(connector, input);
        return success(
          result,
          `${result.crm} ${result.object}: ${result.fieldCount} fields (${result.fields.map((f) => f.name).join(', ')})`,
        );
      } catch (error) {
        return failure(error);
      }
    },
  );
}
