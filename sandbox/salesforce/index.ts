export { SalesforceEmulator, type SalesforceEmulatorOptions } from './emulator';
export { EMULATOR_CLIENT, clientCredentialsToken } from './client-token';
export { Store, sfDateTime, type SfRecord } from './store';
export { Faults } from './faults';
export { BulkIngest, BULK_INTERNAL_BATCH } from './bulk';
export { JWT_BEARER_GRANT, type JwtBearerSettings } from './oauth';
export { makeId, to18 } from './ids';
export { defaultObjects, type ObjectDef, type FieldDef } from './schema';
