export { DynamicsConnector } from './dynamics-connector';
export type { DynamicsConnectorOptions, DynamicsClientCredentials } from './options';
export type { DynamicsChange } from './read';
export { DynamicsError } from './errors';
