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

const records = (items: ReadItem[]) =>
  items.flatMap((i) =>
    i.type === 'record' ? [{ id: i.record.id, line: i.record.origin?.line, ...i.record.properties }] : [],
  );
const rejections = (items: ReadItem[]) =>
  items.flatMap((i) => (i.type === 'rejected' ? [{ line: i.rejection.line, reason: i.rejection.reason }] : []));

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
    const f = file(
      iconv.encode('Pers_PersonId;Pers_LastName;Addr_City\r\n7;O’Brien;Zürich\r\n8;Muñoz;"Paris; 5e"\r\n', 'win1252'),
    );
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
      {
        line: 3,
        reason:
          'the quote opening field 2 (name) on line 3 is never closed (the file ends inside it): line 3 set aside, reading resumed at line 4, the next line that reads as a record of 2 fields',
      },
    ]);
  });

  it('resumes after a quote that never closes where it should, saying which lines were set aside', async () => {
    // Line 3 opens a quote; line 4 is the rest of its broken value; line 5 is a record again, and its own quoted
    // value with a line break (lines 5-6) is kept.
    const f = file(
      'id,name,city\n1,Acme,Leeds\n2,"Globex, Ltd,York\nhalf, a "line\n3,"Initech\nLtd",Hull\n4,Hooli,Bath\n',
    );
    const items = await collect(f, { idColumn: 'id' });
    expect(records(items)).toEqual([
      { id: '1', line: 2, name: 'Acme', city: 'Leeds' },
      { id: '3', line: 5, name: 'Initech\nLtd', city: 'Hull' },
      { id: '4', line: 7, name: 'Hooli', city: 'Bath' },
    ]);
    expect(rejections(items)).toEqual([
      {
        line: 3,
        reason:
          "the quote opening field 2 (name) on line 3 is closed only on line 4, by a quote followed by 'line' rather than a delimiter: lines 3-4 (2 lines) set aside, reading resumed at line 5, the next line that reads as a record of 3 fields",
      },
      {
        line: 4,
        reason:
          'expected 3 fields, found 2 (missing fields); set aside after the broken quote on line 3, of whose record it may be the rest',
      },
    ]);
    const [first] = items.filter((i) => i.type === 'rejected');
    expect(first).toMatchObject({ rejection: { recordId: '2', field: 'name', raw: '2,"Globex, Ltd,York' } });
  });

  it('keeps a quoted value over several lines whole when the record it makes only has the wrong number of fields', async () => {
    const f = file('id,name,city\n1,"Globex, Ltd\nhalf a line"\n2,Hooli,Bath\n');
    const items = await collect(f, { idColumn: 'id' });
    expect(records(items)).toEqual([{ id: '2', line: 4, name: 'Hooli', city: 'Bath' }]);
    expect(rejections(items)).toEqual([{ line: 2, reason: 'expected 3 fields, found 2 (missing fields)' }]);
    expect(items[0]).toMatchObject({
      type: 'rejected',
      rejection: { recordId: '1', raw: '1,"Globex, Ltd\nhalf a line"' },
    });
  });

  it('reads lines longer than a read chunk, and a CRLF split between two chunks as one line break', async () => {
    const head = 'id,note\r\n1,';
    // The file is read in 64 KiB chunks: the CR of line 2 is the last byte of the first chunk, its LF the first of the next.
    const first = `${head}${'a'.repeat(65_536 - head.length - 1)}\r\n`;
    const long = 'b'.repeat(200_000);
    const items = await collect(file(`${first}2,${long}\r\n3,c\r\n`), { idColumn: 'id' });
    expect(records(items).map((r) => [r.id, r.line, String((r as Record<string, unknown>).note).length])).toEqual([
      ['1', 2, 65_536 - head.length - 1],
      ['2', 3, 200_000],
      ['3', 4, 1],
    ]);
    expect(rejections(items)).toEqual([]);
  });

  it('ends lines at CR, LF or CRLF however they are mixed, keeping line breaks inside quoted values', async () => {
    const f = file('id,note\r\n1,a\n2,"x\ry"\r3,b\r\n4,c');
    expect(records(await collect(f, { idColumn: 'id' }))).toEqual([
      { id: '1', line: 2, note: 'a' },
      { id: '2', line: 3, note: 'x\ry' },
      { id: '3', line: 5, note: 'b' },
      { id: '4', line: 6, note: 'c' },
    ]);
  });

  it('sets aside a row with a NUL byte or undecodable bytes, naming the field, and keeps rows with other control characters', async () => {
    // More than the 64 KiB the encoding is sniffed from, so the bad byte comes after the file was judged UTF-8.
    const filler = Array.from({ length: 2000 }, (_, i) => `${i + 10},${'x'.repeat(40)}\n`).join('');
    const bytes = Buffer.concat([
      Buffer.from(`id,name\n1,bell\u0007 and escape\u001b\n2,nul\u0000here\n${filler}`),
      Buffer.from('3,caf'),
      Buffer.from([0xe9]),
      Buffer.from('\n4,ok\n'),
    ]);
    const items = await collect(file(bytes), { idColumn: 'id' });
    expect(records(items).filter((r) => Number(r.id) < 10)).toEqual([
      { id: '1', line: 2, name: 'bell\u0007 and escape\u001b' },
      { id: '4', line: 2005, name: 'ok' },
    ]);
    expect(items.filter((i) => i.type === 'rejected').map((i) => i.type === 'rejected' && i.rejection)).toEqual([
      {
        source: expect.any(String),
        line: 3,
        recordId: '2',
        field: 'name',
        reason: 'field 2 (name) contains a NUL byte, which a text column cannot hold',
        raw: '2,nul\u2400here',
      },
      {
        source: expect.any(String),
        line: 2004,
        recordId: '3',
        field: 'name',
        reason: 'field 2 (name) contains bytes that are not valid UTF-8 (read as \uFFFD)',
        raw: '3,caf\uFFFD',
      },
    ]);
  });

  it('refuses a header whose column names hold a NUL byte, since no row could be stored under them', async () => {
    await expect(collect(file('id,na\u0000me\n1,a\n'), { idColumn: 'id' })).rejects.toThrow(
      /the name of column 2 in the header row has a NUL byte or undecodable bytes \(na\u2400me\)/,
    );
  });

  it('calls a first row of names without the ID column a header that lacks it', async () => {
    await expect(collect(file('Id,Name\n1,a\n'), { idColumn: 'Comp_CompanyId' })).rejects.toThrow(
      /lacks column Comp_CompanyId \(header has: Id, Name\)/,
    );
  });

  it('needs column names for a file without a header row, and uses them when given', async () => {
    const f = file('1,Acme,London\n2,Globex,Leeds\n');
    await expect(collect(f, { idColumn: 'Comp_CompanyId', requiredColumns: ['Comp_Name'] })).rejects.toThrow(
      /has no header row/,
    );
    const items = await collect(f, {
      idColumn: 'Comp_CompanyId',
      columns: ['Comp_CompanyId', 'Comp_Name', 'Addr_City'],
    });
    expect(records(items)).toEqual([
      { id: '1', line: 1, Comp_CompanyId: '1', Comp_Name: 'Acme', Addr_City: 'London' },
      { id: '2', line: 2, Comp_CompanyId: '2', Comp_Name: 'Globex', Addr_City: 'Leeds' },
    ]);
  });

  it('names missing columns and refuses empty files', async () => {
    await expect(
      collect(file('Comp_CompanyId,Name\n1,a\n'), {
        idColumn: 'Comp_CompanyId',
        requiredColumns: ['Comp_Name', 'Comp_Type'],
      }),
    ).rejects.toThrow(/lacks columns Comp_Name, Comp_Type/);
    await expect(collect(file(''), { idColumn: 'id' })).rejects.toThrow(/is empty/);
  });

  it('reads only rows modified after a time when asked', async () => {
    const f = file('id,modified\n1,2024-01-01T00:00:00Z\n2,2024-03-01T00:00:00Z\n');
    const items = await collect(f, { idColumn: 'id', modifiedColumn: 'modified', since: '2024-02-01T00:00:00Z' });
    expect(records(items).map((r) => r.id)).toEqual(['2']);
  });

  it('finds table files in an export folder whatever their case, and describes their columns', async () => {
    const folder = mkdtempSync(path.join(dir, 'export-'));
    writeFileSync(
      path.join(folder, 'COMPANY.CSV'),
      'Comp_CompanyId,Comp_Employees,Comp_Created\n1,10,14/03/2019\n2,,01/01/2020\n',
    );
    const connector = new CsvExportConnector(folder, {
      companies: { file: 'Company', idColumn: 'Comp_CompanyId' },
      deals: { file: 'Opportunity', idColumn: 'Oppo_OpportunityId' },
    });
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
