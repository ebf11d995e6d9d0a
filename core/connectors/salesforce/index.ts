export { SalesforceConnector, salesforceCursor, jwtAssertion, type SalesforceConnectorOptions, type SalesforceFieldSchema } from './salesforce-connector';
export { SalesforceError, RECORD_ERROR_MESSAGES } from './errors';
