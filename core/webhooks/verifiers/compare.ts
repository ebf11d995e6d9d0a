import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time equality of two strings of any length: both sides are hashed first, so neither the content nor the
 * length of the expected value leaks through timing.
 */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db) && Buffer.byteLength(a) === Buffer.byteLength(b);
}
