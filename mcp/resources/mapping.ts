import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolContext } from '../context';
import { jsonContents } from './json';

export const MAPPING_URI = 'crm-bridge://mapping';

/** `crm-bridge://mapping`: the mapping this server reconciles and applies with, and its fingerprint. */
export function registerMappingResource(server: McpServer, context: ToolContext): void {
  server.registerResource(
    'mapping',
    MAPPING_URI,
    {
      title: 'The mapping in force',
      description:
        'The mapping this server uses: per object the legacy file and ID column, the target table, ID and legacy-ID ' +
        'columns, identity properties and each property with its transforms; `sha256` is what the reconciliation log ' +
        'records, so a run can be told to have used this mapping.',
      mimeType: 'application/json',
    },
    (uri) =>
      jsonContents(uri, {
        origin: context.mapping.origin,
        sha256: context.mapping.sha256,
        config: context.mapping.config,
      }),
  );
}
