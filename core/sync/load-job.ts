import type { Connector } from '../connectors/connector';
import { openConnector, type Connections } from '../connectors/registry';
import { readJsonFile } from '../input-file';
import { parseSyncJob, type SyncJob } from './job';

/** Reads and validates a job file; every problem is named by its path in the file. */
export function loadSyncJob(file: string): SyncJob {
  return parseSyncJob(readJsonFile(file, 'Sync job'), `sync job ${file}`);
}

/** The job's source and target connectors, from connections the caller holds (file, environment or n8n credentials). */
export async function openJobConnectors(job: SyncJob, connections: Connections): Promise<{ source: Connector; target: Connector }> {
  const [source, target] = await Promise.all([openConnector(job.source, connections), openConnector(job.target, connections)]);
  return { source, target };
}
