/**
 * Deterministic word lists for the example data. Person names must stay inside Windows-1252
 * (Person.csv is written in that encoding): é ü ñ ø ß ’ and friends are fine, ł or ő are not.
 * Phone numbers use ranges reserved for drama/fiction (Ofcom 020 7946 0xxx, 0161 496 0xxx, US 555-01xx).
 */
export type Country = 'GB' | 'DE' | 'FR' | 'US';

export const COUNTRY_WEIGHTS: ReadonlyArray<readonly [Country, number]> = [
  ['GB', 75],
  ['US', 10],
  ['DE', 8],
  ['FR', 7],
];

export const COUNTRY_NAMES: Record<Country, string> = {
  GB: 'United Kingdom',
  DE: 'Germany',
  FR: 'France',
  US: 'United States',
};

export const CURRENCY: Record<Country, string> = { GB: 'GBP', DE: 'EUR', FR: 'EUR', US: 'USD' };
export const CURRENCY_SYMBOL: Record<string, string> = { GBP: '£', EUR: '€', USD: '$' };

export interface City {
  name: string;
  country: Country;
  state: string;
  weight: number;
  /** GB outward codes; the inward part is random. */
  outward?: readonly string[];
  /** Numeric postcode range elsewhere. */
  zip?: readonly [number, number];
  /** Spaced international prefix; `#` is a random digit. */
  phone: string;
}

