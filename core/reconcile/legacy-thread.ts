import type { MessagePort } from 'node:worker_threads';
import type { MappingConfig } from '../mapping/mapping-config';
import { ObjectMapper } from '../mapping/object-mapper';
import { legacyConnector, mapLegacy, type ReaderMessage } from './legacy-batches';

/**
 * The reader thread: reads and maps the export and posts it batch by batch, at most `readAhead` batches ahead of what
 * the run has taken (each 'more' from the run is one batch taken).
 */
export function start(data: {
  port: MessagePort;
  legacyPath: string;
  object: string;
  mapping: MappingConfig;
  size: number;
  readAhead: number;
}): void {
  const { port } = data;
  let credit = data.readAhead;
  let wake: (() => void) | undefined;
  port.on('message', () => {
    credit++;
    wake?.();
  });
  const post = (m: ReaderMessage) => port.postMessage(m);
  void (async () => {
    const mapper = new ObjectMapper(data.mapping, data.object);
    const legacy = legacyConnector(data.legacyPath, data.object, mapper);
    for await (const batch of mapLegacy(legacy, mapper, data.object, data.size)) {
      while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
      credit--;
      post({ batch });
    }
    post({ done: true });
  })().catch((error: unknown) => {
    const e = error as Error & { code?: string; path?: string };
    post({
      error: {
        name: e?.name ?? 'Error',
        message: e?.message ?? String(error),
        ...(e?.stack ? { stack: e.stack } : {}),
        ...(typeof e?.code === 'string' ? { code: e.code } : {}),
        ...(typeof e?.path === 'string' ? { path: e.path } : {}),
      },
    });
  });
}
