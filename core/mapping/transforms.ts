import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import type { Value } from '../connectors/connector';
import { parseDate, parseDateTime, DATE_ORDERS } from './dates';

type PhoneNumbers = typeof import('libphonenumber-js');
let phoneNumbers: PhoneNumbers | undefined;
/**
 * libphonenumber with its metadata takes ~100 ms to load, and every mapping, CLI command and n8n node that touches a
 * mapping imports this module: it loads on the first phone number instead. A transform is synchronous, hence require.
 */
const loadPhoneNumbers = (): PhoneNumbers =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (phoneNumbers ??= require('libphonenumber-js') as PhoneNumbers);

export type TransformResult = { ok: true; value: Value } | { ok: false; reason: string };

const CountrySchema = z.string().regex(/^[A-Z]{2}$/, 'a two-letter ISO country code such as GB or US');

export const TRANSFORM_NAMES = [
  'trim',
  'lowercase',
  'uppercase',
  'email',
  'phone',
  'number',
  'integer',
  'boolean',
  'date',
  'datetime',
  'domain',
  'url',
] as const;

/** Zod's message for a failed union is "Invalid input"; a person editing a mapping needs the transform named. */
function transformError(issue: { input?: unknown }): string | undefined {
  const input = issue.input;
  const name =
    typeof input === 'string'
      ? input
      : input && typeof input === 'object'
        ? (input as { type?: unknown }).type
        : undefined;
  if (typeof name === 'string' && ![...TRANSFORM_NAMES, 'map'].includes(name as never)) {
    return `unknown transform "${name}" (known: ${[...TRANSFORM_NAMES, 'map'].join(', ')})`;
  }
  return undefined;
}

export const TransformSpecSchema = z
  .union(
    [
      z.enum(TRANSFORM_NAMES),
      z.discriminatedUnion('type', [
        z.object({ type: z.literal('trim') }).strict(),
        z.object({ type: z.literal('lowercase') }).strict(),
        z.object({ type: z.literal('uppercase') }).strict(),
        z.object({ type: z.literal('email') }).strict(),
        z.object({ type: z.literal('phone'), defaultCountry: CountrySchema.optional() }).strict(),
        z.object({ type: z.literal('number'), decimal: z.enum(['.', ',']).optional() }).strict(),
        z.object({ type: z.literal('integer'), decimal: z.enum(['.', ',']).optional() }).strict(),
        z.object({ type: z.literal('boolean') }).strict(),
        z.object({ type: z.literal('date'), order: z.enum(DATE_ORDERS).optional() }).strict(),
        z.object({ type: z.literal('datetime'), order: z.enum(DATE_ORDERS).optional() }).strict(),
        z.object({ type: z.literal('domain') }).strict(),
        z.object({ type: z.literal('url') }).strict(),
        z
          .object({
            type: z.literal('map'),
            /** Either the table itself or the name of one in the config's `valueMaps`. */
            values: z.record(z.string(), z.string().nullable()).optional(),
            ref: z.string().min(1).optional(),
            caseInsensitive: z.boolean().default(true),
            /** What an unmapped value becomes: kept as is, blanked, or reported as a field issue. */
            unknown: z.enum(['keep', 'blank', 'error']).default('error'),
          })
          .strict(),
      ]),
    ],
    { error: transformError },
  )
  .refine((t) => typeof t === 'string' || t.type !== 'map' || (t.values === undefined) !== (t.ref === undefined), {
    message: 'a map transform needs exactly one of "values" or "ref"',
  });
export type TransformSpec = z.infer<typeof TransformSpecSchema>;

/** Defaults every phone, date and number transform falls back on; one schema for the mapping, conflict and quality configs. */
export const TransformDefaultsSchema = z
  .object({
    phoneCountry: z
      .string()
      .regex(/^[A-Z]{2}$/, 'a two-letter ISO country code such as GB or US')
      .optional(),
    dateOrder: z.enum(DATE_ORDERS).optional(),
    decimal: z.enum(['.', ',']).optional(),
  })
  .strict();

export interface TransformDefaults {
  phoneCountry?: string;
  dateOrder?: (typeof DATE_ORDERS)[number];
  decimal?: '.' | ',';
  valueMaps?: Record<string, Record<string, string | null>>;
}

