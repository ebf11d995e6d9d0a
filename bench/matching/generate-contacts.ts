/**
 * Seeded synthetic contacts for the scale benchmark: entities with 0-3 duplicates each, the duplicates carrying the
 * damage real CRM exports show — typos, nicknames (Bill for William), swapped first/last names, other phone and
 * email spellings, street-word abbreviations, a mistyped birth date, blank fields. Same seed, same records.
 */
import { Random } from '../../demo/random';

const GIVEN = (
  'william elizabeth robert margaret james mary john patricia michael jennifer david linda richard barbara joseph susan thomas ' +
  'jessica charles sarah christopher karen daniel nancy matthew lisa anthony betty mark sandra donald ashley steven kimberly paul ' +
  'emily andrew donna joshua michelle kenneth carol kevin amanda brian melissa george deborah timothy stephanie ronald rebecca ' +
  'edward sharon jason laura jeffrey cynthia ryan kathleen jacob amy gary angela nicholas shirley eric anna jonathan brenda ' +
  'stephen pamela larry emma justin nicole scott helen brandon samantha benjamin katherine samuel christine gregory debra ' +
  'alexander rachel frank carolyn patrick janet raymond catherine jack maria dennis heather jerry diane tyler ruth aaron julie ' +
  'jose olivia adam joyce nathan virginia henry victoria douglas kelly zachary lauren peter christina kyle joan ethan evelyn ' +
  'walter judith noah megan jeremy andrea christian cheryl keith hannah roger jacqueline terry martha gerald gloria harold teresa ' +
  'sean ann austin sara carl madison arthur frances lawrence kathryn dylan janice jesse jean jordan abigail bryan alice billy ' +
  'judy bruce sophia gabriel grace joe denise logan amber albert doris willie marilyn alan danielle juan beverly wayne isabella ' +
  'elijah theresa randy diana roy natalie vincent brittany ralph charlotte eugene marie russell kayla bobby alexis mason lori ' +
  'philip oliver amelia ava mia harper aria chloe layla zoe nora lily eleanor hazel violet aurora ellie stella paisley leah'
).split(' ');
const NICK: Record<string, string[]> = {
  william: ['bill', 'will', 'billy'],
  elizabeth: ['liz', 'beth', 'betty'],
  robert: ['bob', 'rob', 'bobby'],
  margaret: ['peggy', 'maggie', 'meg'],
  james: ['jim', 'jimmy'],
  michael: ['mike'],
  richard: ['dick', 'rick'],
  joseph: ['joe'],
  thomas: ['tom'],
  charles: ['chuck', 'charlie'],
  christopher: ['chris'],
  daniel: ['dan', 'danny'],
  matthew: ['matt'],
  anthony: ['tony'],
  steven: ['steve'],
  andrew: ['andy', 'drew'],
  joshua: ['josh'],
  kenneth: ['ken'],
  timothy: ['tim'],
  edward: ['ed', 'ted'],
  jennifer: ['jen', 'jenny'],
  patricia: ['pat', 'patty'],
  katherine: ['kate', 'kathy'],
  rebecca: ['becky'],
  samantha: ['sam'],
  samuel: ['sam'],
  benjamin: ['ben'],
  nicholas: ['nick'],
  alexander: ['alex'],
  jonathan: ['jon'],
  gregory: ['greg'],
  deborah: ['debbie'],
  susan: ['sue'],
  victoria: ['vicky'],
  jacob: ['jake'],
};
const SYLLABLES =
  'an ber ston well ford ham ley son mor ris gan nel ton bar ker field wood man ster ing ridge sel vin dal ros hart ell ott rand mil wick'.split(
    ' ',
  );
const COMMON_SURNAMES =
  'smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson anderson taylor moore jackson martin lee thompson white harris clark lewis walker hall allen young king wright scott green baker adams nelson hill campbell mitchell roberts carter phillips evans turner torres parker collins edwards stewart morris murphy cook rogers'.split(
    ' ',
  );
const STREETS =
  'oak maple cedar pine elm washington lake hill park main church mill river spring sunset highland forest meadow ridge valley'.split(
    ' ',
  );
