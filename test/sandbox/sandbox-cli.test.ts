import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

describe('crm-bridge sandbox on a port another process holds', () => {
  it('exits 2 (usage) naming the port and the option that moves it, in text and in --json', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const cli = (...args: string[]) =>
        runCli(
          {},
          ...args,
          'sandbox',
          '--salesforce-port',
          '0',
          '--hubspot-port',
          String(port),
          '--pipedrive-port',
          '0',
        );
      const json = await cli('--json');
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toEqual({
        ok: false,
        error: { kind: 'usage', message: expect.stringContaining(`port ${port} is in use`) },
      });
      expect(JSON.parse(json.stdout).error.message).toContain('--hubspot-port');
      const text = await cli();
      expect(text.code).toBe(2);
      expect(text.stderr).toMatch(new RegExp(`port ${port} is in use .*--hubspot-port <port>`));
    } finally {
      holder.close();
    }
  }, 60_000);

  it('refuses a port that is not one before any emulator starts: exit 2 (usage) naming the option', async () => {
    const refused = await runCli({}, '--json', 'sandbox', '--salesforce-port', '0', '--dynamics-port', 'abc');
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout)).toEqual({
      ok: false,
      error: { kind: 'usage', message: '--dynamics-port must be a port number, not "abc"' },
    });
  }, 60_000);
});
