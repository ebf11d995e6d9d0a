import {
  applyChain,
  collapseWhitespace,
  compileTransform,
  type Transform,
  type TransformDefaults,
} from '../mapping/transforms';
import type { FieldValue, Strategy } from './schemas';

/** null, an empty or all-space string, and an empty list are blank; 0 and false are values. */
export function isBlank(v: FieldValue | undefined): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'string') return v.trim() === '';
  if (Array.isArray(v)) return v.every((x) => typeof x === 'string' && x.trim() === '');
  return false;
}

export interface Canon {
  /** The value to write: the canonical form when the field has transforms that accept it, else as given. */
  value: FieldValue;
  /** Compared to decide whether two values are the same fact. */
  key: string;
  /** Why a transform refused the value, if it did (the value is then compared as written). */
  issue?: string;
}

export function compileChain(strategy: Strategy, defaults: TransformDefaults): Transform[] {
  return (strategy.transform ?? []).map((t) => compileTransform(t, defaults));
}

function scalarKey(v: string | number | boolean, numeric: boolean): string {
  if (typeof v === 'number') return `n:${v}`;
  if (typeof v === 'boolean') return `b:${v}`;
  const s = collapseWhitespace(v.normalize('NFC'));
  // A number and a numeric string are one value when the field carries numbers ("1200" from a CSV, 1200 from an API).
  if (numeric && /^[-+]?(\d+\.?\d*|\.\d+)$/.test(s)) return `n:${Number(s)}`;
  return `s:${s}`;
}

/**
 * Brings a value into the form it is compared in. With transforms, each (item of a) value goes through them, so
 * `+44 20 7946 0123` and `020 7946 0123` are one phone. Without, text is compared with spaces collapsed, and when
 * any candidate gave a number, numeric strings compare as numbers.
 */
export function canonical(v: FieldValue, chain: readonly Transform[], numeric: boolean): Canon {
  if (isBlank(v)) return { value: null, key: '' };
  if (chain.length === 0) {
    const key = Array.isArray(v)
      ? `a:${v.map((x) => scalarKey(x, numeric)).join('\u0000')}`
      : scalarKey(v as string | number | boolean, numeric);
    return { value: v, key };
  }
  if (Array.isArray(v)) {
    const items = v.map((x) => canonical(x, chain, numeric));
    return {
      value: items.map((i) => i.value as string | number),
      key: `a:${items.map((i) => i.key).join('\u0000')}`,
      issue: items.find((i) => i.issue)?.issue,
    };
  }
  const r = applyChain(chain, String(v));
  if (!r.ok) return { value: v, key: scalarKey(v as string | number | boolean, numeric), issue: r.reason };
  return { value: r.value, key: r.value === null ? '' : `s:${r.value}` };
}

/** Items of a multi-value field: a list as given, or text split on the separator. */
export function splitItems(v: FieldValue, separator: string): Array<string | number> {
  if (isBlank(v)) return [];
  if (Array.isArray(v)) return v.filter((x) => !isBlank(x));
  if (v === null) return [];
  if (typeof v === 'string')
    return v
      .split(separator)
      .map((s) => s.trim())
      .filter(Boolean);
  return [typeof v === 'boolean' ? String(v) : v];
}
