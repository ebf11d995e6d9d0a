/**
 * The Sync editor's parameters and the job they stand for: `jobFromEditor` builds the job through the one job schema
 * (the CLI's and the MCP tools'), `editorFromJob` turns a job file into editor parameters, and the trip
 * job -> editor -> job gives the same job, on the worked example and on generated variations.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSyncJob, type SyncJobInput } from '../../core/sync/job';
import { editorFromJob } from '../../nodes/CrmBridge/actions/sync/editor/from-job';
import { formatMappingCell, parseMappingCell } from '../../nodes/CrmBridge/actions/sync/editor/mapping-cell';
import { jobFromEditor } from '../../nodes/CrmBridge/actions/sync/editor/to-job';
import { description } from '../../nodes/CrmBridge/actions/sync/run.operation';
import { CrmBridge } from '../../nodes/CrmBridge/CrmBridge.node';

const EXAMPLES = path.join(__dirname, '../../examples/sync');
const exampleJobs = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, JSON.parse(readFileSync(path.join(EXAMPLES, f), 'utf8')) as SyncJobInput] as const);
const LOANS = exampleJobs.find(([f]) => f === 'loans-to-pipedrive.json')![1];
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

describe('mapping cells', () => {
  it('read a source field, a template of fields, or a quoted constant, and write them back', () => {
    expect(parseMappingCell('Name')).toEqual({ from: 'Name' });
    expect(parseMappingCell(' {FirstName} {LastName} ')).toEqual({ template: '{FirstName} {LastName}' });
    expect(parseMappingCell('"Loans"')).toEqual({ value: 'Loans' });
    expect(parseMappingCell('"say \\"hi\\""')).toEqual({ value: 'say "hi"' });
    expect(() => parseMappingCell('"Loans')).toThrow('starts with a quote but is not one quoted constant');
    for (const source of [{ from: 'Amount__c' }, { template: '{A}-{B}' }, { value: '' }, { value: '"x", y' }])
      expect(parseMappingCell(formatMappingCell(source))).toEqual(source);
    expect(() => formatMappingCell({ from: 'a{b' })).toThrow('contains a brace');
    expect(() => formatMappingCell({ from: '=x' })).toThrow('starts with a quote, "=" or a space');
  });
});

describe('job -> editor -> job', () => {
  it.each(exampleJobs)('gives the same job for %s', (_file, job) => {
    const editor = editorFromJob(job);
    expect(jobFromEditor(clone(editor))).toEqual(parseSyncJob(job));
  });

  it('the worked example in editor parameters: streams, mapping cells, field options, value maps, filter, references', () => {
    const editor = editorFromJob(LOANS);
    expect(editor).toMatchObject({ jobName: 'loans-to-pipedrive', sourceCrm: 'salesforce', targetCrm: 'pipedrive' });
    const [borrowers, loans] = editor.editorStreams!.stream!;
    expect(borrowers).toMatchObject({
      name: 'borrowers',
      sourceObject: 'Contact',
      targetObject: 'persons',
      key: 'Salesforce ID',
      scope: 'referenced',
      mapping: { value: { name: '{FirstName} {LastName}', email: 'Email' } },
      fieldOptions: {
        field: [
          { field: 'name', transforms: ['trim'] },
          { field: 'email', transforms: ['email'] },
        ],
      },
    });
    expect(loans!.mapping!.value).toEqual({
      title: 'Name',
      value: 'Amount__c',
      status: 'Status__c',
      pipeline_id: '"Loans"',
      stage_id: 'Stage__c',
    });
    expect(loans!.fieldOptions!.field).toContainEqual({
      field: 'stage_id',
      transforms: ['map'],
      valueMap: 'loanStage',
      mapUnknown: 'error',
      mapCaseInsensitive: true,
    });
    expect(loans!.filter).toEqual({ condition: [{ field: 'Loan_Officer__c', op: 'eq', value: '0050000000000EXAAY' }] });
    expect(loans!.references).toEqual({
      reference: [{ from: 'Primary_Borrower__c', stream: 'borrowers', to: 'person_id', required: true }],
    });
    expect(editor.valueMaps!.map!.find((m) => m.name === 'loanStage')!.values!.pair).toContainEqual({
      from: 'Declined',
      to: '',
    });
    expect(editor.jobOptions).toMatchObject({ batchSize: 100, everySeconds: 60, direction: 'one-way' });
  });

  it('gives the same job for generated variations (seeded)', () => {
    let seed = 20261207;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)]!;
    const transforms = [
      'trim',
      'lowercase',
      'email',
      { type: 'phone', defaultCountry: 'GB' },
      'phone',
      { type: 'number', decimal: ',' },
      'integer',
      { type: 'date', order: 'DMY' },
      'datetime',
      'boolean',
      'domain',
      'url',
      { type: 'map', ref: 'loanStage', unknown: 'keep', caseInsensitive: false },
      { type: 'map', ref: 'loanStatus' },
    ];
    const strategies = ['lastWriteWins', 'sourcePriority', 'mostComplete', 'union'];
    for (let n = 0; n < 200; n++) {
      const job = clone(LOANS) as any;
      job.name = `variation-${n}`;
      job.direction = pick(['one-way', 'two-way']);
      job.batchSize = 1 + rand(2000);
      job.lookbackSeconds = rand(3601);
      job.maxAttempts = 1 + rand(100);
      if (rand(2)) delete job.schedule;
      if (rand(2)) job.transformDefaults = { phoneCountry: 'US', dateOrder: pick(['YMD', 'DMY', 'MDY']), decimal: '.' };
      if (rand(2)) job.rateBudgets = { pipedrive: { requests: 1 + rand(500), perMs: 1000 + rand(9000) } };
      job.valueMaps.extra = rand(2) ? {} : { a: 'b', c: null };
      for (const s of job.streams) {
        s.source.scope = pick(['all', 'referenced']);
        s.source.filter = Array.from({ length: rand(3) }, () => {
          const op = pick(['eq', 'ne', 'in', 'notIn', 'empty', 'notEmpty']);
          const value = ['in', 'notIn'].includes(op) ? ['x', 'y z'].slice(0, 1 + rand(2)) : `v${rand(9)}`;
          return {
            field: pick(['Name', 'Stage__c', 'Email']),
            op,
            ...(['empty', 'notEmpty'].includes(op) ? {} : { value }),
          };
        });
        for (const p of s.properties) {
          const seen = new Set<string>();
          p.transform = Array.from({ length: rand(3) }, () => pick(transforms)).filter((t: any) => {
            const type = typeof t === 'string' ? t : t.type;
            if (seen.has(type) || (type === 'map' && seen.has('map'))) return false;
            seen.add(type);
            return true;
          });
        }
        for (const r of s.references ?? []) r.required = rand(2) === 1;
        s.onDelete = pick(['nothing', 'delete', 'flag']);
        if (s.onDelete === 'flag') s.deleteFlag = { field: 'status', value: pick(['lost', null]) };
        if (rand(2)) s.maxDeleteShare = pick([0, 0.25, 1]);
      }
      if (rand(2)) {
        const fields = Object.fromEntries(
          job.streams[1].properties.filter(() => rand(2)).map((p: any) => [p.to, { strategy: pick(strategies) }]),
        );
        job.conflicts = {
          default: { strategy: pick(strategies) },
          sourcePriority: pick([[], ['source', 'target'], ['target', 'source']]),
          allowBlank: rand(2) === 1,
          fields,
        };
      }
      const parsed = parseSyncJob(job);
      expect(jobFromEditor(clone(editorFromJob(job))), `variation ${n}`).toEqual(parsed);
    }
  });
});

describe('editor parameters -> job', () => {
  const workflow = JSON.parse(
    readFileSync(path.join(__dirname, '../e2e/n8n/workflows/sync-editor-loans-to-pipedrive.json'), 'utf8'),
  );
  const parameters = () => clone(workflow.nodes.find((n: any) => n.name === 'Run Sync').parameters);

  it("the e2e workflow's editor parameters (as n8n saves them) are the worked example's job", () => {
    expect(jobFromEditor(parameters())).toEqual(parseSyncJob(LOANS));
  });

  it('names the stream and field of each problem', () => {
    const p = parameters();
    p.editorStreams.stream[1].fieldOptions.field[1].valueMap = 'loanStatuses';
    p.editorStreams.stream[1].filter.condition[0].op = 'in';
    p.editorStreams.stream[1].filter.condition[0].value = ' , ';
    p.editorStreams.stream[0].name = 'Borrowers';
    expect(() => jobFromEditor(p)).toThrow(
      'Invalid sync job (editor): stream "Borrowers" (name): use lower-case letters, digits, _ or - (e.g. loans-to-deals); ' +
        'stream "loans", filter on "Loan_Officer__c" (value): Too small: expected array to have >=1 items; ' +
        'stream "loans", reference from "Primary_Borrower__c" (stream): no stream named "borrowers" (have: Borrowers, loans); ' +
        'stream "loans", field "status" (transform[0].ref): value map "loanStatuses" is not defined in valueMaps',
    );
    const q = parameters();
    q.editorStreams.stream[1].fieldOptions.field.push({ field: 'currency', transforms: ['trim'] });
    expect(() => jobFromEditor(q)).toThrow(
      'stream "loans", field "currency": has field options but nothing is mapped to it',
    );
    const r = parameters();
    r.editorStreams.stream[1].fieldOptions.field[0].transforms = ['map'];
    expect(() => jobFromEditor(r)).toThrow('stream "loans", field "value": the "map" transform needs a value map');
    const s = parameters();
    s.editorStreams.stream[0].fieldOptions.field[0].conflictRule = 'union';
    s.editorStreams.stream[1].mapping.value.name = 'Name';
    s.editorStreams.stream[1].fieldOptions.field.push({ field: 'name', conflictRule: 'lastWriteWins' });
    expect(() => jobFromEditor(s)).toThrow(
      'stream "loans", field "name": conflict rule "lastWriteWins" differs from "union" in stream "borrowers" (a job has one rule per field)',
    );
    expect(() => jobFromEditor({ ...parameters(), sourceCrm: 'excel' })).toThrow(
      /^Invalid sync editor parameters: sourceCrm: /,
    );
  });

  it('refuses, naming the place, a job the editor cannot show', () => {
    const inline = clone(LOANS) as any;
    inline.streams[1].properties[2].transform = [{ type: 'map', values: { Draft: 'open' } }];
    expect(() => editorFromJob(inline)).toThrow(
      'stream "loans", field "status": a value map written inside the field (not in valueMaps), which the editor cannot show; keep this job in JSON (Advanced) mode',
    );
    const twice = clone(LOANS) as any;
    twice.streams[1].properties.push({ from: 'Rate__c', to: 'title' });
    expect(() => editorFromJob(twice)).toThrow('stream "loans", field "title": the field is mapped twice');
    const rule = clone(LOANS) as any;
    rule.conflicts = { default: { strategy: 'lastWriteWins', precisionMs: 1 } };
    expect(() => editorFromJob(rule)).toThrow('conflicts.default: the conflict rule');
  });
});

describe('the node', () => {
  it('starts new Sync nodes in the editor and keeps version 1 nodes on their JSON job', () => {
    const node = new CrmBridge().description;
    expect([node.version, node.defaultVersion]).toEqual([[1, 1.1], 1.1]);
    const sources = description.filter((p) => p.name === 'jobSource');
    expect(sources.map((p) => [p.displayOptions!.show!['@version'], p.default])).toEqual([
      [[1], 'json'],
      [[1.1], 'editor'],
    ]);
    expect(description.find((p) => p.name === 'job')!.displayOptions!.show!.jobSource).toEqual(['json']);
    const streams = description.find((p) => p.name === 'editorStreams')!;
    const values = (streams.options![0] as { values: Array<{ name: string; type: string; typeOptions?: any }> }).values;
    const mapping = values.find((v) => v.name === 'mapping')!;
    expect([mapping.type, mapping.typeOptions.resourceMapper.resourceMapperMethod]).toEqual([
      'resourceMapper',
      'getSyncFieldMapping',
    ]);
    expect(values.find((v) => v.name === 'sourceObject')!.typeOptions.loadOptionsMethod).toBe('getSyncSourceObjects');
  });
});