export interface Transform {
  readonly name: string;
  /**
   * Whether the same normalisation also applies to the value found in the target before comparing:
   * normalisers do (a phone written two ways is one phone); vocabulary changes such as value maps do not.
   */
  readonly normalisesTarget: boolean;
  apply(value: string): TransformResult;
  /** Two canonical values with the same key are the same fact (e.g. a web address over http or https). */
  compareKey?(value: string): string;
  /**
   * True only when `apply(raw)` is certain to give `canonical`, decided without doing the work of `apply`; false says
   * nothing. Lets a target value be compared with the mapped legacy value without normalising it.
   */
  yields?(raw: string, canonical: string): boolean;
}

const ok = (value: Value): TransformResult => ({ ok: true, value: value === '' ? null : value });
const fail = (reason: string): TransformResult => ({ ok: false, reason });

export function collapseWhitespace(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const E164 = /^\+\d+$/;
const SPACED_INTERNATIONAL = /^\+\d[\d .-]*$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/**
 * For a transform whose output is its own output again (trim, a date, a number written by String()): a target value
 * written exactly as the canonical value comes out as it.
 */
const unchanged = (raw: string, canonical: string) => raw === canonical;

export function normaliseDomain(value: string): string | null {
  let v = value.trim().toLowerCase();
  if (!v) return null;
  if (v.includes('@') && !v.includes('/')) v = v.slice(v.lastIndexOf('@') + 1);
  v = v.replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/^www\d?\./, '');
  v = v.split(/[/?#]/)[0]!.replace(/:\d+$/, '').replace(/\.$/, '');
  // Internationalised names (müller.de) compare in their ASCII form, as the URL parser writes them.
  try {
    v = new URL(`http://${v}`).hostname;
  } catch {
    return null;
  }
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(v) ? v : null;
}

export function parseNumber(raw: string, decimal: '.' | ','): number | null {
  let v = raw.replace(/[\s\u00a0]/g, '').replace(/^[£$€¥]|[£$€¥]$|^(USD|GBP|EUR)|(USD|GBP|EUR)$/gi, '');
  if (/^\(.*\)$/.test(v)) v = `-${v.slice(1, -1)}`; // accounting negatives
  const thousands = decimal === '.' ? ',' : '.';
  v = v.split(thousands).join('');
  if (decimal === ',') v = v.replace(',', '.');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(v)) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

const TRUE = new Set(['true', 'yes', 'y', '1', 't', 'on']);
const FALSE = new Set(['false', 'no', 'n', '0', 'f', 'off']);

export function compileTransform(spec: TransformSpec, defaults: TransformDefaults = {}): Transform {
  const s = typeof spec === 'string' ? ({ type: spec } as Exclude<TransformSpec, string>) : spec;
  switch (s.type) {
    case 'trim':
      // Its output is trimmed with single spaces between words, and NFC (a space never composes with an accent).
      return { name: 'trim', normalisesTarget: true, apply: (v) => ok(collapseWhitespace(v)), yields: unchanged };
    case 'lowercase':
      return { name: 'lowercase', normalisesTarget: true, apply: (v) => ok(v.toLowerCase()) };
    case 'uppercase':
      return { name: 'uppercase', normalisesTarget: true, apply: (v) => ok(v.toUpperCase()) };
    case 'email':
      return {
        name: 'email',
        normalisesTarget: true,
        apply(v) {
          const e = v
            .trim()
            .toLowerCase()
            .replace(/^mailto:/, '');
          if (!e) return ok(null);
          return EMAIL.test(e) ? ok(e) : fail(`not an email address: "${v}"`);
        },
        // Lower-casing outside ASCII can leave text that NFC then changes; "mailto:mailto:x@y.org" loses one prefix.
        yields: (raw, canonical) => raw === canonical && !canonical.startsWith('mailto:') && PRINTABLE_ASCII.test(raw),
      };
    case 'phone': {
      const country = ('defaultCountry' in s && s.defaultCountry) || defaults.phoneCountry;
      return {
        name: 'phone',
        normalisesTarget: true,
        apply(v) {
          if (!v.trim()) return ok(null);
          const parsed = loadPhoneNumbers().parsePhoneNumberFromString(v, {
            defaultCountry: country as CountryCode | undefined,
            extract: false,
          });
          if (!parsed || !parsed.isPossible())
            return fail(`not a phone number${country ? ` (default country ${country})` : ''}: "${v}"`);
          const ext = parsed.ext ? `;ext=${parsed.ext}` : '';
          return ok(`${parsed.number}${ext}`);
        },
        // "+44 20 7946 0861" against +442079460861: the parser reads nothing of such a string but the "+" and the
        // digits, and an E.164 value this transform wrote parses to itself (were it not so, a phone once written to
        // the target would differ from it on every later run). Most target phones are written this way, and parsing
        // them was the largest cost of reconciling against the target.
        yields: (raw, canonical) =>
          raw.length <= 64 &&
          E164.test(canonical) &&
          SPACED_INTERNATIONAL.test(raw) &&
          raw.replace(/[ .-]/g, '') === canonical,
      };
    }
    case 'number':
    case 'integer': {
      const decimal = ('decimal' in s && s.decimal) || defaults.decimal || '.';
      const integer = s.type === 'integer';
      return {
        name: s.type,
        normalisesTarget: true,
        apply(v) {
          if (!v.trim()) return ok(null);
          const n = parseNumber(v, decimal);
          if (n === null) return fail(`not a number: "${v}"`);
          if (integer && !Number.isInteger(n)) return fail(`not a whole number: "${v}"`);
          return ok(String(n));
        },
        // With a decimal comma, the "." String() writes would be read as a thousands separator.
        yields: (raw, canonical) => raw === canonical && (decimal === '.' || !canonical.includes('.')),
      };
    }
    case 'boolean':
      return {
        name: 'boolean',
        normalisesTarget: true,
        apply(v) {
          const b = v.trim().toLowerCase();
          if (!b) return ok(null);
          if (TRUE.has(b)) return ok('true');
          if (FALSE.has(b)) return ok('false');
          return fail(`not a yes/no value: "${v}"`);
        },
      };
    case 'date':
    case 'datetime': {
      const order = ('order' in s && s.order) || defaults.dateOrder || 'YMD';
      const parse = s.type === 'date' ? parseDate : parseDateTime;
      return {
        name: s.type,
        normalisesTarget: true,
        apply(v) {
          if (!v.trim()) return ok(null);
          const parsed = parse(v, order);
          return parsed === null
            ? fail(`not a ${s.type === 'date' ? 'date' : 'date and time'} (${order} order): "${v}"`)
            : ok(parsed);
        },
        // ISO 8601 is read as such whatever the order.
        yields: unchanged,
      };
    }
    case 'domain':
      return {
        name: 'domain',
        normalisesTarget: true,
        apply(v) {
          if (!v.trim()) return ok(null);
          const d = normaliseDomain(v);
          return d === null ? fail(`not a domain or web address: "${v}"`) : ok(d);
        },
        // A host name the URL parser wrote parses to itself; only a leading "www." would be taken off again.
        yields: (raw, canonical) => raw === canonical && !/^www\d?\./.test(canonical),
      };
    case 'url':
      return {
        name: 'url',
        normalisesTarget: true,
        apply(v) {
          const t = v.trim();
          if (!t) return ok(null);
          const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? t : `https://${t}`;
          try {
            const u = new URL(withScheme);
            if (!normaliseDomain(u.hostname)) return fail(`not a web address: "${v}"`);
            return ok(u.toString().replace(/\/$/, ''));
          } catch {
            return fail(`not a web address: "${v}"`);
          }
        },
        // Exports rarely say http or https; the same site under either scheme is not a change worth writing.
        compareKey: (v) => v.replace(/^https?:\/\//i, ''),
      };
    case 'map': {
      const values = s.values ?? defaults.valueMaps?.[s.ref ?? ''];
      if (!values) throw new Error(`value map "${s.ref}" is not defined in valueMaps`);
      const table = new Map<string, string | null>();
      for (const [from, to] of Object.entries(values))
        table.set(s.caseInsensitive ? collapseWhitespace(from).toLowerCase() : from, to);
      return {
        name: 'map',
        normalisesTarget: false,
        apply(v) {
          const key = s.caseInsensitive ? collapseWhitespace(v).toLowerCase() : v;
          if (!key) return ok(null);
          if (table.has(key)) return ok(table.get(key) ?? null);
          if (s.unknown === 'keep') return ok(v);
          if (s.unknown === 'blank') return ok(null);
          return fail(
            `no value mapping for "${v}" (known: ${[...table.keys()].slice(0, 8).join(', ')}${table.size > 8 ? ', …' : ''})`,
          );
        },
      };
    }
  }
}

/** Runs a chain of transforms; blank stays blank without reaching the next step. */
export function applyChain(chain: readonly Transform[], raw: Value, forTarget = false): TransformResult {
  // NFC first: an export may spell "é" as e + combining accent, which is the same text.
  let value: Value = raw === null || raw.trim() === '' ? null : raw.normalize('NFC');
  for (const t of chain) {
    if (value === null) break;
    if (forTarget && !t.normalisesTarget) continue;
    const r = t.apply(value);
    if (!r.ok) return r;
    value = r.value;
  }
  return { ok: true, value };
}
