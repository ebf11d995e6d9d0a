import { foldText, isPlaceholder, tokens } from './text';

/** Legal forms say how a company is registered, not which company it is; dropped wherever they trail the name. */
const LEGAL_FORMS = new Set([
  'inc',
  'incorporated',
  'llc',
  'lc',
  'pllc',
  'ltd',
  'limited',
  'gmbh',
  'mbh',
  'ag',
  'kg',
  'sa',
  'sarl',
  'sas',
  'sasu',
  'plc',
  'corp',
  'corporation',
  'co',
  'company',
  'lp',
  'llp',
  'lllp',
  'pc',
  'bv',
  'nv',
  'pty',
  'pte',
  'srl',
  'spa',
  'ab',
  'as',
  'asa',
  'oy',
  'oyj',
  'kk',
  'ltda',
  'sl',
  'sa de cv',
  'cv',
  'se',
  'eg',
  'ev',
  'gbr',
  'ohg',
  'kft',
  'zrt',
  'sp',
  'zoo',
  'doo',
  'ou',
  'aps',
  'bhd',
  'sdn',
  'pvt',
]);

const ABBREVIATIONS: Record<string, string> = {
  intl: 'international',
  int: 'international',
  assn: 'association',
  assoc: 'association',
  asso: 'association',
  dept: 'department',
  univ: 'university',
  mfg: 'manufacturing',
  bros: 'brothers',
  svc: 'services',
  svcs: 'services',
  ctr: 'center',
  cntr: 'center',
  centre: 'center',
  st: 'saint',
  ste: 'sainte',
  mt: 'mount',
  ft: 'fort',
  natl: 'national',
  grp: 'group',
  hldgs: 'holdings',
  hldg: 'holding',
  tech: 'technology',
  techs: 'technologies',
  sys: 'systems',
  inst: 'institute',
  mgmt: 'management',
  dev: 'development',
  ind: 'industries',
  inds: 'industries',
  ins: 'insurance',
  hosp: 'hospital',
  med: 'medical',
  sch: 'school',
  elem: 'elementary',
  acad: 'academy',
  cmty: 'community',
  comm: 'community',
  fdn: 'foundation',
  '1st': 'first',
  '2nd': 'second',
  '3rd': 'third',
};

/** Tokens that appear in many company names and so identify little (used to down-weight, never to drop). */
export const COMPANY_STOPWORDS = new Set([
  'and',
  'of',
  'the',
  'for',
  'a',
  'an',
  'de',
  'la',
  'le',
  'des',
  'du',
  'der',
  'die',
  'und',
  'at',
  'in',
]);

/**
 * "The Acme Company, Inc." and "ACME Co" -> "acme"; "Smith & Sons Ltd" -> "smith and sons".
 * Returns null when nothing but a legal form or a placeholder is left.
 */
export function normaliseCompanyName(raw: string): string | null {
  const folded = foldText(raw.replace(/&/g, ' and ').replace(/\+/g, ' and '));
  let parts = joinInitialisms(tokens(folded)).map((t) => ABBREVIATIONS[t] ?? t);
  while (parts.length > 1 && parts[0] === 'the') parts = parts.slice(1);
  while (parts.length > 1 && LEGAL_FORMS.has(parts[parts.length - 1]!)) parts = parts.slice(0, -1);
  while (parts.length > 1 && (parts[parts.length - 1] === 'and' || parts[parts.length - 1] === 'the'))
    parts = parts.slice(0, -1);
  const name = parts.join(' ');
  return name === '' || isPlaceholder(name) ? null : name;
}

/** "L.L.C." folds to "l l c"; rejoin runs of single letters so they read as the word they abbreviate. */
function joinInitialisms(parts: string[]): string[] {
  const out: string[] = [];
  let run = '';
  for (const t of parts) {
    if (t.length === 1 && /[a-z]/.test(t)) {
      run += t;
      continue;
    }
    if (run) out.push(run);
    run = '';
    out.push(t);
  }
  if (run) out.push(run);
  return out;
}
