import {
  ResourceTemplate,
  type McpServer,
  type RegisteredResourceTemplate,
} from '@modelcontextprotocol/sdk/server/mcp.js';
import { syncJobNames, syncStatusByName } from '../../core/sync/status';
import type { ToolContext } from '../context';
import { readOr, protocolError, RESOURCE_NOT_FOUND, variable } from './json';

export const syncStatusUri = (job: string) => `crm-bridge://sync/${encodeURIComponent(job)}/status`;

/** `crm-bridge://sync/{job}/status`: where each stream of a sync job is, its last runs and what waits. */
export function registerSyncStatusResource(server: McpServer, context: ToolContext): RegisteredResourceTemplate {
  const jobs = async () => {
    const db = await context.db();
    return syncJobNames(db.pool);
  };
  return server.registerResource(
    'sync-status',
    new ResourceTemplate('crm-bridge://sync/{job}/status', {
      list: async () => ({
        resources: (await jobs()).map((job) => ({
          uri: syncStatusUri(job),
          name: `sync/${job}/status`,
          mimeType: 'application/json',
        })),
      }),
      complete: { job: async (typed) => (await jobs()).filter((j) => j.startsWith(typed)) },
    }),
    {
      title: 'Sync job status',
      description:
        'A sync job by name (as plan_sync / apply_sync ran it): per stream its cursor, linked records and records ' +
        'pending; the last 10 runs (a run whose process died shows as interrupted); the first 100 records waiting, with ' +
        'why; and the audit tally per stream and result.',
      mimeType: 'application/json',
    },
    async (uri, variables) =>
      readOr(uri, async () => {
        const job = variable(variables.job);
        const db = await context.db();
        const status = await syncStatusByName(db.pool, job, { exclusive: db.kind === 'embedded' });
        if (status.runs.length === 0 && status.streams.length === 0)
          throw protocolError(
            RESOURCE_NOT_FOUND,
            `no sync job "${job}" has run against this database (jobs that have: ${(await jobs()).join(', ') || 'none'})`,
          );
        return status;
      }),
  );
}
