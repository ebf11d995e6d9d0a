/** How one entity's values are written: the legacy export's and the mirror's variants, drift and field issues. */
import {
  dateTimeVariant,
  dateVariant,
  dmy,
  dmyTime,
  emailVariant,
  gbNational,
  hasNonAscii,
  mojibake,
  moneyVariant,
  pgTimestamp,
  phoneVariant,
  thousands,
  webVariant,
  whitespaceVariant,
} from './formats';
import { type Entity, type FieldDef, type ObjectDef } from './objects';
import { Random } from './random';
import { P_DRIFT, P_LEGACY_FORMAT, P_MIRROR_FORMAT, P_LEGACY_BLANK, P_FIELD_ISSUE, P_MOJIBAKE } from './rates';

export function legacyValue(f: FieldDef, v: string, r: Random, e: Entity, variant: boolean): string {
  if (v === '') return '';
  switch (f.kind) {
    case 'text':
      return variant ? whitespaceVariant(v, r) : v;
    case 'upper':
      return variant ? (r.chance(0.7) ? v.toLowerCase() : whitespaceVariant(v.toLowerCase(), r)) : v;
    case 'email':
      return variant ? emailVariant(v, r) : v;
    case 'phone':
      if (variant) return phoneVariant(v, r);
      return v.startsWith('+44 ') ? gbNational(v) : v;
    case 'int':
      return variant ? (Number(v) >= 1000 ? thousands(v) : ` ${v}`) : v;
    case 'money':
      return variant ? moneyVariant(v, e._symbol ?? '£', r) : v;
    case 'date':
      return variant ? dateVariant(v, r) : dmy(v);
    case 'datetime':
      return variant ? dateTimeVariant(v, r) : dmyTime(v);
    case 'map': {
      const labels = f.labels?.get(v);
      if (!labels || labels.length === 0) throw new Error(`no legacy label for ${f.col} = ${v}`);
      const label = r.pick(labels);
      if (!variant) return label;
      return r.pick([label.toLowerCase(), label.toUpperCase(), ` ${label} `]);
    }
    case 'web':
      return variant ? webVariant(v, r) : v;
    case 'note':
      return variant ? v.replace(/\n/g, () => r.pick(['\r\n', '\n\n', '  '])) + (r.chance(0.5) ? '\n' : ' ') : v;
    case 'ref':
    case 'raw':
      return v;
  }
}

export function mirrorValue(f: FieldDef, target: string, v: string, r: Random, variant: boolean): string {
  if (v === '') return '';
  switch (f.kind) {
    case 'phone':
      if (!variant) return v;
      return v.startsWith('+44 ') && r.chance(0.5) ? gbNational(v) : v.replace(/ /g, '');
    case 'datetime':
      return variant ? pgTimestamp(v) : v;
    case 'web': {
      if (target === 'domain') return v.replace(/^www\./, '');
      return variant ? `https://${v}/` : `https://${v}`;
    }
    case 'note':
      return variant ? v.replace(/\n/g, ' ') : v;
    default:
      return v;
  }
}

export type Mode = 'matched' | 'new' | 'conflict' | 'plain';

export interface Rendered {
  legacy: Record<string, string>;
  mirror: Record<string, string>;
  updates: Set<string>;
  issues: string[];
}

export function render(def: ObjectDef, e: Entity, r: Random, mode: Mode): Rendered {
  const legacy: Record<string, string> = {};
  const mirror: Record<string, string> = {};
  const plain = mode === 'plain';
  for (const f of def.fields) {
    const v = e[f.col] ?? '';
    legacy[f.col] = legacyValue(f, v, r, e, !plain && r.chance(P_LEGACY_FORMAT));
    for (const t of f.to) mirror[t] = mirrorValue(f, t, v, r, r.chance(P_MIRROR_FORMAT));
  }
  const updates = new Set<string>();
  const issues: string[] = [];
  if (plain) return { legacy, mirror, updates, issues };

  const touched = new Set<string>();
  const mapped = def.fields.filter((f) => f.to.length > 0 && !f.fixed);
  const filled = mapped.filter((f) => (e[f.col] ?? '') !== '');

  if ((mode === 'matched' || mode === 'new') && r.chance(P_FIELD_ISSUE)) {
    const candidates = mapped.filter((f) => f.bad && f.bad.length > 0);
    if (candidates.length) {
      const f = r.pick(candidates);
      legacy[f.col] = r.pick(f.bad ?? []);
      issues.push(f.col);
      touched.add(f.col);
    }
  }
  if (r.chance(P_LEGACY_BLANK)) {
    for (const f of r.sample(
      filled.filter((x) => !touched.has(x.col)),
      r.int(1, 2),
    )) {
      legacy[f.col] = '';
      touched.add(f.col);
    }
  }
  if (mode === 'matched') {
    const name = e.Comp_Name;
    if (def.object === 'companies' && name && hasNonAscii(name) && !touched.has('Comp_Name') && r.chance(P_MOJIBAKE)) {
      legacy.Comp_Name = mojibake(name);
      updates.add('name');
      touched.add('Comp_Name');
    }
    if (r.chance(P_DRIFT)) {
      for (const f of r.sample(
        filled.filter((x) => !touched.has(x.col)),
        r.int(1, 3),
      )) {
        touched.add(f.col);
        if (f.drift && r.chance(0.65)) {
          const next = f.drift(e[f.col] ?? '', r, e);
          if (next !== null && next !== '' && next !== e[f.col]) {
            for (const t of f.to) {
              mirror[t] = mirrorValue(f, t, next, r, false);
              updates.add(t);
            }
            continue;
          }
        }
        // The mirror lost the value: a blank target is always an update when the legacy side has one.
        const targets = f.to.length > 1 && r.chance(0.5) ? [r.pick(f.to)] : f.to;
        for (const t of targets) {
          mirror[t] = '';
          updates.add(t);
        }
      }
    }
  }
  if (mode === 'new') {
    // Everything the legacy record holds (reference columns included) is new to the target.
    for (const f of def.fields) {
      if (f.to.length > 0 && (legacy[f.col] ?? '').trim() !== '' && !issues.includes(f.col))
        for (const t of f.to) updates.add(t);
    }
  }
  return { legacy, mirror, updates, issues };
}
