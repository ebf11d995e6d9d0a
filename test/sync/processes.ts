import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../helpers/example-data';
import { type Sandbox } from './fixtures';

const BIN = path.join(ROOT, 'dist', 'cli', 'index.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `crm-bridge sync` as its own process. `kill` sends it SIGKILL (kill -9): after a time, or once a condition
 * holds (checked every few ms), e.g. after the target has answered some number of requests, so the kill lands at a
 * chosen point of the work however fast or loaded the machine is.
 */
export function syncProcess(
  box: Sandbox,
  dbUrl: string,
  jobFile: string,
  kill?: number | (() => boolean),
  extra: string[] = [],
): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'sync', '--job', jobFile, '--json', ...extra], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: dbUrl,
        ...box.environment,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer =
      kill === undefined
        ? null
        : typeof kill === 'number'
          ? setTimeout(() => child.kill('SIGKILL'), kill)
          : setInterval(() => {
              if (kill()) child.kill('SIGKILL');
            }, 3);
    child.on('exit', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export const sfKey = (box: Sandbox, object: 'persons' | 'deals') => box.pd.store.customKey(object, 'Salesforce ID');

/** Record-by-record agreement of the in-scope loans and their borrowers with Pipedrive; returns what differs. */
export function disagreements(box: Sandbox, refused: Set<string>): string[] {
  const problems: string[] = [];
  const dealKey = sfKey(box, 'deals');
  const personKey = sfKey(box, 'persons');
  const dealsBySf = new Map<string, Array<Record<string, unknown>>>();
  for (const d of box.pd.store.all('deals'))
    dealsBySf.set(String(d.custom_fields[dealKey]), [...(dealsBySf.get(String(d.custom_fields[dealKey])) ?? []), d]);
  const personsBySf = new Map<string, Array<Record<string, unknown>>>();
  for (const p of box.pd.store.all('persons'))
    personsBySf.set(String(p.custom_fields[personKey]), [
      ...(personsBySf.get(String(p.custom_fields[personKey])) ?? []),
      p,
    ]);
  for (const [sfId, list] of [...dealsBySf, ...personsBySf])
    if (list.length > 1) problems.push(`${sfId}: ${list.length} copies in Pipedrive`);
  const status: Record<string, string> = { Draft: 'open', Approved: 'open', Disbursed: 'won', Repaid: 'won' };
  for (const loan of box.sf.store.all('Loan__c')) {
    const deal = dealsBySf.get(loan.Id)?.[0];
    const inScope = loan.Loan_Officer__c === box.officerId;
    if (!inScope) {
      if (deal) problems.push(`${loan.Id}: out of scope but in Pipedrive`);
      continue;
    }
    if (refused.has(loan.Id)) {
      if (deal) problems.push(`${loan.Id}: refused by the target but present`);
      continue;
    }
    if (!deal) {
      problems.push(`${loan.Id}: missing in Pipedrive`);
      continue;
    }
    if (deal.title !== loan.Name) problems.push(`${loan.Id}: title ${String(deal.title)} != ${String(loan.Name)}`);
    if (Number(deal.value) !== Number(loan.Amount__c))
      problems.push(`${loan.Id}: value ${String(deal.value)} != ${String(loan.Amount__c)}`);
    if (deal.status !== status[String(loan.Status__c)])
      problems.push(`${loan.Id}: status ${String(deal.status)} != ${status[String(loan.Status__c)]}`);
    const person = personsBySf.get(String(loan.Primary_Borrower__c))?.[0];
    if (!person) problems.push(`${loan.Id}: borrower ${String(loan.Primary_Borrower__c)} missing`);
    else {
      if (deal.person_id !== person.id)
        problems.push(`${loan.Id}: person_id ${String(deal.person_id)} != ${String(person.id)}`);
      const contact = box.sf.store.get('Contact', String(loan.Primary_Borrower__c))!;
      if (person.name !== `${String(contact.FirstName)} ${String(contact.LastName)}`)
        problems.push(`${contact.Id}: name ${String(person.name)}`);
    }
  }
  return problems;
}