const STREET_TYPES: Array<[string, string]> = [
  ['Street', 'St'],
  ['Road', 'Rd'],
  ['Avenue', 'Ave'],
  ['Drive', 'Dr'],
  ['Lane', 'Ln'],
  ['Boulevard', 'Blvd'],
  ['Court', 'Ct'],
  ['Place', 'Pl'],
];
const CITIES =
  'springfield riverside franklin greenville bristol clinton fairview salem madison georgetown arlington ashland burlington manchester milton newport oxford jackson dover hudson'.split(
    ' ',
  );
const COMPANY_WORDS =
  'acme global north star blue river summit pacific atlantic pioneer apex vertex quantum harbor granite silver golden eagle falcon maple'.split(
    ' ',
  );
const SUFFIXES = ['Inc', 'Inc.', 'LLC', 'Ltd', 'Corp', 'Incorporated', 'Co', ''];
const MAIL = ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com'];

export interface GeneratedContact {
  id: string;
  first_name: string;
  last_name: string;
  email: string;
  phone: string;
  company: string;
  address: string;
  city: string;
  zip: string;
  dob: string;
}

const cap = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

function zipfIndex(rng: Random, n: number): number {
  // Inverse-CDF of a 1/x law over n items: a few values are very common, most are rare.
  return Math.min(n - 1, Math.floor(Math.exp(rng.next() * Math.log(n + 1))) - 1);
}

function surname(rng: Random): string {
  if (rng.chance(0.1)) return COMMON_SURNAMES[zipfIndex(rng, COMMON_SURNAMES.length)]!;
  const parts = rng.int(2, 3);
  let s = '';
  for (let k = 0; k < parts; k++) s += rng.pick(SYLLABLES);
  return s;
}

function typo(rng: Random, s: string): string {
  if (s.length < 3) return s;
  const at = rng.int(1, s.length - 2);
  switch (rng.int(0, 3)) {
    case 0:
      return s.slice(0, at) + s.slice(at + 1);
    case 1:
      return s.slice(0, at) + String.fromCharCode(97 + rng.int(0, 25)) + s.slice(at);
    case 2:
      return s.slice(0, at) + String.fromCharCode(97 + rng.int(0, 25)) + s.slice(at + 1);
    default:
      return s.slice(0, at - 1) + s[at]! + s[at - 1]! + s.slice(at + 1);
  }
}

interface Entity {
  given: string;
  family: string;
  email: string;
  phone: string;
  company: string;
  number: number;
  street: string;
  type: number;
  city: string;
  zip: string;
  dob: [number, number, number];
}

function entity(rng: Random, k: number): Entity {
  const given = rng.pick(GIVEN);
  const family = surname(rng);
  const local = rng.weighted<string>([
    [`${given}.${family}`, 3],
    [`${given[0]}${family}`, 2],
    [`${given}${family}${rng.int(1, 99)}`, 2],
    [`${family}.${given[0]}${k % 1000}`, 1],
  ]);
  const work = rng.chance(0.5);
  const company = `${cap(rng.pick(COMPANY_WORDS))} ${cap(rng.pick(COMPANY_WORDS))}${rng.chance(0.5) ? ` ${cap(rng.pick(SYLLABLES))}${rng.pick(SYLLABLES)}` : ''}`;
  const domain = work ? `${company.toLowerCase().replace(/[^a-z]/g, '')}.com` : rng.pick(MAIL);
  return {
    given,
    family,
    email: `${local}@${domain}`,
    phone: `${rng.int(2, 9)}${rng.digits(2)}${rng.int(2, 9)}${rng.digits(6)}`,
    company,
    number: rng.int(1, 9999),
    street: rng.pick(STREETS),
    type: rng.int(0, STREET_TYPES.length - 1),
    city: rng.pick(CITIES),
    zip: rng.digits(5, true),
    dob: [rng.int(1940, 2005), rng.int(1, 12), rng.int(1, 28)],
  };
}