export const CITIES: readonly City[] = [
  { name: 'London', country: 'GB', state: 'Greater London', weight: 30, outward: ['EC1A', 'EC2A', 'EC3M', 'EC4M', 'SW1A', 'SW1P', 'SE1', 'N1', 'N7', 'E1', 'E14', 'W1D', 'W1T', 'WC1B', 'WC2H', 'NW1'], phone: '+44 20 7946 0###' },
  { name: 'Manchester', country: 'GB', state: 'Greater Manchester', weight: 8, outward: ['M1', 'M2', 'M3', 'M4', 'M15'], phone: '+44 161 496 0###' },
  { name: 'Birmingham', country: 'GB', state: 'West Midlands', weight: 7, outward: ['B1', 'B2', 'B3', 'B4', 'B5'], phone: '+44 121 496 0###' },
  { name: 'Leeds', country: 'GB', state: 'West Yorkshire', weight: 5, outward: ['LS1', 'LS2', 'LS6', 'LS11'], phone: '+44 113 496 0###' },
  { name: 'Sheffield', country: 'GB', state: 'South Yorkshire', weight: 3, outward: ['S1', 'S2', 'S3'], phone: '+44 114 496 0###' },
  { name: 'Nottingham', country: 'GB', state: 'Nottinghamshire', weight: 3, outward: ['NG1', 'NG2', 'NG7'], phone: '+44 115 496 0###' },
  { name: 'Leicester', country: 'GB', state: 'Leicestershire', weight: 2, outward: ['LE1', 'LE2'], phone: '+44 116 496 0###' },
  { name: 'Bristol', country: 'GB', state: '', weight: 5, outward: ['BS1', 'BS2', 'BS8'], phone: '+44 117 496 0###' },
  { name: 'Reading', country: 'GB', state: 'Berkshire', weight: 3, outward: ['RG1', 'RG2', 'RG30'], phone: '+44 118 496 0###' },
  { name: 'Edinburgh', country: 'GB', state: '', weight: 4, outward: ['EH1', 'EH2', 'EH3'], phone: '+44 131 496 0###' },
  { name: 'Glasgow', country: 'GB', state: '', weight: 4, outward: ['G1', 'G2', 'G3'], phone: '+44 141 496 0###' },
  { name: 'Liverpool', country: 'GB', state: 'Merseyside', weight: 3, outward: ['L1', 'L2', 'L3'], phone: '+44 151 496 0###' },
  { name: 'Cardiff', country: 'GB', state: '', weight: 3, outward: ['CF10', 'CF11'], phone: '+44 29 2018 0###' },
  { name: 'Belfast', country: 'GB', state: 'County Antrim', weight: 2, outward: ['BT1', 'BT2'], phone: '+44 28 9018 0###' },
  { name: 'Berlin', country: 'DE', state: 'Berlin', weight: 3, zip: [10115, 14199], phone: '+49 30 #### ####' },
  { name: 'München', country: 'DE', state: 'Bayern', weight: 2, zip: [80331, 81929], phone: '+49 89 #### ####' },
  { name: 'Hamburg', country: 'DE', state: 'Hamburg', weight: 2, zip: [20095, 22769], phone: '+49 40 #### ####' },
  { name: 'Köln', country: 'DE', state: 'Nordrhein-Westfalen', weight: 1, zip: [50667, 51149], phone: '+49 221 ### ####' },
  { name: 'Düsseldorf', country: 'DE', state: 'Nordrhein-Westfalen', weight: 1, zip: [40210, 40629], phone: '+49 211 ### ####' },
  { name: 'Stuttgart', country: 'DE', state: 'Baden-Württemberg', weight: 1, zip: [70173, 70619], phone: '+49 711 ### ####' },
  { name: 'Paris', country: 'FR', state: 'Île-de-France', weight: 3, zip: [75001, 75020], phone: '+33 1 ## ## ## ##' },
  { name: 'Lyon', country: 'FR', state: '', weight: 1, zip: [69001, 69009], phone: '+33 4 78 ## ## ##' },
  { name: 'Marseille', country: 'FR', state: '', weight: 1, zip: [13001, 13016], phone: '+33 4 91 ## ## ##' },
  { name: 'Toulouse', country: 'FR', state: '', weight: 1, zip: [31000, 31500], phone: '+33 5 61 ## ## ##' },
  { name: 'Lille', country: 'FR', state: '', weight: 1, zip: [59000, 59800], phone: '+33 3 20 ## ## ##' },
  { name: 'New York', country: 'US', state: 'NY', weight: 3, zip: [10001, 10282], phone: '+1 212 555 01##' },
  { name: 'Boston', country: 'US', state: 'MA', weight: 2, zip: [2108, 2222], phone: '+1 617 555 01##' },
  { name: 'Chicago', country: 'US', state: 'IL', weight: 2, zip: [60601, 60661], phone: '+1 312 555 01##' },
  { name: 'San Francisco', country: 'US', state: 'CA', weight: 1, zip: [94102, 94188], phone: '+1 415 555 01##' },
  { name: 'Austin', country: 'US', state: 'TX', weight: 1, zip: [78701, 78759], phone: '+1 512 555 01##' },
];

export const MOBILE: Record<Country, string> = {
  GB: '+44 7700 900###',
  DE: '+49 151 #### ####',
  FR: '+33 6 ## ## ## ##',
  US: '+1 646 555 01##',
};

export const STREETS: Record<Country, readonly string[]> = {
  GB: ['High Street', 'Station Road', 'Church Lane', 'Victoria Road', 'Mill Lane', 'King Street', 'Queen Street', 'Park Road', 'London Road', 'Market Place', 'Albion Street', 'Canal Wharf'],
  DE: ['Hauptstraße', 'Bahnhofstraße', 'Schillerstraße', 'Goethestraße', 'Friedrichstraße', 'Lindenallee', 'Am Markt'],
  FR: ['rue de la République', 'avenue Victor Hugo', 'boulevard Saint-Michel', 'rue du Général Leclerc', 'place de l’Église', 'rue Nationale'],
  US: ['Main Street', 'Broadway', 'Market Street', 'Fifth Avenue', 'Elm Street', 'Commerce Street'],
};

