/** Rates of the injected mess (per legacy record unless noted), and the window of the first sync. */
import { dayOf } from './formats';
import { type ExampleObject } from './objects';

export const P_NEW = 0.085;
/** Companies and contacts only: no mirror record carries the legacy ID, but one without it is the same entity. */
export const P_FUZZY = 0.04;
export const FUZZY_OBJECTS: ReadonlySet<ExampleObject> = new Set(['companies', 'contacts']);
export const P_CONFLICT = 0.012;
export const P_CONFLICT_THREE = 0.2;
export const P_ORPHAN = 0.03;
export const P_ORPHAN_TWICE = 0.12;
export const P_UNLINKED = 0.05;
export const P_DUPLICATE_COMPANY = 0.02;
export const P_DRIFT = 0.15;
export const P_LEGACY_FORMAT = 0.15; // per field
export const P_MIRROR_FORMAT = 0.1; // per field
export const P_LEGACY_BLANK = 0.07;
export const P_FIELD_ISSUE = 0.005;
export const P_MOJIBAKE = 0.12; // of matched companies whose name has non-ASCII letters
export const DUPLICATE_DELAY = 3;
/** Days within which the mirror records were created (the first sync to HubSpot). */
export const SYNC_FROM = dayOf('2021-01-04');
export const SYNC_TO = dayOf('2023-12-29');
