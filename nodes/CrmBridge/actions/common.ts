import type { INodeProperties } from 'n8n-workflow';

export const objectOptions = [
  { name: 'Companies', value: 'companies' },
  { name: 'Contacts', value: 'contacts' },
  { name: 'Deals', value: 'deals' },
  { name: 'Engagements', value: 'engagements' },
];

export const objectProperty = (operation: string): INodeProperties => ({
  displayName: 'Object',
  name: 'object',
  type: 'options',
  options: objectOptions,
  default: 'companies',
  description: 'Object of the mapping to work on',
  displayOptions: { show: { resource: ['staging'], operation: [operation] } },
});

export const mappingFileProperty = (operation: string, resource = 'staging'): INodeProperties => ({
  displayName: 'Mapping File',
  name: 'mappingFile',
  type: 'string',
  default: '',
  description: 'Property mapping config (JSON). Leave empty for the built-in legacy -> HubSpot mapping.',
  displayOptions: { show: { resource: [resource], operation: [operation] } },
});