export const ADDRESS2: Record<Country, readonly string[]> = {
  GB: ['Floor 2', 'Suite 4', 'Unit 12', 'Kings House', 'The Old Mill', 'Riverside Park'],
  DE: ['Haus B', '3. OG', 'Hinterhaus'],
  FR: ['Bâtiment A', '2e étage', 'ZI Nord'],
  US: ['Suite 200', 'Floor 14', 'Building C'],
};

export const SURNAMES: Record<Country, readonly string[]> = {
  GB: ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Robinson', 'Wright', 'Thompson', 'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Wood', 'Jackson', 'Clarke', 'Patel', 'Khan', 'Hughes', 'Edwards', 'Turner', 'Cooper', 'Harrison', 'O’Brien', 'O’Neill', 'O’Connor', 'D’Souza', 'McDonald', 'Núñez', 'Sørensen', 'Muñoz'],
  DE: ['Müller', 'Schröder', 'Weiß', 'Günther', 'Köhler', 'Schäfer', 'Krüger', 'Groß', 'Strauß', 'Voß', 'Schmidt', 'Fischer', 'Wagner', 'Becker', 'Hoffmann', 'Koch', 'Richter', 'Neumann', 'Zimmermann', 'Braun', 'Jäger', 'Möller'],
  FR: ['Dupont', 'Lefèvre', 'Dubois', 'Moreau', 'Laurent', 'Girard', 'Bonnet', 'Mercier', 'Rousseau', 'Fournier', 'Lambert', 'Faure', 'André', 'Bérard', 'Côté', 'Garnier', 'Chevalier', 'D’Almeida'],
  US: ['Johnson', 'Miller', 'Davis', 'Garcia', 'Rodriguez', 'Martinez', 'Anderson', 'Taylor', 'Moore', 'Peña', 'Núñez', 'Ibáñez', 'O’Reilly', 'Nguyen', 'Kim', 'Larsen', 'Bjørnsen', 'Kowalski'],
};

export interface FirstNames {
  male: readonly string[];
  female: readonly string[];
}

export const FIRST_NAMES: Record<Country, FirstNames> = {
  GB: {
    male: ['William', 'James', 'Robert', 'Michael', 'Richard', 'Thomas', 'Christopher', 'Daniel', 'Anthony', 'Edward', 'Jonathan', 'Nicholas', 'Alexander', 'Oliver', 'Harry', 'Mohammed', 'Rajesh', 'Seán', 'David', 'Peter', 'Andrew', 'Stephen', 'Mark'],
    female: ['Elizabeth', 'Margaret', 'Katherine', 'Jennifer', 'Susan', 'Rebecca', 'Victoria', 'Patricia', 'Samantha', 'Deborah', 'Sarah', 'Emma', 'Olivia', 'Amelia', 'Priya', 'Aisha', 'Siobhán', 'Niamh', 'Zoë', 'Helen', 'Rachel', 'Claire', 'Lucy'],
  },
  DE: {
    male: ['Jürgen', 'Jörg', 'Günter', 'Björn', 'Uwe', 'Klaus', 'Stefan', 'Matthias', 'Andreas', 'Thomas', 'Michael', 'Lukas'],
    female: ['Sabine', 'Käthe', 'Anja', 'Ulrike', 'Birgit', 'Katrin', 'Monika', 'Petra', 'Anna', 'Jana'],
  },
  FR: {
    male: ['François', 'Benoît', 'Jérôme', 'Noël', 'Étienne', 'Pierre', 'Nicolas', 'Julien', 'Antoine', 'Frédéric', 'Rémi'],
    female: ['Renée', 'Hélène', 'Élodie', 'Céline', 'Gaëlle', 'Amélie', 'Chloé', 'Sophie', 'Camille', 'Léa', 'Anaïs'],
  },
  US: {
    male: ['William', 'Robert', 'James', 'Michael', 'Richard', 'Christopher', 'Daniel', 'Joseph', 'Matthew', 'José', 'Íñigo', 'Carlos', 'Kevin'],
    female: ['Elizabeth', 'Jennifer', 'Patricia', 'Katherine', 'Margaret', 'Susan', 'Ashley', 'Jessica', 'María', 'Begoña', 'Megan'],
  },
};

