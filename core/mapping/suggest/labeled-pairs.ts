import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PACKAGE_ROOT } from '../../version';
import { objectSchemaShape, refineUniqueFields } from './schemas';

const SystemSchema = z
  .object({ system: z.string().min(1), ...objectSchemaShape })
  .strict()
  .superRefine(refineUniqueFields);

/**
 * A labeled schema pair (core/mapping/schemas/*.json): two systems' field lists with labels, types and a few sample
 * values, and the mapping a person would make. `expected[field]` is the target field, several acceptable ones when
 * the source feeds more than one target (a web address -> `website` and `domain`), or null when it maps to nothing.
 */
export const LabeledPairSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    title: z.string(),
    /** Kept out of tuning the vocabulary and weights; reported separately. */
    heldOut: z.boolean().default(false),
    provenance: z.string(),
    source: SystemSchema,
    target: SystemSchema,
    expected: z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1), z.null()])),
    notes: z.record(z.string(), z.string()).default({}),
  })
  .strict()
  .superRefine((pair, ctx) => {
    const targets = new Set(pair.target.fields.map((f) => f.name));
    const sources = new Set(pair.source.fields.map((f) => f.name));
    for (const f of sources)
      if (!(f in pair.expected))
        ctx.addIssue({
          code: 'custom',
          path: ['expected', f],
          message: `source field "${f}" has no expected mapping (use null for none)`,
        });
    for (const [from, to] of Object.entries(pair.expected)) {
      if (!sources.has(from))
        ctx.addIssue({ code: 'custom', path: ['expected', from], message: `"${from}" is not a source field` });
      for (const t of to === null ? [] : Array.isArray(to) ? to : [to]) {
        if (!targets.has(t))
          ctx.addIssue({ code: 'custom', path: ['expected', from], message: `"${t}" is not a target field` });
      }
    }
  });

export type LabeledPair = z.infer<typeof LabeledPairSchema>;

export const LABELED_PAIRS_DIR = path.join(PACKAGE_ROOT, 'core', 'mapping', 'schemas');

/** Reads and validates every labeled pair in `dir` (default: the shipped ones), in file-name order. */
export function loadLabeledPairs(dir: string = LABELED_PAIRS_DIR): LabeledPair[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const result = LabeledPairSchema.safeParse(JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
      if (!result.success)
        throw new Error(`${f}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return result.data;
    });
}

/** The expected targets of a source field as a list (empty: maps to nothing). */
export function expectedTargets(pair: LabeledPair, field: string): string[] {
  const e = pair.expected[field];
  return e === null || e === undefined ? [] : Array.isArray(e) ? e : [e];
}
