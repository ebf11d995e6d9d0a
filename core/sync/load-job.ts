import type { Connector } from '../connectors/connector';
import { openConnector, type Connections } from '../connectors/registry';
import { UsageError } from '../errors';
import { readJsonFile } from '../input-file';
import { parseSyncJob, type SyncJob } from './job';

/** Reads and validates a job file; every problem is named by its path in the file. */
export function loadSyncJob(file: string): SyncJob {
  return parseSyncJob(readJsonFile(file, 'Sync job'), `sync job ${file}`);
}

/** The job's source and target connectors, from connections the caller holds (file, environment or n8n credentials). */
export async function openJobConnectors(
  job: SyncJob,
  connections: Connections,
): Promise<{ source: Connector; target: Connector }> {
  if (job.source === 'postgres' || job.target === 'postgres') {
    throw new UsageError(
      `Job ${job.name} names postgres, the CRM mirror in crm-bridge's database: that sync is run by crm-bridge mirror, not from a job file`,
    );
  }
  const [source, target] = await Promise.all([
    openConnector(job.source, connections),
    openConnector(job.target, connections),
  ]);
  return { source, target };
}
