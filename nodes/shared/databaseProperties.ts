import type { INodeProperties } from 'n8n-workflow';

export interface DatabaseChoice {
  /** What the server database is for in this node, shown under its option. */
  server: string;
  /** What the embedded one means here (who holds it open). */
  embedded: string;
  /** Extra displayOptions.show conditions (an action shows the choice only for the resources that use a database). */
  show?: Record<string, string[]>;
  noDataExpression?: boolean;
}

/** The Database option and its Data Folder, asked the same way by every CRM Bridge node that keeps state. */
export function databaseProperties(choice: DatabaseChoice): INodeProperties[] {
  return [
    {
      displayName: 'Database',
      name: 'database',
      type: 'options',
      ...(choice.noDataExpression ? { noDataExpression: true } : {}),
      ...(choice.show ? { displayOptions: { show: choice.show } } : {}),
      options: [
        { name: 'PostgreSQL Server (Credential)', value: 'server', description: choice.server },
        { name: 'Embedded (Data Folder)', value: 'embedded', description: choice.embedded },
      ],
      default: 'server',
    },
    {
      displayName: 'Data Folder',
      name: 'dataFolder',
      type: 'string',
      default: '',
      required: true,
      placeholder: '/home/node/.crm-bridge',
      displayOptions: { show: { ...choice.show, database: ['embedded'] } },
    },
  ];
}
