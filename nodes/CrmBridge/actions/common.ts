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
