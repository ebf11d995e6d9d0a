import { NodeOperationError, type INode } from 'n8n-workflow';
import { redactSecrets } from '../../core/db/redact';
import { describeError } from '../../core/errors';

/**
 * The error n8n shows for a failure: a NodeOperationError as it was thrown (its message is already meant for the
 * user), anything else as a NodeOperationError with a readable message and the credential's secrets redacted.
 */
export function toNodeError(
  node: INode,
  error: unknown,
  secrets: Array<string | undefined>,
  itemIndex?: number,
): NodeOperationError {
  if (error instanceof NodeOperationError) return error;
  const message = redactSecrets(describeError(error), secrets);
  return new NodeOperationError(node, message, itemIndex === undefined ? {} : { itemIndex });
}
