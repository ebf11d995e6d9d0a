import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

/** Where CRM Bridge keeps its staging tables and finds the CRM mirror: a PostgreSQL server. */
export class CrmBridgePostgresApi implements ICredentialType {
  name = 'crmBridgePostgresApi';

  displayName = 'CRM Bridge PostgreSQL';

  icon: Icon = { light: 'file:icons/postgres.svg', dark: 'file:icons/postgres.dark.svg' };

  documentationUrl = 'https://www.postgresql.org/docs/current/libpq-connect.html';

  properties: INodeProperties[] = [
    { displayName: 'Host', name: 'host', type: 'string', default: 'localhost' },
    { displayName: 'Port', name: 'port', type: 'number', default: 5432 },
    { displayName: 'Database', name: 'database', type: 'string', default: 'postgres' },
    { displayName: 'User', name: 'user', type: 'string', default: 'postgres' },
    { displayName: 'Password', name: 'password', type: 'string', typeOptions: { password: true }, default: '' },
    {
      displayName: 'SSL',
      name: 'ssl',
      type: 'options',
      options: [
        { name: 'Disable', value: 'disable' },
        { name: 'Require', value: 'require' },
        { name: 'Verify Full', value: 'verify-full' },
      ],
      default: 'disable',
    },
  ];
}
