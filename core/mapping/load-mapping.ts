import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { readJsonFile } from '../input-file';
import { MappingConfigSchema, type MappingConfig } from './mapping-config';
import defaultMapping from './default-hubspot-mapping.json';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** `objects.companies.properties[3].transform[0]`: the path a person edits, not zod's array form. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(root)';
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `  - ${formatPath(i.path)}: ${i.message}`).join('\n');
}

export interface LoadedMapping {
  config: MappingConfig;
  /** Identifies the mapping a run used, for the reconciliation log. */
  sha256: string;
  origin: string;
}

export function parseMappingConfig(input: unknown, origin = 'mapping'): LoadedMapping {
  const result = MappingConfigSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(`Invalid mapping config ${origin}:\n${formatIssues(result.error.issues)}`);
  }
  const sha256 = createHash('sha256').update(JSON.stringify(result.data)).digest('hex');
  return { config: result.data, sha256, origin };
}

export function loadMappingFile(file: string): LoadedMapping {
  return parseMappingConfig(readJsonFile(file, 'Mapping config'), file);
}

/** The shipped mapping of the Sage-style legacy export to HubSpot. */
export function builtInMapping(): LoadedMapping {
  return parseMappingConfig(defaultMapping, '(built-in legacy -> HubSpot mapping)');
}

export function loadMapping(file?: string): LoadedMapping {
  return file ? loadMappingFile(file) : builtInMapping();
}
