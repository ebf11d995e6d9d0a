import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { batchedLines } from '../../cli/batched-lines';

describe("serve's batched log", () => {
  it('writes the lines of one turn in one write, in order, each ending in a newline', async () => {
    const writes: string[] = [];
    const log = batchedLines({ write: (text: string) => writes.push(text) });
    log('GET /healthz 200 1 ms');
    log('webhook hubspot: accepted 2, replayed 0\n');
    log('GET /v1/lookup/companies/1 404 2 ms');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual([
      'GET /healthz 200 1 ms\nwebhook hubspot: accepted 2, replayed 0\nGET /v1/lookup/companies/1 404 2 ms\n',
    ]);
    log('next turn');
    await nextTurn();
    expect(writes).toEqual([writes[0], 'next turn\n']);
  });
});
