// Apart from the streaming client, so that naming a job's channels or resuming a replay does not load jsforce.

/** Replay from the next event published (what a subscription without a stored replay ID asks for). */
export const REPLAY_NEW_EVENTS = -1;
/** Replay every event still in the retention window. */
export const REPLAY_ALL_RETAINED = -2;

/** An object's change event channel: `Account` -> `/data/AccountChangeEvent`, `Loan__c` -> `/data/Loan__ChangeEvent`. */
export function changeEventChannel(object: string): string {
  return `/data/${object.endsWith('__c') ? object.slice(0, -1) : object}ChangeEvent`;
}