/** Formal first name -> the nicknames people also go by. */
export const NICKNAMES: Record<string, readonly string[]> = {
  William: ['Bill', 'Will'],
  Elizabeth: ['Liz', 'Beth'],
  Robert: ['Bob', 'Rob'],
  Margaret: ['Maggie', 'Peggy'],
  James: ['Jim', 'Jamie'],
  Katherine: ['Kate', 'Kathy'],
  Richard: ['Rich', 'Dick'],
  Jennifer: ['Jen', 'Jenny'],
  Michael: ['Mike'],
  Alexander: ['Alex'],
  Christopher: ['Chris'],
  Thomas: ['Tom'],
  Daniel: ['Dan'],
  Anthony: ['Tony'],
  Susan: ['Sue'],
  Rebecca: ['Becky'],
  Edward: ['Ted', 'Ed'],
  Victoria: ['Vicky'],
  Patricia: ['Pat', 'Trish'],
  Jonathan: ['Jon'],
  Samantha: ['Sam'],
  Nicholas: ['Nick'],
  Deborah: ['Debbie'],
  Joseph: ['Joe'],
  Matthew: ['Matt'],
  Andrew: ['Andy'],
  Stephen: ['Steve'],
  Peter: ['Pete'],
  David: ['Dave'],
};

export const FORMAL_NAME: Record<string, string> = Object.fromEntries(
  Object.entries(NICKNAMES).flatMap(([formal, nicks]) => nicks.map((n) => [n, formal] as const)),
);

export const SALUTATIONS: Record<Country, FirstNames> = {
  GB: { male: ['Mr', 'Mr', 'Mr', 'Dr'], female: ['Mrs', 'Ms', 'Ms', 'Miss', 'Dr'] },
  DE: { male: ['Herr', 'Herr', 'Dr.'], female: ['Frau', 'Frau', 'Dr.'] },
  FR: { male: ['M.'], female: ['Mme', 'Mme', 'Mlle'] },
  US: { male: ['Mr.', 'Mr.', 'Dr.'], female: ['Ms.', 'Mrs.', 'Dr.'] },
};

export const JOB_TITLES: Record<Country, readonly string[]> = {
  GB: ['Managing Director', 'Finance Director', 'Head of IT', 'Operations Manager', 'Office Manager', 'Procurement Manager', 'Sales Director', 'IT Manager', 'Marketing Manager', 'HR Manager', 'Accounts Payable Clerk', 'Facilities Manager', 'Company Secretary'],
  DE: ['Geschäftsführer', 'Leiter IT', 'Einkaufsleiter', 'Vertriebsleiterin', 'Buchhaltung'],
  FR: ['Directeur Général', 'Responsable Achats', 'Directrice Financière', 'Chef de Projet'],
  US: ['CEO', 'CFO', 'VP Sales', 'IT Director', 'Procurement Lead', 'Office Manager', 'Controller'],
};

export const DEPARTMENTS = ['Finance', 'IT', 'Operations', 'Sales', 'Marketing', 'HR', 'Procurement', 'Management'] as const;

