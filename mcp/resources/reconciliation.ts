import {
  ResourceTemplate,
  type McpServer,
  type RegisteredResourceTemplate,
} from '@modelcontextprotocol/sdk/server/mcp.js';
import { UsageError } from '../../core/errors';
import { ObjectNameInputSchema } from '../../core/mapping/mapping-config';
import { reconciliationStatus } from '../../core/reconcile/status';
import type { ToolContext } from '../context';
import { completeFrom, readOr, protocolError, RESOURCE_NOT_FOUND, variable } from './json';

export const latestRunUri = (object: string) => `crm-bridge://reconciliation/${encodeURIComponent(object)}/latest`;

/** `crm-bridge://reconciliation/{object}/latest`: the newest run of an object, as reconciliation_status lists it. */
export function registerReconciliationResource(server: McpServer, context: ToolContext): RegisteredResourceTemplate {
  const objects = () => Object.keys(context.mapping.config.objects);
  return server.registerResource(
    'latest-reconciliation',
    new ResourceTemplate('crm-bridge://reconciliation/{object}/latest', {
      list: () => ({
        resources: objects().map((o) => ({
          uri: latestRunUri(o),
          name: `reconciliation/${o}/latest`,
          mimeType: 'application/json',
        })),
      }),
      complete: { object: (typed) => completeFrom(objects(), typed) },
    }),
    {
      title: 'Latest reconciliation of an object',
      description:
        'The newest reconciliation run of one object: status (running, succeeded, failed, abandoned, refused), counts ' +
        'per outcome, quarantined rows, field issues, updates pending, and the error of a run that did not succeed.',
      mimeType: 'application/json',
    },
    async (uri, variables) =>
      readOr(uri, async () => {
        const object = ObjectNameInputSchema.parse(variable(variables.object));
        if (!context.mapping.config.objects[object])
          throw new UsageError(`Object "${object}" is not in the mapping (it has: ${objects().join(', ')})`);
        const [run] = (await reconciliationStatus(await context.db(), { object, limit: 1 })).runs;
        if (!run)
          throw protocolError(
            RESOURCE_NOT_FOUND,
            `${object} has not been reconciled yet: call the reconcile tool first`,
          );
        return run;
      }),
  );
}
