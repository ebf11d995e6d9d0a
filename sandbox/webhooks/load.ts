import {
  buildHubSpotRequest,
  buildPipedriveRequest,
  buildSalesforceRequest,
  deliver,
  salesforceId,
  type HubSpotSendOptions,
  type PipedriveSendOptions,
  type SalesforceSendOptions,
} from './index';

export interface LoadOptions {
  /** Base URL of a receiver (`http://127.0.0.1:8787`); the vendor paths are appended. */
  baseUrl: string;
  calls: number;
  /** Calls in flight at once. */
  concurrency?: number;
  hubspot?: HubSpotSendOptions;
  pipedrive?: PipedriveSendOptions;
  salesforce?: SalesforceSendOptions;
}

export interface LoadResult {
  calls: number;
  seconds: number;
  perSecond: number;
  /** Send to answer, in ms: the answer comes after the notice is committed, so this is webhook-to-durable-notice. */
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
  /** Record IDs sent, with the time each call started (performance.now()), to measure later stages against. */
  sentAt: Map<string, number>;
}

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : Number.NaN;
}

/** Sends `calls` single-event webhooks, rotating over the configured vendors, each a genuine signed/authenticated call. */
export async function sendLoad(options: LoadOptions): Promise<LoadResult> {
  const vendors = (['hubspot', 'pipedrive', 'salesforce'] as const).filter((v) => options[v]);
  if (vendors.length === 0) throw new Error('sendLoad needs the settings of at least one vendor');
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const sentAt = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < options.calls) {
      const i = next++;
      const vendor = vendors[i % vendors.length]!;
      const url = `${options.baseUrl}/webhooks/${vendor}`;
      let recordId: string;
      let request;
      if (vendor === 'hubspot') {
        recordId = String(1_000_000 + i);
        request = buildHubSpotRequest(url, [{ object: 'contacts', recordId, action: 'update' }], options.hubspot!);
      } else if (vendor === 'pipedrive') {
        recordId = String(1_000_000 + i);
        request = buildPipedriveRequest(url, { object: 'persons', recordId, action: 'update' }, options.pipedrive!);
      } else {
        recordId = salesforceId('003');
        request = buildSalesforceRequest(url, [{ object: 'Contact', recordId, action: 'update' }], options.salesforce!);
      }
      const t = performance.now();
      sentAt.set(`${vendor}:${recordId}`, t);
      const result = await deliver(request);
      latencies.push(performance.now() - t);
      statuses[result.status] = (statuses[result.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    calls: options.calls,
    seconds,
    perSecond: options.calls / seconds,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    statuses,
    sentAt,
  };
}
