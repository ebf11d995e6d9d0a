import { NodeOperationError, type IExecuteFunctions, type INode, type INodeExecutionData } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { generateContacts } from '../../bench/matching/generate-contacts';
import { executeAll, fieldsFromParameter } from '../../nodes/CrmBridge/actions/matching/deduplicate.operation';

const DEDUPE_NODE = { id: '1', name: 'Deduplicate', type: 'CUSTOM.crmBridge', typeVersion: 1 } as INode;

/** The parts of n8n's execute functions the operation uses. */
function node(items: Array<Record<string, unknown>>, parameters: Record<string, unknown>): IExecuteFunctions {
  return {
    getNode: () => DEDUPE_NODE,
    getInputData: () => items.map((json) => ({ json })) as INodeExecutionData[],
    getNodeParameter: (name: string, _item: number, fallback?: unknown) => parameters[name] ?? fallback,
  } as unknown as IExecuteFunctions;
}

const run = (items: Array<Record<string, unknown>>, parameters: Record<string, unknown>) =>
  executeAll.call(node(items, { idField: 'id', preset: 'auto', output: 'all', country: '', ...parameters }), {
    db: () => Promise.reject(new Error('unused')),
  });

describe('CRM Bridge Matching > Deduplicate', () => {
  it('compares the columns named in Fields, and tells each item whether the data was enough to merge on', async () => {
    const people = generateContacts(1500, 7001, { duplicateShare: 0.1 }).records.map((p) => ({
      id: ` ${p.id} `,
      Vorname: p.first_name,
      Nachname: p.last_name,
      EPost: p.email,
      Rufnummer: p.phone,
    }));
    const out = (
      await run(people, { fields: 'first_name=Vorname,last_name=Nachname,email=EPost,phone=Rufnummer' })
    ).map((o) => o.json);
    expect(out).toHaveLength(people.length);
    expect(new Set(out.map((o) => o._evidence))).toEqual(new Set(['sufficient']));
    expect(out.some((o) => o._decision === 'auto-merge')).toBe(true);
    // IDs written with spaces around them are still found (the matcher trims them).
    expect(out[0]!._cluster_id).toMatch(/^c\d+$/);
  });

  it('says on every item when the data gave too little evidence, and merges nothing', async () => {
    const strangers = generateContacts(1500, 7002, { duplicateShare: 0 }).records.map((p) => ({
      id: p.id,
      first_name: p.first_name,
      last_name: p.last_name,
      city: p.city,
    }));
    const out = (await run(strangers, {})).map((o) => o.json);
    expect(out.every((o) => o._evidence === 'insufficient' && typeof o._evidence_note === 'string')).toBe(true);
    expect(out.filter((o) => o._decision === 'auto-merge')).toEqual([]);
  });

  it('names each problem of the Fields parameter in one line', () => {
    expect(fieldsFromParameter('  ', DEDUPE_NODE)).toBeUndefined();
    expect(fieldsFromParameter('[{"name":"n","kind":"fullName","columns":["Name"]}]', DEDUPE_NODE)).toEqual([
      { name: 'n', kind: 'fullName', columns: ['Name'] },
    ]);
    expect(() => fieldsFromParameter('[{"name":', DEDUPE_NODE)).toThrow(/^The Fields parameter is not JSON: /);
    expect(() => fieldsFromParameter('vorname=Vorname', DEDUPE_NODE)).toThrow(
      'Fields: invalid input: "vorname" names no field',
    );
    // n8n shows a NodeOperationError with the node's name, not a bare Error.
    expect(() => fieldsFromParameter('vorname=Vorname', DEDUPE_NODE)).toThrow(NodeOperationError);
  });
});
