import { afterAll, afterEach, beforeEach } from 'vitest';
import type { ReadItem, SourceRecord } from '../../core/connectors/connector';
import { DynamicsConnector, type DynamicsConnectorOptions } from '../../core/connectors/dynamics';
import { HubSpotConnector, type HubSpotConnectorOptions } from '../../core/connectors/hubspot';
import { PipedriveConnector, type PipedriveConnectorOptions } from '../../core/connectors/pipedrive';
import { DynamicsEmulator, type DynamicsEmulatorOptions } from '../../sandbox/dynamics';
import { HubSpotEmulator, type HubSpotEmulatorOptions } from '../../sandbox/hubspot';
import { PipedriveEmulator, type PipedriveEmulatorOptions } from '../../sandbox/pipedrive';

/** What every vendor emulator in sandbox/ offers: listen on a free port (its URL back), and close. */
interface Emulator {
  start(port?: number): Promise<string>;
  stop(): Promise<void>;
}

/** When the emulators a file starts are stopped: after each test (the default), or after all of the file's tests. */
type StopHook = typeof afterEach | typeof afterAll;

/**
 * Registers an afterEach (or `stopAfter`) that stops every emulator started through the returned function, so a
 * failing test cannot leave a server listening. The function starts the emulator and returns its URL.
 */
export function stopEmulatorsAfterEach<E extends Emulator>(
  stopAfter: StopHook = afterEach,
): (emulator: E) => Promise<string> {
  const running: E[] = [];
  stopAfter(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });
  return (emulator) => {
    running.push(emulator);
    return emulator.start();
  };
}

/**
 * A fresh emulator for each test of the file: `use` receives it with its URL before the test. Returns the starter of
 * stopEmulatorsAfterEach, for a test that replaces its emulator with another (both are stopped after it).
 */
export function freshEmulatorEachTest<E extends Emulator>(create: () => E, use: (emulator: E, url: string) => void) {
  const start = stopEmulatorsAfterEach<E>();
  beforeEach(async () => {
    const emulator = create();
    use(emulator, await start(emulator));
  });
  return start;
}

/** Retries that keep the backoff short: the tests that provoke them should not wait out production delays. */
export const FAST_RETRIES = { minRetryDelayMs: 5, maxRetryDelayMs: 50 } as const;

/** The records a read yields, in order (cursor and progress items left out). */
export async function collectRecords(items: AsyncIterable<ReadItem>): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const item of items) if (item.type === 'record') out.push(item.record);
  return out;
}

/** Reads to the end and counts the items; a read that fails rejects with its error. */
export async function countItems(items: AsyncIterable<ReadItem>): Promise<number> {
  let n = 0;
  for await (const _ of items) n++;
  return n;
}

/**
 * A setup for a file's tests: each call starts an emulator (prepared by `prepare` before it listens) and opens a
 * connector on it; the emulators are stopped after each test (or after all, for one started in a beforeAll).
 */
function connectorSetup<E extends Emulator, C, EO, CO>(
  emulator: (options: EO) => E,
  connector: (basePath: string, options: CO, emulator: E) => C,
  stopAfter: StopHook,
) {
  const start = stopEmulatorsAfterEach<E>(stopAfter);
  return async (emulatorOptions = {} as EO, connectorOptions = {} as CO, prepare?: (emulator: E) => void) => {
    const started = emulator(emulatorOptions);
    prepare?.(started);
    const basePath = await start(started);
    return { emulator: started, connector: connector(basePath, connectorOptions, started), basePath };
  };
}

/** HubSpot emulators that accept the private app token `token`, and connectors that sign in with it. */
export function hubspotConnectorSetup(token: string, stopAfter: StopHook = afterEach) {
  return connectorSetup(
    (options: HubSpotEmulatorOptions) => new HubSpotEmulator({ tokens: [token], ...options }),
    (basePath, options: Partial<HubSpotConnectorOptions>) =>
      new HubSpotConnector({ accessToken: token, basePath, ...FAST_RETRIES, ...options }),
    stopAfter,
  );
}

/** Pipedrive emulators that accept the API token `token`, and connectors that sign in with it. */
export function pipedriveConnectorSetup(token: string, stopAfter: StopHook = afterEach) {
  return connectorSetup(
    (options: PipedriveEmulatorOptions) => new PipedriveEmulator({ tokens: [token], ...options }),
    (basePath, options: Partial<PipedriveConnectorOptions>) =>
      new PipedriveConnector({ apiToken: token, basePath, ...FAST_RETRIES, ...options }),
    stopAfter,
  );
}

let dynamicsTenant = 0;
const tenantOf = new WeakMap<DynamicsEmulator, string>();
/**
 * Dynamics emulators with one app registration each (a tenant of its own, so no two share a service protection
 * window), and connectors that sign in with it by client credentials against the emulator's identity endpoint.
 */
export function dynamicsConnectorSetup(stopAfter: StopHook = afterEach) {
  return connectorSetup(
    (options: DynamicsEmulatorOptions) => {
      const tenantId = `t${++dynamicsTenant}`;
      const emulator = new DynamicsEmulator({
        apps: [{ tenantId, clientId: 'app', clientSecret: 'app-secret-value' }],
        ...options,
      });
      tenantOf.set(emulator, tenantId);
      return emulator;
    },
    (url, options: Partial<DynamicsConnectorOptions>, emulator) =>
      new DynamicsConnector({
        url,
        credentials: {
          tenantId: tenantOf.get(emulator)!,
          clientId: 'app',
          clientSecret: 'app-secret-value',
          authorityUrl: url,
        },
        ...FAST_RETRIES,
        ...options,
      }),
    stopAfter,
  );
}
