export { jobChannels } from './channels';
export {
  canSubscribe,
  ChangeEventListener,
  type ChangeEventListenerOptions,
  type ChangeEventLogEntry,
  type ChangeEventSource,
  type ListenedJob,
} from './listener';
export { channelStates, noticeAction, recordCatchUp, recordChangeEvent, type ChannelState } from './store';
