import { changeEventChannel } from '../../connectors/salesforce/channel';
import type { SyncJob } from '../job';

/**
 * The change event channels a job subscribes to: each stream's `source.changeEvents` (true: its object's channel),
 * or with `everyStream` (serve --change-events) every stream that does not say `false`. None unless the source is
 * Salesforce.
 */
export function jobChannels(job: SyncJob, everyStream = false): string[] {
  if (job.source !== 'salesforce') return [];
  const channels = new Set<string>();
  for (const s of job.streams) {
    const wanted = s.source.changeEvents ?? everyStream;
    if (wanted === true) channels.add(changeEventChannel(s.source.object));
    else if (typeof wanted === 'string') channels.add(wanted);
  }
  return [...channels];
}