export const COMPANY_WORDS = {
  GB_SURNAME: ['Harrison', 'Fletcher', 'Whitmore', 'Ashworth', 'Pemberton', 'Hargreaves', 'Blackwood', 'Kingsley', 'Thornton', 'Hollis', 'Crawford', 'Lambert', 'Marsh', 'O’Brien', 'Fairbairn', 'Goodwin'],
  GB_PLACE: ['Pennine', 'Thames', 'Mersey', 'Severn', 'Cotswold', 'Highland', 'Northern', 'Albion', 'Britannia', 'Chiltern', 'Mendip', 'Tyne', 'Clyde', 'Solent', 'Kestrel', 'Oakwood', 'Riverside', 'Meridian', 'Sterling', 'Phoenix', 'Summit', 'Apex', 'Beacon', 'Harbour', 'Castle', 'Abbey', 'Elm', 'Heron'],
  INDUSTRY: ['Engineering', 'Logistics', 'Consulting', 'Software', 'Systems', 'Solutions', 'Holdings', 'Services', 'Construction', 'Partners', 'Trading', 'Foods', 'Print', 'Digital', 'Analytics', 'Interiors', 'Electrical', 'Recruitment', 'Accountancy', 'Healthcare', 'Media', 'Motors', 'Packaging', 'Security', 'Training'],
  DE_WORD: ['Technik', 'Maschinenbau', 'Logistik', 'Software', 'Elektro', 'Bau', 'Handel', 'Beratung', 'Systeme', 'Druck'],
  FR_WORD: ['Ateliers', 'Boulangerie', 'Transports', 'Éditions', 'Conseil', 'Informatique', 'Imprimerie', 'Menuiserie'],
  US_WORD: ['Blue Ridge', 'Pacific', 'Lone Star', 'Liberty', 'Golden Gate', 'Great Lakes', 'Evergreen', 'Redwood', 'Hudson', 'Cascade', 'Summit', 'Keystone'],
};

export const GB_SUFFIX: ReadonlyArray<readonly [string, number]> = [
  ['Ltd', 55],
  ['Limited', 30],
  ['PLC', 5],
  ['LLP', 4],
  ['', 6],
];

export const TERRITORIES: Record<Country, readonly string[]> = {
  GB: ['UK North', 'UK South', 'UK Midlands', 'London', 'Scotland'],
  DE: ['EMEA', 'DACH'],
  FR: ['EMEA'],
  US: ['Americas'],
};

export const COMPANY_STATUS: ReadonlyArray<readonly [string, number]> = [
  ['Active', 75],
  ['Inactive', 15],
  ['On Hold', 5],
  ['Archived', 5],
];

export const SOURCES = ['Web', 'Referral', 'Trade Show', 'Cold Call', 'Partner', 'Advert', 'Mailshot'] as const;

export const PRODUCTS = [
  'Annual support renewal',
  'Cloud migration',
  'Hardware refresh',
  'User licences',
  'Consultancy days',
  'Managed print',
  'Training package',
  'Website rebuild',
  'Network upgrade',
  'Backup service',
  'CRM rollout',
  'Security audit',
] as const;

export const DEAL_NOTES = [
  'Budget approved for Q3',
  'Waiting on PO',
  'Competing with incumbent supplier',
  'Decision maker on leave until next month',
  'Price sensitive; discount requested',
  'Needs board sign-off',
] as const;

export const COMM_SUBJECTS: Record<string, readonly string[]> = {
  CALL: ['Follow-up call', 'Intro call', 'Chased invoice', 'Support query', 'Renewal reminder', 'Returned call'],
  EMAIL: ['Quote sent', 'Sent brochure', 'Proposal follow-up', 'Meeting confirmation', 'Re: pricing', 'Invoice query'],
  MEETING: ['Intro meeting', 'Quarterly review', 'Site visit', 'Demo', 'Contract review'],
  TASK: ['Send contract', 'Prepare quote', 'Update account details', 'Book site visit'],
  NOTE: ['Account note', 'Credit check', 'Letter sent', 'Change of address'],
};

export const COMM_NOTE_SENTENCES = [
  'Spoke to reception',
  'Left a voicemail',
  'Customer happy with the service',
  'Asked for revised pricing',
  'Will call back next week',
  'Sent over the brochure',
  'Wants a demo for the team',
  'Invoice disputed',
  'Contract renewal due in March',
] as const;

/** Embedded quotes: the CSV writes them doubled (""). */
export const COMM_QUOTES = ['"ASAP"', '"the usual"', '"too expensive"', '"call me after 3"'] as const;
