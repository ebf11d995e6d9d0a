import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListResourcesRequestSchema, type Resource } from '@modelcontextprotocol/sdk/types.js';
import type { ToolContext } from '../context';
import { MAPPING_URI, registerMappingResource } from './mapping';
import { registerReconciliationResource } from './reconciliation';
import { registerStagingResource, stagingResources } from './staging';
import { registerSyncStatusResource } from './sync';

/**
 * The resources, and a resources/list that pages: the SDK's own lists every template's rows at once, which for
 * staging would be every legacy record. The first page carries the mapping, the reconciliation summaries and the
 * sync jobs; every page after it only staging rows, until nextCursor is absent.
 */
export function registerResources(server: McpServer, context: ToolContext): void {
  registerMappingResource(server, context);
  const templates = [registerReconciliationResource(server, context), registerSyncStatusResource(server, context)];
  registerStagingResource(server, context);
  server.server.setRequestHandler(ListResourcesRequestSchema, async (request, extra) => {
    const cursor = request.params?.cursor;
    const first: Resource[] = [];
    if (!cursor) {
      first.push({ uri: MAPPING_URI, name: 'mapping', mimeType: 'application/json' });
      for (const template of templates) first.push(...(await template.resourceTemplate.listCallback!(extra)).resources);
    }
    const staging = await stagingResources(context, cursor);
    return {
      resources: [...first, ...staging.resources],
      ...(staging.nextCursor ? { nextCursor: staging.nextCursor } : {}),
    };
  });
}
