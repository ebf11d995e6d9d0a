import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { lookupByLegacyId, notFoundMessage } from '../../core/reconcile/lookup';
import { stagedPage } from '../../core/staging/list';
import type { ToolContext } from '../context';
import { completeFrom, readOr, protocolError, RESOURCE_NOT_FOUND, variable } from './json';

export const stagingUri = (object: string, legacyId: string) =>
  `crm-bridge://staging/${encodeURIComponent(object)}/${encodeURIComponent(legacyId)}`;

/** Rows per resources/list page. */
export const LIST_PAGE = 100;

/** One page of staging rows as resource descriptions (resources/list pages through them with its cursor). */
export async function stagingResources(context: ToolContext, cursor: string | undefined) {
  const page = await stagedPage(await context.db(), context.mapping, { cursor, limit: LIST_PAGE });
  return {
    resources: page.rows.map((r) => ({
      uri: stagingUri(r.object, r.legacyId),
      name: `${r.object}/${r.legacyId}`,
      title: `${r.object} ${r.legacyId} (${r.status})`,
      mimeType: 'application/json',
    })),
    nextCursor: page.nextCursor,
  };
}

/** `crm-bridge://staging/{object}/{legacyId}`: what lookup_by_legacy_id (and `lookup --json`) says of one record. */
export function registerStagingResource(server: McpServer, context: ToolContext): void {
  server.registerResource(
    'staging-row',
    new ResourceTemplate('crm-bridge://staging/{object}/{legacyId}', {
      list: async () => {
        const { resources } = await stagingResources(context, undefined);
        return { resources };
      },
      complete: { object: (typed) => completeFrom(Object.keys(context.mapping.config.objects), typed) },
    }),
    {
      title: 'A staged record by legacy ID',
      description:
        'The staging row of one legacy record from the last reconciliation (status, target record(s), properties to ' +
        'update, quarantine), the same JSON as lookup_by_legacy_id. Object names are case-insensitive; IDs as text.',
      mimeType: 'application/json',
    },
    async (uri, variables) =>
      readOr(uri, async () => {
        const result = await lookupByLegacyId(await context.db(), context.mapping, {
          object: variable(variables.object),
          legacyId: variable(variables.legacyId),
        });
        if (!result.found)
          throw protocolError(RESOURCE_NOT_FOUND, `${notFoundMessage(result)}. ${result.notes.join(' ')}`.trim());
        return result;
      }),
  );
}
