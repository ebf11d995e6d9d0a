import {
  NodeOperationError,
  type IDataObject,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeProperties,
} from 'n8n-workflow';
import { redactSecrets } from '../../../../core/db/redact';
import { describeError } from '../../../../core/errors';
import { describeSchema, DescribeSchemaInputSchema } from '../../../../core/connectors/requests';
import type { OperationContext } from '../context';
import { openCrm } from './connection';

export const description: INodeProperties[] = [];

/** One item per field of the object, with the object and its ID field on each. */
export async function executeAll(this: IExecuteFunctions, _context: OperationContext): Promise<INodeExecutionData[]> {
  let secrets: string[] = [];
  try {
    const opened = await openCrm(this);
    secrets = opened.secrets;
    const input = DescribeSchemaInputSchema.parse({
      crm: this.getNodeParameter('crm', 0),
      object: this.getNodeParameter('crmObject', 0),
    });
    const schema = await describeSchema(opened.connector, input);
    return schema.fields.map((field) => ({
      json: { crm: schema.crm, object: schema.object, idField: schema.idField, ...field } as IDataObject,
      pairedItem: { item: 0 },
    }));
  } catch (error) {
    const message = redactSecrets(describeError(error), secrets);
    if (this.continueOnFail()) return [{ json: { error: message }, pairedItem: { item: 0 } }];
    throw new NodeOperationError(this.getNode(), message);
  }
}
