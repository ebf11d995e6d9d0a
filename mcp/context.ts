import type { Database } from '../core/db/database';
import { UsageError } from '../core/errors';
import type { LoadedMapping } from '../core/mapping/load-mapping';

/** What every tool is given by the server that registers it. */
export interface ToolContext {
  /** The database, opened on first use. */
  db(): Promise<Database>;
  mapping: LoadedMapping;
  /** Folders the tools may read files from. */
  allowedRoots: string[];
  /** Whether tools that write to a CRM (or to what those act on) may run. */
  allowWrites: boolean;
  /** When writes are off: why, and what would turn them on (the flag at start, or a token of write scope). */
  writesOff: WritesOff;
}

export interface WritesOff {
  reason: string;
  fix: string;
  /** Told when a write tool was refused for this reason (MCP over HTTP then asks an OAuth client to step up). */
  onRefused?: () => void;
}

export const STARTED_WITHOUT_WRITES: WritesOff = {
  reason: 'this server was started without --allow-writes',
  fix: 'restart it with --allow-writes',
};

/** Refuses a write tool's call when writes are off, saying what it would have done, why not, and what to do. */
export function requireWrites(context: ToolContext, what: string, instead?: string): void {
  if (context.allowWrites) return;
  const { reason, fix } = context.writesOff;
  context.writesOff.onRefused?.();
  throw new UsageError(`${what}, and ${reason}; ${instead ? `use ${instead}, or ` : ''}${fix}`);
}
