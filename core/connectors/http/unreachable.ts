/** Network errors that mean the CRM was never reached: nothing was sent, and no later call will fare better now. */
const UNREACHABLE = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'];

/**
 * The network error code when an SDK's error says the host could not be reached (axios, node-fetch and undici put
 * it in `code`, in `cause.code`, or only in the message), else undefined.
 */
export function unreachableCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; errno?: unknown; cause?: { code?: unknown }; message?: unknown } | null;
  for (const code of [e?.code, e?.errno, e?.cause?.code])
    if (typeof code === 'string' && UNREACHABLE.includes(code)) return code;
  const text = typeof e?.message === 'string' ? e.message : '';
  return UNREACHABLE.find((code) => text.includes(code));
}
