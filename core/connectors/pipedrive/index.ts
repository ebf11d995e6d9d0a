export {
  PipedriveConnector,
  encodePipedriveCursor,
  type PipedriveConnectorOptions,
  type PipedriveObject,
  type PipelineInfo,
} from './pipedrive-connector';
export { PipedriveError } from './errors';
export { accountKey } from './rate-limit';
