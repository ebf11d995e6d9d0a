import type { FieldSchema, ObjectSchema } from '../../connectors/connector';
import { maxScoreMatching } from './hungarian';
import { prepareField, scorePair, type PairScore } from './score';
import {
  SuggestOptionsSchema,
  type FieldSuggestion,
  type MappingCandidate,
  type SuggestOptions,
  type SuggestResult,
  type SuggestSamples,
} from './schemas';
import { buildVocabulary } from './tokens';
import { unknownTypeNotes } from './field-types';

function samplesOf(records: SuggestSamples['source'], field: string): string[] {
  if (!records) return [];
  const out: string[] = [];
  for (const r of records) {
    const v = r[field];
    if (v != null && v.trim() !== '') out.push(v);
    if (out.length >= 50) break;
  }
  return out;
}

/**
 * Suggests where each source field goes in the target: every pair of fields is scored (names after splitting and
 * synonyms, type compatibility, sample values), then fields are paired one-to-one so the total confidence is
 * highest (Hungarian algorithm). A source field whose best available target is below `threshold` gets `target: null`.
 *
 * Target fields the target system computes (`readOnly`) and its ID field are not proposed unless asked for.
 */
export function suggestMappings(
  source: ObjectSchema,
  target: ObjectSchema,
  samples?: SuggestSamples,
  options: SuggestOptions = {},
): SuggestResult {
  const opts = SuggestOptionsSchema.parse(options);
  const vocab = buildVocabulary(opts.synonyms);
  const sources = source.fields.map((f) =>
    prepareField(f, vocab, samplesOf(samples?.source, f.name), f.name === source.idField),
  );
  const writable = (f: FieldSchema) => f.name !== target.idField && (opts.includeReadOnly || !f.readOnly);
  const targets = target.fields
    .filter(writable)
    .map((f) => prepareField(f, vocab, samplesOf(samples?.target, f.name), f.name === target.idField));

  const scores: PairScore[][] = sources.map((s) => targets.map((t) => scorePair(s, t, vocab)));
  // Ties are broken deterministically: earlier target fields first (systems list their main fields first), and
  // between equally good pairings the one that keeps both sides' field order (address -> Billing, not Shipping).
  const matrix = scores.map((row, i) => row.map((p, j) => p.confidence - j * 1e-6 + (i + 1) * (j + 1) * 1e-9));
  const assigned = targets.length ? maxScoreMatching(matrix, opts.threshold) : sources.map(() => -1);
  const owner = new Map<number, number>();
  assigned.forEach((j, i) => j >= 0 && owner.set(j, i));

  const suggestions: FieldSuggestion[] = sources.map((s, i) => {
    const row = scores[i]!;
    const j = assigned[i]!;
    const order = row.map((_, k) => k).sort((a, b) => row[b]!.confidence - row[a]!.confidence || a - b);
    const ranked = j >= 0 ? [j, ...order.filter((k) => k !== j)] : order;
    const candidates: MappingCandidate[] = ranked
      .filter((k) => row[k]!.confidence > 0)
      .slice(0, opts.maxCandidates)
      .map((k) => {
        const other = owner.get(k);
        return {
          target: targets[k]!.field.name,
          confidence: row[k]!.confidence,
          reasons: row[k]!.reasons,
          ...(other !== undefined && other !== i ? { assignedTo: sources[other]!.field.name } : {}),
        };
      });
    if (j >= 0) {
      const reasons = [...row[j]!.reasons];
      const better = order[0]!;
      if (better !== j && row[better]!.confidence > row[j]!.confidence) {
        reasons.push(
          `one-to-one: "${targets[better]!.field.name}" (${row[better]!.confidence}) fits "${sources[owner.get(better)!]?.field.name}" better`,
        );
      }
      return {
        source: s.field.name,
        target: targets[j]!.field.name,
        confidence: row[j]!.confidence,
        reasons,
        candidates,
      };
    }
    const best = order[0];
    let why = 'no target fields to choose from';
    if (best !== undefined) {
      const b = row[best]!;
      const taken = owner.get(best);
      why =
        b.confidence < opts.threshold
          ? `no match: the best candidate "${targets[best]!.field.name}" reaches only ${b.confidence} (threshold ${opts.threshold})`
          : `no match: candidates at or above ${opts.threshold} went to fields that fit them better (best: "${targets[best]!.field.name}" ${b.confidence}${taken !== undefined ? `, to "${sources[taken]!.field.name}"` : ''})`;
    }
    return { source: s.field.name, target: null, confidence: 0, reasons: [why], candidates };
  });

  const notes = [...unknownTypeNotes(source.object, source.fields), ...unknownTypeNotes(target.object, target.fields)];
  return {
    sourceObject: source.object,
    targetObject: target.object,
    threshold: opts.threshold,
    suggestions,
    unmatchedTargets: targets.filter((_, k) => !owner.has(k)).map((t) => t.field.name),
    ...(notes.length ? { notes } : {}),
  };
}
