export { SalesforceEmulator, type SalesforceEmulatorOptions } from './emulator';
export { Store, sfDateTime, type SfRecord } from './store';
export { Faults } from './faults';
export { defaultObjects, type ObjectDef, type FieldDef } from './schema';
