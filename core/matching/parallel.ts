import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { launchWorker } from '../threads/launch-worker';
import type { WorkerReply, WorkerRequest } from './worker-protocol';

export interface ParallelOptions {
  /**
   * Threads for normalising and scoring: 1 runs everything on the calling thread, 2 adds one worker thread.
   * Default: 2 from PARALLEL_MIN_RECORDS records on a machine with at least two cores, else 1.
   */
  threads?: number;
}

/** Below this, starting a worker and copying the prepared fields to it costs more than the second core saves. */
export const PARALLEL_MIN_RECORDS = 50_000;

export function threadsFor(records: number, options?: ParallelOptions): 1 | 2 {
  if (options?.threads !== undefined) return options.threads >= 2 ? 2 : 1;
  return records >= PARALLEL_MIN_RECORDS && availableParallelism() >= 2 ? 2 : 1;
}

/**
 * One worker thread that the synchronous engine talks to by message, and waits for with Atomics.wait: dedupe and
 * link stay synchronous functions (they block their thread for the whole run anyway), so every caller (CLI, n8n
 * node, MCP tool) gets the second core without an API change.
 */
export class Helper {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal: Int32Array;
  private received = 0;

  constructor() {
    const shared = new SharedArrayBuffer(4);
    this.signal = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.worker = launchWorker(join(__dirname, 'worker'), { signal: shared, port: port2 }, [port2]);
    this.worker.unref();
    this.port = port1;
  }

  send(message: WorkerRequest, transfer: ArrayBuffer[] = []): void {
    this.port.postMessage(message, transfer);
  }

  /** The worker's next reply, waiting for it on this thread. */
  receive<T extends WorkerReply>(): T {
    for (;;) {
      const got = receiveMessageOnPort(this.port);
      if (got) {
        this.received++;
        const m = got.message as { error?: string };
        if (m && typeof m === 'object' && 'error' in m && typeof m.error === 'string')
          throw new Error(`matching worker failed: ${m.error}`);
        return got.message as T;
      }
      Atomics.wait(this.signal, 0, this.received, 1000);
    }
  }

  close(): void {
    this.port.close();
    void this.worker.terminate().catch(() => undefined);
  }
}
