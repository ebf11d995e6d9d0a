import { createHash } from 'node:crypto';

/** JSON with sorted keys, so the same records always hash the same whatever order their properties came in. */
function stable(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
}

/**
 * What a reviewer saw: the legacy record and the target record(s) in question. A decision holds while this hash is
 * unchanged; an edit on either side (a new export, a change in HubSpot reaching the mirror) sends the row back to a
 * person.
 */
export function evidenceHash(
  legacy: Record<string, unknown> | null,
  targets: Array<{ id: string; properties: Record<string, unknown> }>,
): string {
  const sorted = [...targets].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return createHash('sha256')
    .update(stable({ legacy, targets: sorted }))
    .digest('hex');
}