function phoneFormat(rng: Random, d: string): string {
  return rng.weighted<string>([
    [`(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`, 3],
    [`${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`, 3],
    [`+1 ${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`, 2],
    [`1${d}`, 1],
    [d, 1],
  ]);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** One record of an entity; `damaged` copies carry the errors a duplicate has. */
function render(rng: Random, e: Entity, id: string, damaged: boolean): GeneratedContact {
  const blank = (p: number) => damaged && rng.chance(p);
  let given = e.given;
  let family = e.family;
  if (damaged) {
    if (NICK[given] && rng.chance(0.3)) given = rng.pick(NICK[given]!);
    if (rng.chance(0.15)) given = typo(rng, given);
    if (rng.chance(0.15)) family = typo(rng, family);
    if (rng.chance(0.02)) [given, family] = [family, given];
  }
  const [y, m, d] = e.dob;
  let dob = `${y}-${pad(m)}-${pad(d)}`;
  if (damaged && rng.chance(0.1))
    dob = rng.chance(0.5) && d <= 12 ? `${y}-${pad(d)}-${pad(m)}` : `${y}-${pad(m)}-${pad(Math.min(28, d + 1))}`;
  if (damaged && rng.chance(0.3)) dob = `${pad(m)}/${pad(d)}/${y}`;
  const [long, short] = STREET_TYPES[e.type]!;
  let street = `${e.number} ${cap(e.street)} ${damaged && rng.chance(0.5) ? short : long}`;
  if (damaged && rng.chance(0.1)) street = typo(rng, street);
  let email = e.email;
  if (damaged && rng.chance(0.2)) email = email.toUpperCase();
  if (damaged && rng.chance(0.05)) email = typo(rng, email);
  return {
    id,
    first_name: blank(0.05) ? '' : cap(given),
    last_name: blank(0.03) ? '' : cap(family),
    email: blank(0.2) ? '' : email,
    phone: blank(0.2) ? '' : phoneFormat(rng, e.phone),
    company: blank(0.2) ? '' : `${e.company}${damaged ? ` ${rng.pick(SUFFIXES)}` : ''}`.trim(),
    address: blank(0.1) ? '' : street,
    city: blank(0.1) ? '' : cap(e.city),
    zip: blank(0.1) ? '' : e.zip,
    dob: blank(0.15) ? '' : dob,
  };
}

/** Extra copies an entity gets, by weight: about 30 % of the records are duplicates of another. */
const DEFAULT_COPIES: Array<[number, number]> = [
  [0, 70],
  [1, 20],
  [2, 7],
  [3, 3],
];

/**
 * Copy weights for a share of records that are duplicates (0 to 0.5): entities with duplicates have 1-3 extra
 * copies in the default's proportions, and the share of such entities is set so that copies / records = `share`.
 */
export function copyWeights(share: number): Array<[number, number]> {
  if (!(share >= 0 && share <= 0.5)) throw new Error(`duplicate share must be between 0 and 0.5, not ${share}`);
  const [, ...dups] = DEFAULT_COPIES;
  const dupWeight = dups.reduce((t, [, w]) => t + w, 0);
  const meanExtra = dups.reduce((t, [c, w]) => t + c * w, 0) / dupWeight;
  const withDuplicates = share / (meanExtra * (1 - share));
  return [[0, 1 - withDuplicates], ...dups.map(([c, w]): [number, number] => [c, (withDuplicates * w) / dupWeight])];
}

export interface GenerateOptions {
  /** Share of the records that are duplicates of another (default: about 0.3, the scale benchmark's mix). */
  duplicateShare?: number;
}

/** `count` records; entity(i) says which records are the same person (for measuring the synthetic set too). */
export function generateContacts(
  count: number,
  seed = 42,
  options: GenerateOptions = {},
): { records: GeneratedContact[]; entityOf: Int32Array } {
  const records: GeneratedContact[] = [];
  const entityOf = new Int32Array(count);
  const rng = new Random(seed);
  // The same number of draws whatever the weights: a seed's entities stay the same at every share.
  const weights = options.duplicateShare === undefined ? DEFAULT_COPIES : copyWeights(options.duplicateShare);
  let k = 0;
  while (records.length < count) {
    const e = entity(rng, k);
    const copies = 1 + rng.weighted<number>(weights);
    for (let c = 0; c < copies && records.length < count; c++) {
      entityOf[records.length] = k;
      records.push(render(rng, e, `c${records.length}`, c > 0));
    }
    k++;
  }
  // Duplicates arrive at different times in a CRM: shuffle so that no rule can rely on neighbours.
  const order = rng.shuffle(records.map((_, i) => i));
  return { records: order.map((i) => records[i]!), entityOf: Int32Array.from(order.map((i) => entityOf[i]!)) };
}
