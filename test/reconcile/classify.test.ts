import { describe, expect, it } from 'vitest';
import { parseMappingConfig } from '../../core/mapping/load-mapping';
import { ObjectMapper } from '../../core/mapping/object-mapper';
import { classifyLegacy, classifyOrphan, diffProperties, idMatchConfidence } from '../../core/reconcile/classify';

function mapper(overwriteWithBlank = false) {
  const { config } = parseMappingConfig({
    version: 1,
    defaults: { phoneCountry: 'GB' },
    objects: {
      companies: {
        legacy: { file: 'Company', idColumn: 'id' },
        target: { table: 'companies', legacyIdColumn: 'legacy_id' },
        identity: ['name'],
        overwriteWithBlank,
        properties: [
          { from: 'name', to: 'name', transform: ['trim'] },
          { from: 'phone', to: 'phone', transform: ['phone'] },
          { from: 'site', to: 'website', transform: ['url'] },
          { from: 'city', to: 'city', transform: ['trim'] },
        ],
      },
    },
  });
  return new ObjectMapper(config, 'companies');
}

const legacy = (m: ObjectMapper, row: Record<string, string | null>, id = 'L1') => {
  const { values, issues } = m.map(row);
  return { legacyId: id, source: 'Company.csv', line: 2, legacyProperties: row, mapped: values, issues };
};

describe('diffing one legacy record against its target', () => {
  it('lists only real differences, ignoring format, scheme and blanks in the export', () => {
    const m = mapper();
    const { values } = m.map({ name: ' Acme  Ltd', phone: '020 7946 0001', site: 'www.acme.co.uk', city: null });
    expect(
      diffProperties(m, values, {
        name: 'Acme Ltd',
        phone: '+44 20 7946 0001',
        website: 'http://www.acme.co.uk/',
        city: 'Leeds',
      }),
    ).toEqual({});
    expect(
      diffProperties(m, values, { name: 'ACME Ltd', phone: null, website: 'https://www.acme.com', city: 'Leeds' }),
    ).toEqual({
      name: 'Acme Ltd',
      phone: '+442079460001',
      website: 'https://www.acme.co.uk',
    });
  });

  it('clears a target value with a blank only when the mapping allows it', () => {
    const m = mapper(true);
    const { values } = m.map({ name: 'Acme', phone: null, site: null, city: '' });
    expect(diffProperties(m, values, { name: 'Acme', phone: '+442079460001', website: null, city: 'Leeds' })).toEqual({
      phone: null,
      city: null,
    });
  });

  it('leaves out a value that could not be converted and notes why', () => {
    const m = mapper();
    const row = classifyLegacy(m, legacy(m, { name: 'Acme', phone: 'n/a', site: null, city: 'York' }), [
      { id: '9', properties: { name: 'Acme', phone: '+442079460001', city: 'Leeds' } },
    ]);
    expect(row.propertiesToUpdate).toEqual({ city: 'York' });
    expect(row.notes).toEqual(['phone -> phone: not a phone number (default country GB): "n/a"']);
  });
});

describe('classifying legacy IDs', () => {
  it('scores an ID match by how well the identity properties agree', () => {
    expect(idMatchConfidence(null)).toBe(100);
    expect(idMatchConfidence(1)).toBe(100);
    expect(idMatchConfidence(0)).toBe(60);
    const m = mapper();
    const renamed = classifyLegacy(m, legacy(m, { name: 'Acme Ltd', phone: null, site: null, city: null }), [
      { id: '9', properties: { name: 'Zebra Logistics' } },
    ]);
    expect(renamed.status).toBe('matched');
    expect(renamed.matchConfidence).toBeLessThan(75);
    expect(renamed.notes[0]).toMatch(
      /^legacy ID matches, but name differs \(similarity 0\.\d\d\): "Acme Ltd" vs "Zebra Logistics"$/,
    );
  });

  it('ranks the target records of a conflict and decides nothing', () => {
    const m = mapper();
    const row = classifyLegacy(m, legacy(m, { name: 'Acme Ltd', phone: null, site: null, city: null }), [
      { id: '7', properties: { name: 'Other Co' } },
      { id: '8', properties: { name: 'ACME Ltd' } },
    ]);
    expect(row).toMatchObject({
      status: 'conflict',
      targetId: null,
      targetIds: ['8', '7'],
      matchConfidence: null,
      propertiesToUpdate: null,
    });
    expect(row.notes[0]).toBe(
      'legacy ID is on 2 target records: 8 (identity similarity 1.00), 7 (identity similarity 0.13)',
    );
  });

  it('describes new and orphan records', () => {
    const m = mapper();
    expect(classifyLegacy(m, legacy(m, { name: 'New Co', phone: '', site: 'newco.io', city: null }), [])).toMatchObject(
      {
        status: 'new',
        targetIds: [],
        propertiesToUpdate: { name: 'New Co', website: 'https://newco.io' },
      },
    );
    expect(classifyOrphan('X1', ['5', '3'])).toMatchObject({
      status: 'orphan',
      legacyId: 'X1',
      targetId: null,
      targetIds: ['3', '5'],
      notes: ['legacy ID is on 2 target records but not in the export'],
    });
  });
});
