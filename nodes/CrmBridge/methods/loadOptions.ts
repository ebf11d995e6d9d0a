import { NodeOperationError, type ILoadOptionsFunctions, type INodePropertyOptions } from 'n8n-workflow';
import { loadMapping } from '../../../core/mapping/load-mapping';

const title = (name: string) => name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

/** The objects of the mapping chosen on the node (the built-in one when none is), with the table each one mirrors. */
export async function getMappingObjects(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
  try {
    const mapping = loadMapping((this.getNodeParameter('mappingFile', '') as string) || undefined);
    return Object.entries(mapping.config.objects).map(([name, spec]) => ({
      name: title(name),
      value: name,
      description: `${mapping.config.target.schema}.${spec.target.table}`,
    }));
  } catch (error) {
    // The editor shows this message under the field: a mapping file it cannot read or parse.
    throw new NodeOperationError(this.getNode(), `Cannot read the mapping: ${(error as Error).message}`);
  }
}
