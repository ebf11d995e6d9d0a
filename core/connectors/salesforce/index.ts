export {
  SalesforceConnector,
  salesforceCursor,
  type SalesforceConnectorOptions,
  type SalesforceFieldSchema,
} from './salesforce-connector';
export { jwtAssertion } from './login';
export { SalesforceError, RECORD_ERROR_MESSAGES } from './errors';
