export * from './types';
export * from './settings';
export * from './store';
export * from './handler';
export * from './server';
export { WEBHOOK_MIGRATIONS } from './migrations';
export { verifyHubSpot, hubspotV3Signature, hubspotV3Uri, hubspotLegacySignature } from './verifiers/hubspot';
export { verifyPipedrive, pipedriveObject } from './verifiers/pipedrive';
export { verifySalesforce, SALESFORCE_ACK } from './verifiers/salesforce';
