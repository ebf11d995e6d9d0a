import type { Rejection } from '../connector';
import type { Damage } from './records';

/** Damage with physical line numbers instead of window indexes. */
export type DamageAt = Damage;

/** PostgreSQL text cannot hold NUL, so quarantined text shows it as ␀ (U+2400). */
export function printable(text: string): string {
  return text.indexOf('\u0000') === -1 ? text : text.replaceAll('\u0000', '\u2400');
}

/** The text after a misplaced quote, as far as it helps to find it. */
const shown = (after: string) => `'${printable(after)}${after.length >= 20 ? '…' : ''}'`;

export function fieldName(header: readonly string[], index: number): string {
  const name = header[index];
  return name === undefined ? `field ${index + 1}` : `field ${index + 1} (${name})`;
}

/** Why a line was called damaged, in a sentence that names the lines involved. */
export function damageReason(
  damage: DamageAt,
  line: number,
  header: readonly string[],
  maxQuotedChars: number,
): string {
  const field = fieldName(header, damage.field);
  switch (damage.type) {
    case 'unclosed':
      return (
        `the quote opening ${field} on line ${damage.openedAt} is never closed` +
        (damage.atEof ? ' (the file ends inside it)' : ` within ${maxQuotedChars} characters`)
      );
    case 'bad-close':
      if (damage.openedAt === damage.closedAt && damage.openedAt === line) {
        return `the quote closing ${field} is followed by ${shown(damage.after)} rather than a delimiter; a quote inside a quoted value must be doubled ("")`;
      }
      if (damage.openedAt === damage.closedAt) {
        return `the record starting on line ${line} runs over a quoted line break to line ${damage.closedAt}, where the quote closing ${field} is followed by ${shown(damage.after)} rather than a delimiter`;
      }
      return `the quote opening ${field} on line ${damage.openedAt} is closed only on line ${damage.closedAt}, by a quote followed by ${shown(damage.after)} rather than a delimiter`;
    case 'count':
      return (
        `the quote opening ${field} on line ${damage.openedAt} closes only on line ${damage.closedAt}, which makes a record of ${damage.found} fields ` +
        `instead of ${header.length}, while line ${damage.recordAt} reads as a record by itself`
      );
    case 'swallows':
      return (
        `right after damaged lines, the quote opening ${field} on line ${damage.openedAt} closes only on line ${damage.closedAt}, ` +
        `swallowing line ${damage.recordAt}, which reads as a record by itself; the quote is taken for the end of the broken value before it`
      );
  }
}

/**
 * The lines set aside after a quote that does not close where it should, up to the next line that reads as a record.
 * Their rejections wait here so the first can say how far the damage went and where reading resumed.
 */
export class DamageBlock {
  readonly entries: Rejection[] = [];
  private lastLine: number;

  constructor(
    readonly firstLine: number,
    first: Rejection,
    private readonly width: number,
  ) {
    this.entries.push(first);
    this.lastLine = firstLine;
  }

  add(rejection: Rejection, lastLine: number): void {
    rejection.reason += `; set aside after the broken quote on line ${this.firstLine}, of whose record it may be the rest`;
    this.entries.push(rejection);
    this.lastLine = lastLine;
  }

  get size(): number {
    return this.entries.length;
  }

  /** `resumedAt`: the line of the record that ends the block; undefined at the end of the file or when the block is cut short. */
  close(resumedAt: number | undefined, cutShort = false): Rejection[] {
    const last = resumedAt === undefined ? this.lastLine : resumedAt - 1;
    const n = last - this.firstLine + 1;
    const span =
      n === 1 ? `line ${this.firstLine} set aside` : `lines ${this.firstLine}-${last} (${n} lines) set aside`;
    const how =
      resumedAt !== undefined
        ? `, reading resumed at line ${resumedAt}, the next line that reads as a record of ${this.width} fields`
        : cutShort
          ? `, and the ${this.entries.length} lines read since did not read as records of ${this.width} fields either`
          : `; no later line reads as a record of ${this.width} fields`;
    this.entries[0]!.reason += `: ${span}${how}`;
    return this.entries;
  }
}
