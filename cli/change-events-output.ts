import type { ChangeEventLogEntry, ChannelState } from '../core/sync/change-events';

/** One line per thing that happened on a change event channel, e.g. `change events loans /data/Loan__ChangeEvent: UPDATE Loan__c, 1 record (replay ID 42)`. */
export function describeChangeEventEntry(entry: ChangeEventLogEntry): string {
  const head = `change events ${entry.job} ${entry.channel}`;
  switch (entry.kind) {
    case 'subscribed':
      return `${head}: subscribed, ${entry.replayFrom === null ? 'new events' : `after replay ID ${entry.replayFrom}`}`;
    case 'standby':
      return `${head}: another process subscribes to it; standing by`;
    case 'event':
      return `${head}: ${entry.changeType} ${entry.entityName}, ${entry.records} record${entry.records === 1 ? '' : 's'} (replay ID ${entry.replayId})`;
    case 'catch-up':
      return `${head}: catch-up poll: ${entry.reason}`;
    case 'error':
      return `${head}: ${entry.message}`;
  }
}

/** The channels' totals for the line `serve` prints when it stops. */
export function describeChannels(channels: ChannelState[]): string {
  if (channels.length === 0) return 'none received';
  return channels
    .map(
      (c) =>
        `${c.job} ${c.channel} ${c.events} event${c.events === 1 ? '' : 's'} (${c.records} record${c.records === 1 ? '' : 's'}), ${c.catchUps} catch-up poll${c.catchUps === 1 ? '' : 's'}`,
    )
    .join(', ');
}
