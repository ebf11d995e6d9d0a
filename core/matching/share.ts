/**
 * How the worker and the calling thread share the preparation of a run: who normalises which field, and who checks
 * the IDs for repeats. Costs were measured at 1,000,000 generated contacts on one core of the 2-core test machine
 * (2026-12-03), in ms; only their proportions matter.
 */
import type { FieldConfig, FieldKind } from './config';

/** Normalising one field of a million rows: reading and checking its cells, normalising each distinct raw text, deriving. */
const PREPARE_COST: Partial<Record<FieldKind, number>> = {
  address: 5800,
  email: 4700,
  companyName: 3800,
  fullName: 3500,
  text: 2800,
  phone: 2800,
  postcode: 1700,
  date: 1400,
  familyName: 1250,
  givenName: 700,
  city: 450,
};
const DEFAULT_PREPARE_COST = 1000;
/** Deriving words, tails and formal names again on the thread that did not prepare the field. */
const DERIVE_COST: Partial<Record<FieldKind, number>> = {
  address: 2100,
  companyName: 800,
  text: 800,
  fullName: 600,
  phone: 320,
  email: 220,
};
const DEFAULT_DERIVE_COST = 50;
/** Posting one column's cells to the worker and taking its prepared field back, on the calling thread. */
const SEND_COST = 1100;
/** Taking the rows out of the input, on the calling thread before anything is shared. */
const TAKE_COST = 1300;
/** Finding repeated IDs (a Map of a million IDs), and posting the IDs when the worker does it. */
const ID_CHECK_COST = 1300;
const ID_SEND_COST = 300;

/** 0: the calling thread, 1: the worker. */
export interface Share {
  fields: Array<0 | 1>;
  idChecks: 0 | 1;
}

/**
 * The costliest work first, each piece where the busier thread ends soonest. A field the worker prepares costs the
 * calling thread its sending and deriving it again afterwards.
 */
export function shareWork(fields: readonly Pick<FieldConfig, 'kind' | 'columns'>[]): Share {
  const jobs = [
    ...fields.map((f, k) => ({
      k,
      here: PREPARE_COST[f.kind] ?? DEFAULT_PREPARE_COST,
      sendCost: SEND_COST * f.columns.length,
      back: DERIVE_COST[f.kind] ?? DEFAULT_DERIVE_COST,
    })),
    { k: -1, here: ID_CHECK_COST, sendCost: ID_SEND_COST, back: 0 },
  ].sort((a, b) => b.here - a.here || a.k - b.k);
  const share: Share = { fields: fields.map(() => 0), idChecks: 0 };
  let mine = TAKE_COST;
  let theirs = 0;
  for (const job of jobs) {
    const here = Math.max(mine + job.here, theirs);
    const there = Math.max(mine + job.sendCost + job.back, theirs + job.here);
    const toWorker = there < here;
    if (toWorker) {
      mine += job.sendCost + job.back;
      theirs += job.here;
    } else mine += job.here;
    if (job.k < 0) share.idChecks = toWorker ? 1 : 0;
    else share.fields[job.k] = toWorker ? 1 : 0;
  }
  return share;
}
