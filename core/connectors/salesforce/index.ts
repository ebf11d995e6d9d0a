export {
  SalesforceConnector,
  salesforceCursor,
  type SalesforceConnectorOptions,
  type SalesforceFieldSchema,
} from './salesforce-connector';
export { jwtAssertion } from './login';
export { SalesforceError, RECORD_ERROR_MESSAGES } from './errors';
export {
  changeEventChannel,
  parseChangeEvent,
  REPLAY_ALL_RETAINED,
  REPLAY_NEW_EVENTS,
  type ChangeEvent,
  type ChangeEventHandlers,
  type ChangeEventProblem,
  type ChangeEventSubscription,
  type ChangeType,
} from './change-events';
