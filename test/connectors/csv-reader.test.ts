import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import type { ReadItem } from '../../core/connectors/connector';
import { CsvExportConnector } from '../../core/connectors/csv/csv-export';
import { inspectCsv, readCsv, type CsvReadOptions } from '../../core/connectors/csv/csv-reader';
import { detectDelimiter } from '../../core/connectors/csv/sniff';

const dir = mkdtempSync(path.join(os.tmpdir(), 'csv-reader-'));
let n = 0;
function file(content: string | Buffer): string {
  const f = path.join(dir, `f${n++}.csv`);
  writeFileSync(f, content);
  return f;
}

async function collect(f: string, options: CsvReadOptions): Promise<ReadItem[]> {
  const items: ReadItem[] = [];
  for await (const item of readCsv(f, options)) items.push(item);
  return items;
}

const records = (items: ReadItem[]) => items.flatMap((i) => (i.type === 'record' ? [{ id: i.record.id, line: i.record.origin?.line, ...i.record.properties }] : []));
const rejections = (items: ReadItem[]) => items.flatMap((i) => (i.type === 'rejected' ? [{ line: i.rejection.line, reason: i.rejection.reason }] : []));

describe('CSV export reader', () => {
  it('reads UTF-8 with a BOM, CRLF and quoted line breaks, with physical line numbers', async () => {
    const f = file('\uFEFFId,Name,Note\r\n1,Zoë,"two\r\nlines"\r\n2,"Say ""hi""",\r\n\r\n3,Ana,x\r\n');
    const items = await collect(f, { idColumn: 'Id' });
    expect(records(items)).toEqual([
      { id: '1', line: 2, Id: '1', Name: 'Zoë', Note: 'two\r\nlines' },
      { id: '2', line: 4, Id: '2', Name: 'Say "hi"', Note: null },
      { id: '3', line: 6, Id: '3', Name: 'Ana', Note: 'x' },
    ]);
    expect(rejections(items)).toEqual([]);
  });

  it('detects Windows-1252 and a semicolon delimiter', async () => {
    const f = file(iconv.encode('Pers_PersonId;Pers_LastName;Addr_City\r\n7;O’Brien;Zürich\r\n8;Muñoz;"Paris; 5e"\r\n', 'win1252'));
    const layout = await inspectCsv(f, { idColumn: 'Pers_PersonId' });
    expect(layout).toMatchObject({ encoding: 'windows1252', delimiter: ';', hasHeaderRow: true, bom: false });
    expect(records(await collect(f, { idColumn: 'Pers_PersonId' }))).toEqual([
      { id: '7', line: 2, Pers_PersonId: '7', Pers_LastName: 'O’Brien', Addr_City: 'Zürich' },
      { id: '8', line: 3, Pers_PersonId: '8', Pers_LastName: 'Muñoz', Addr_City: 'Paris; 5e' },
    ]);
  });

  it('detects tabs, and prefers the delimiter that splits every line alike', () => {
    expect(detectDelimiter('a\tb\tc\n1\t2,5\t3\n')).toBe('\t');
    expect(detectDelimiter('id;name;amount\n1;Acme, Inc;1,5\n2;B;2\n')).toBe(';');
    expect(detectDelimiter('id,name\n1,"a;b;c"\n')).toBe(',');
  });

  it('quarantines rows with the wrong number of fields, no ID, or a repeated ID', async () => {
    const f = file('id,name,city\n1,a,x\n2,b\n3,c,x,extra\n,d,y\n1,e,z\n4,f,w\n');
    const items = await collect(f, { idColumn: 'id' });
    expect(records(items).map((r) => r.id)).toEqual(['1', '4']);
    expect(rejections(items)).toEqual([
      { line: 3, reason: 'expected 3 fields, found 2 (missing fields)' },
      { line: 4, reason: 'expected 3 fields, found 4 (an extra delimiter or unquoted value)' },
      { line: 5, reason: 'missing id' },
      { line: 6, reason: 'duplicate id 1: first seen on line 2' },
    ]);
  });

  it('keeps stray quotes inside fields, and sets aside only the line of a quote that never closes', async () => {
    const f = file('id,name\n1,5" pipe\n2,"open\n3,never closed\n');
    const items = await collect(f, { idColumn: 'id' });
    expect(records(items)).toEqual([
      { id: '1', line: 2, name: '5" pipe' },
      { id: '3', line: 4, name: 'never closed' },
    ]);
    expect(rejections(items)).toEqual([
      { line: 3, reason: 'the quote opening field 2 (name) on line 3 is never closed (the file ends inside it): line 3 set aside, reading resumed at line 4, the next line that reads as a record of 2 fields' },
    ]);
  });

  it('needs column names for a file without a header row, and uses them when given', async () => {
    const f = file('1,Acme,London\n2,Globex,Leeds\n');
    await expect(collect(f, { idColumn: 'Comp_CompanyId', requiredColumns: ['Comp_Name'] })).rejects.toThrow(/has no header row/);
    const items = await collect(f, { idColumn: 'Comp_CompanyId', columns: ['Comp_CompanyId', 'Comp_Name', 'Addr_City'] });
    expect(records(items)).toEqual([
      { id: '1', line: 1, Comp_CompanyId: '1', Comp_Name: 'Acme', Addr_City: 'London' },
      { id: '2', line: 2, Comp_CompanyId: '2', Comp_Name: 'Globex', Addr_City: 'Leeds' },
    ]);
  });

  it('names missing columns and refuses empty files', async () => {
    await expect(collect(file('Comp_CompanyId,Name\n1,a\n'), { idColumn: 'Comp_CompanyId', requiredColumns: ['Comp_Name', 'Comp_Type'] })).rejects.toThrow(
      /lacks columns Comp_Name, Comp_Type/,
    );
    await expect(collect(file(''), { idColumn: 'id' })).rejects.toThrow(/is empty/);
  });

  it('reads only rows modified after a time when asked', async () => {
    const f = file('id,modified\n1,2024-01-01T00:00:00Z\n2,2024-03-01T00:00:00Z\n');
    const items = await collect(f, { idColumn: 'id', modifiedColumn: 'modified', since: '2024-02-01T00:00:00Z' });
    expect(records(items).map((r) => r.id)).toEqual(['2']);
  });

  it('finds table files in an export folder whatever their case, and describes their columns', async () => {
    const folder = mkdtempSync(path.join(dir, 'export-'));
    writeFileSync(path.join(folder, 'COMPANY.CSV'), 'Comp_CompanyId,Comp_Employees,Comp_Created\n1,10,14/03/2019\n2,,01/01/2020\n');
    const connector = new CsvExportConnector(folder, { companies: { file: 'Company', idColumn: 'Comp_CompanyId' }, deals: { file: 'Opportunity', idColumn: 'Oppo_OpportunityId' } });
    expect(await connector.listObjects()).toEqual(['companies']);
    expect(await connector.checkConnection()).toEqual({ ok: true, message: 'found COMPANY.CSV; missing deals' });
    const schema = await connector.describe('companies');
    expect(schema.fields.map((f) => [f.name, f.type])).toEqual([
      ['Comp_CompanyId', 'integer'],
      ['Comp_Employees', 'integer'],
      ['Comp_Created', 'date'],
    ]);
    expect(() => connector.fileOf('deals')).toThrow(`No Opportunity.csv in ${folder} (object "deals")`);
  });
});
