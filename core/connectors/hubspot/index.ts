export {
  HubSpotConnector,
  encodeHubSpotCursor,
  type HubSpotConnectorOptions,
  type HubSpotUpsertOptions,
} from './hubspot-connector';
export type { ParentAssociation } from './associations';
export { HubSpotOAuthSchema, type HubSpotOAuth } from './oauth';
export { HubSpotError } from './errors';
export { accountKey } from './rate-limit';
