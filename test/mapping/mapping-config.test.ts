import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInMapping, loadMappingFile, parseMappingConfig } from '../../core/mapping/load-mapping';

const valid = () => JSON.parse(JSON.stringify(builtInMapping().config));

describe('mapping config', () => {
  it('ships a default legacy -> HubSpot mapping of the four objects', () => {
    const { config } = builtInMapping();
    const sizes = Object.fromEntries(Object.entries(config.objects).map(([o, s]) => [o, s.properties.length]));
    expect(sizes).toEqual({ companies: 20, contacts: 17, deals: 16, engagements: 11 });
    expect(config.objects.deals!.properties.find((p) => p.to === 'dealstage')!.transform[0]).toMatchObject({
      type: 'map',
    });
  });

  it('names the path of a bad transform', () => {
    const bad = valid();
    bad.objects.companies.properties[3].transform = [{ type: 'phone', defaultCountry: 'United Kingdom' }];
    expect(() => parseMappingConfig(bad, 'test.json')).toThrow(/objects\.companies\.properties\[3\]\.transform\[0\]/);
  });

  it('names an unknown transform and lists the known ones', () => {
    const bad = valid();
    bad.objects.deals.properties[2].transform = ['nubmer'];
    expect(() => parseMappingConfig(bad)).toThrow(
      /objects\.deals\.properties\[2\]\.transform\[0\]: unknown transform "nubmer" \(known: trim, .*, map\)/,
    );
  });

  it('names a target property mapped twice and an identity property that is not mapped', () => {
    const bad = valid();
    bad.objects.contacts.properties[1].to = 'salutation';
    bad.objects.contacts.identity = ['firstname', 'nickname'];
    let message = '';
    try {
      parseMappingConfig(bad, 'test.json');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(
      'objects.contacts.properties[1].to: target property "salutation" is already mapped by properties[0]',
    );
    expect(message).toContain('objects.contacts.identity[0]: "firstname" is not a mapped target property');
    expect(message).toContain('objects.contacts.identity[1]: "nickname" is not a mapped target property');
  });

  it('rejects an unknown value map reference and a bad object name', () => {
    const bad = valid();
    bad.objects.deals.properties[11].transform = [{ type: 'map', ref: 'users' }];
    expect(() => parseMappingConfig(bad)).toThrow(
      /objects\.deals\.properties\[11\]\.transform\[0\]\.ref: value map "users" is not defined/,
    );
    const badName = valid();
    badName.objects['Bad Name'] = badName.objects.deals;
    expect(() => parseMappingConfig(badName)).toThrow(
      'objects.Bad Name: "Bad Name": object names are lower-case letters',
    );
  });

  it('reports unreadable and non-JSON files with their path', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mapping-'));
    const file = path.join(dir, 'm.json');
    writeFileSync(file, '{ "version": 1, ');
    expect(() => loadMappingFile(file)).toThrow(`Mapping config ${file} is not valid JSON (line 1, column 17)`);
    // A missing file is the user's input (exit 3), named by its path, not Node's raw ENOENT.
    expect(() => loadMappingFile(path.join(dir, 'missing.json'))).toThrow(
      expect.objectContaining({ name: 'InputError', message: `file not found: ${path.join(dir, 'missing.json')}` }),
    );
  });
});
