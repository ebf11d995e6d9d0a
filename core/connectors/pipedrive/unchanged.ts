/**
 * Whether writing `body` (an add/update body as the connector builds it) to the record `current` (as Pipedrive's v2
 * API returns it) would change nothing. Values are compared in a loose, canonical form, because Pipedrive answers
 * with richer shapes than it accepts: references may come back as objects, emails and phones as lists with labels,
 * monetary custom fields as `{ value, currency }`, and numbers as strings.
 */
export function recordIsUnchanged(body: Record<string, unknown>, current: Record<string, unknown>): boolean {
  for (const [field, wanted] of Object.entries(body)) {
    if (field === 'custom_fields') {
      const have = (current.custom_fields ?? {}) as Record<string, unknown>;
      for (const [key, value] of Object.entries(wanted as Record<string, unknown>)) {
        if (!sameValue(value, have[key])) return false;
      }
    } else if (field === 'emails' || field === 'phones') {
      if (primaryOf(wanted) !== primaryOf(current[field])) return false;
    } else if (!sameValue(wanted, current[field])) {
      return false;
    }
  }
  return true;
}

function primaryOf(list: unknown): string | null {
  if (!Array.isArray(list) || list.length === 0) return null;
  const entries = list as Array<{ value?: unknown; primary?: boolean }>;
  const primary = entries.find((e) => e?.primary) ?? entries[0];
  return canonical(primary?.value ?? primary);
}

function canonical(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  if (Array.isArray(v)) {
    const items = v
      .map(canonical)
      .filter((x): x is string => x !== null)
      .sort();
    return items.length ? items.join(',') : null;
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return canonical(o.value ?? o.id ?? null);
  }
  if (typeof v === 'number') return String(v);
  const s = String(v).trim();
  // "1200" and 1200, "1200.0" and 1200 are the same number.
  return s !== '' && /^-?\d+(\.\d+)?$/.test(s) ? String(Number(s)) : s;
}

function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}
