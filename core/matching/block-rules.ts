import { hashString } from './hash';
import { longSoundex, soundex } from './compare/phonetic';
import { COMPANY_STOPWORDS } from './normalize/company-name';
import { emailParts } from './normalize/email';
import { phoneTail } from './normalize/phone';
import type { PreparedField } from './prepare';
import {
  COARSE,
  combine,
  first,
  formalOf,
  initialPair,
  LETTERS,
  NAME_BLOCKS,
  NONE,
  perValue,
  perValueList,
  STAR,
  valueIdKeys,
  type BlockingRule,
} from './block-keys';

/** How oversized blocks are ordered before the sliding window walks them: records with similar names side by side. */
export type RecordOrder = (a: number, b: number) => number;

/**
 * The blocking rules a set of fields supports. Each key is chosen so that a typical typo breaks few of them:
 * names by sound (Soundex) and formal name (Bill = William), dates with a name initial, contact points exactly.
 */
export function blockingRules(fields: readonly PreparedField[]): BlockingRule[] {
  const of = (kind: PreparedField['kind']) => fields.find((f) => f.kind === kind && f.config.block !== false);
  const given = of('givenName');
  const family = of('familyName');
  const full = of('fullName');
  const company = of('companyName');
  const rules: BlockingRule[] = [];
  /** The surname without spaces: "van der berg" = "vanderberg". */
  const familyCompact = family ? perValue(family, (s) => hashString(s.replace(/ /g, ''))) : undefined;
  const formalKeys = given
    ? perValueList(given, (_v, id) => given.byId.formal![id]!.map((g) => hashString(g)))
    : undefined;
  /**
   * The initials of both names in either order ("sw" for Will Smith and for Smith Will), the given name's formal
   * initial so that Bill meets William. A blank name stands for every letter (36 keys), so that a record missing a
   * name still meets its twin; with both names blank, "*" meets the other nameless records.
   */
  const nameInitials = (i: number, base: number, emit: (key: number) => void): void => {
    if (full && !given && !family) return emit(combine(base, 0x10000000 + first(full.values[i])));
    const a = family ? first(family.values[i]) : STAR;
    const b = given ? first(formalOf(given, i)?.[0]) : STAR;
    if (a === 0 && b === 0) return emit(combine(base, STAR));
    if (a !== 0 && b !== 0) return emit(combine(base, initialPair(a, b)));
    const known = a || b;
    for (const l of LETTERS) emit(combine(base, initialPair(l, known)));
  };
  /** A rule over one field's value: `key` per distinct value, times the record's `suffixes` when given. */
  const single = (
    name: string,
    field: PreparedField | undefined,
    key: (v: string) => number,
    limits?: typeof COARSE,
    suffixes?: (i: number, base: number, emit: (key: number) => void) => void,
  ) => {
    if (!field) return;
    const keyOf = perValue(field, key);
    rules.push({
      name,
      ...limits,
      keys(i, emit) {
        const k = keyOf(i);
        if (k === NONE) return;
        if (suffixes) suffixes(i, k, emit);
        else emit(k);
      },
    });
  };
  for (const f of fields) {
    if (f.config.block === false) continue;
    if (f.kind === 'email' || f.kind === 'identifier' || f.kind === 'domain')
      rules.push({ name: `${f.config.name} exact`, keys: valueIdKeys(f) });
    if (f.kind === 'email') {
      single(`${f.config.name} mailbox name`, f, (v) => {
        const local = emailParts(v).local;
        return local.length >= 4 ? hashString(local) : NONE;
      });
      // A typo late in the mailbox name, or in the domain, keeps its first letters.
      single(
        `${f.config.name} mailbox letters`,
        f,
        (v) => {
          const letters = emailParts(v).local.replace(/[^a-z]/g, '');
          return letters.length >= 4 ? hashString(`@${letters.slice(0, 5)}`) : NONE;
        },
        COARSE,
      );
    }
    if (f.kind === 'phone') {
      single(`${f.config.name} last 7 digits`, f, (v) => {
        const tail = phoneTail(v);
        return tail.length === 7 ? hashString(tail) : NONE;
      });
    }
  }
  if (given && family) {
    const sound = perValue(family, (s) => hashString(longSoundex(s)));
    const givenSound = perValue(given, (g) => hashString(longSoundex(g)));
    rules.push({
      name: 'surname sound + formal given name',
      ...NAME_BLOCKS(),
      keys(i, emit) {
        const code = sound(i);
        if (code === NONE) return;
        for (const g of formalKeys!(i)) emit(combine(code, g));
      },
    });
    rules.push({
      name: 'given and surname sounds, either order',
      ...NAME_BLOCKS(),
      keys(i, emit) {
        const a = sound(i);
        const b = givenSound(i);
        if (a === NONE || b === NONE) return;
        emit(a < b ? combine(a, b) : combine(b, a));
      },
    });
  } else if (family) {
    single('surname sound', family, (v) => hashString(soundex(v)));
  }
  if (full) {
    const wordKeys = perValueList(full, (_v, id) => {
      const w = full.byId.words![id]!;
      if (w.length === 0) return [];
      const codes = w
        .filter((t) => t.length > 1)
        .map(soundex)
        .sort();
      const last = hashString(soundex(w[w.length - 1]!));
      return [hashString(codes.join('|')), ...full.byId.formal![id]!.map((g) => combine(hashString(g), last))];
    });
    rules.push({ name: 'name word sounds', keys: (i, emit) => wordKeys(i).forEach((k) => emit(k)) });
  }
  const date = of('date');
  const dateIds = date?.ids;
  if (date && (given || family)) {
    // Both names and the full date can carry a typo at once; a name with the birth year still meets its twin.
    const year = perValue(date, (d) => (d.length === 8 ? Number(d.slice(0, 4)) : NONE));
    if (given) {
      rules.push({
        name: `given name + ${date.config.name} year`,
        ...COARSE,
        keys(i, emit) {
          const y = year(i);
          if (y !== NONE) for (const g of formalKeys!(i)) emit(combine(y, g));
        },
      });
    }
    if (family) {
      rules.push({
        name: `surname + ${date.config.name} year`,
        ...COARSE,
        keys(i, emit) {
          const y = year(i);
          const s = familyCompact!(i);
          if (y !== NONE && s !== NONE) emit(combine(y, s));
        },
      });
    }
  }
  const city = of('city');
  if (city) {
    const cityIds = city.ids;
    if (given) {
      rules.push({
        name: `given name + ${city.config.name}`,
        ...COARSE,
        keys(i, emit) {
          const c = cityIds[i]!;
          if (c >= 0) for (const g of formalKeys!(i)) emit(combine(c, g));
        },
      });
    }
    if (family) {
      rules.push({
        name: `surname + ${city.config.name}`,
        ...COARSE,
        keys(i, emit) {
          const c = cityIds[i]!;
          const s = familyCompact!(i);
          if (c >= 0 && s !== NONE) emit(combine(c, s));
        },
      });
    }
  }
  if (date) rules.push({ name: `${date.config.name} exact`, ...COARSE, keys: valueIdKeys(date) });
  if (date) {
    rules.push({
      name: `${date.config.name} + name initials`,
      keys(i, emit) {
        const d = dateIds![i]!;
        if (d >= 0) nameInitials(i, d, emit);
      },
    });
  }
  const postcode = of('postcode');
  if (postcode) {
    const nameKey: (i: number) => number = family
      ? perValue(family, (s) => hashString(soundex(s)))
      : full
        ? perValue(full, (s) => hashString(soundex(s.split(' ').pop()!)))
        : company
          ? perValue(company, (s) => hashString(s.replace(/ /g, '').slice(0, 3)))
          : () => 0;
    const codes = postcode.ids;
    rules.push({
      name: `${postcode.config.name} + name`,
      keys(i, emit) {
        const k = nameKey(i);
        if (codes[i]! >= 0 && k !== NONE) emit(combine(codes[i]!, k));
      },
    });
  }
  const address = of('address');
  if (address) {
    single(
      `${address.config.name} number + street`,
      address,
      (v) => {
        const words = v.split(' ');
        const number = words.find((t) => /^\d/.test(t));
        const street = words.find((t) => !/^\d/.test(t) && t.length > 2);
        return number && street ? combine(hashString(number), hashString(street)) : NONE;
      },
      undefined,
      nameInitials,
    );
  }
  // A shared employer is no sign of a shared identity: company words block only when there are no person names.
  if (company && !given && !family && !full) {
    const wordKeys = perValueList(company, (v, id) => {
      const keys = company.byId
        .words![id]!.filter((t) => t.length > 2 && !COMPANY_STOPWORDS.has(t))
        .map((t) => hashString(t));
      keys.push(hashString(`~${v.replace(/ /g, '').slice(0, 6)}`));
      return keys;
    });
    rules.push({ name: `${company.config.name} words`, keys: (i, emit) => wordKeys(i).forEach((k) => emit(k)) });
  }
  return rules;
}

/**
 * What oversized blocks are sorted by, so that the sliding window pairs records with similar names: surname, full
 * name, company, given name, email, address, compared value by value (a blank first), then position.
 */
export function recordOrder(fields: readonly PreparedField[]): RecordOrder {
  const kinds: Array<PreparedField['kind']> = [
    'familyName',
    'fullName',
    'companyName',
    'givenName',
    'email',
    'address',
  ];
  const used = kinds
    .map((k) => fields.find((f) => f.kind === k)?.values)
    .filter((v): v is PreparedField['values'] => v !== undefined);
  return (a, b) => {
    for (const values of used) {
      const x = values[a] ?? '';
      const y = values[b] ?? '';
      if (x !== y) return x < y ? -1 : 1;
    }
    return a - b;
  };
}
