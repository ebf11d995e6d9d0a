export { HubSpotConnector, encodeHubSpotCursor, type HubSpotConnectorOptions } from './hubspot-connector';
export { HubSpotError } from './errors';
export { accountKey } from './rate-limit';
