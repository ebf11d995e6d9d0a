/**
 * Whether a production webhook of a running n8n is registered, without calling it: a CORS preflight answers 204 only
 * for a registered path (else 404). n8n 2.8 registers webhooks before it announces the editor; 2.40 publishes
 * workflows in the background after start (a reconciler every 10 s), so a call right after start can get a 404.
 */
export function webhookRegistered(url: string, method = 'POST'): Promise<boolean> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: { Origin: 'http://127.0.0.1', 'Access-Control-Request-Method': method },
  }).then(
    (r) => r.status === 204,
    () => false,
  );
}
