/**
 * A tiny seeded PRNG for the example-data generator. Same seed, same sequence, on every platform:
 * only 32-bit integer arithmetic (Math.imul) is used, never Math.random or floating-point state.
 */

import { hashString, mix32 } from '../core/matching/hash';

/** A 32-bit seed for record `index` of a named stream, so any record can be regenerated on its own. */
export function seedFor(seed: number, stream: string, index = 0): number {
  const base = hashString(stream, mix32(seed ^ 0x9e3779b9));
  return mix32(base ^ mix32(Math.imul(index, 0x9e3779b1) ^ 0x632be5ab ^ Math.floor(index / 4294967296)));
}

/** One uniform draw in [0, 1) for record `index` of a stream, without allocating a generator. */
export function unitFor(seed: number, stream: string, index: number): number {
  return mix32(seedFor(seed, stream, index) ^ 0x5bd1e995) / 4294967296;
}

/** mulberry32 with the helpers the generator needs. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A generator for record `index` of a named stream (see {@link seedFor}). */
  static for(seed: number, stream: string, index = 0): Random {
    return new Random(seedFor(seed, stream, index));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks by weight: `[[value, weight], ...]`. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let x = this.next() * total;
    for (const [value, w] of items) {
      x -= w;
      if (x < 0) return value;
    }
    const last = items[items.length - 1];
    if (!last) throw new Error('weighted pick from an empty list');
    return last[0];
  }

  /** Fisher-Yates, in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /** `count` distinct items in random order (all of them if there are fewer). */
  sample<T>(items: readonly T[], count: number): T[] {
    return this.shuffle([...items]).slice(0, Math.max(0, count));
  }

  /** A string of `length` random decimal digits (the first one non-zero when `leadingNonZero`). */
  digits(length: number, leadingNonZero = false): string {
    let out = '';
    for (let i = 0; i < length; i++) out += String(i === 0 && leadingNonZero ? this.int(1, 9) : this.int(0, 9));
    return out;
  }
}
