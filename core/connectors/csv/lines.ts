/** One physical line of a CSV file: its text without the line break, and the break itself ('' on the last line). */
export interface Line {
  text: string;
  eol: string;
}

/**
 * The physical lines of a decoded text stream, held in a window the record reader can look ahead in and step back
 * over. CRLF, LF and a lone CR all end a line, each line on its own, so a file whose header ends in CRLF and whose
 * rows end in LF (an export edited on two systems) is read line by line rather than as one long record.
 */
export class LineWindow {
  /** Lines not yet consumed start at `head`; `lines[i]` is physical line `firstNumber + i`. */
  lines: Line[] = [];
  head = 0;
  firstNumber = 1;
  eof = false;
  private carry = '';
  private pending: string[] = [];
  private started = false;
  private readonly chunks: AsyncIterator<string | Buffer>;

  constructor(source: AsyncIterable<string | Buffer>) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  /** Physical line number of window index `i`. */
  numberOf(i: number): number {
    return this.firstNumber + i;
  }

  /** Reads one more chunk into the window; false once the stream is exhausted. */
  async fill(): Promise<boolean> {
    if (this.eof) return false;
    const next = await this.chunks.next();
    if (next.done) {
      this.eof = true;
      this.carry += this.pending.join('');
      this.pending = [];
      if (this.carry.endsWith('\r')) this.lines.push({ text: this.carry.slice(0, -1), eol: '\r' });
      else if (this.carry !== '') this.lines.push({ text: this.carry, eol: '' });
      this.carry = '';
      return false;
    }
    const chunk = String(next.value);
    // A chunk without a line break only lengthens the current line: kept aside, so a file of one huge line is joined
    // and scanned once rather than once per chunk.
    if (!/[\r\n]/.test(chunk) && !this.carry.endsWith('\r')) {
      this.pending.push(chunk);
      return true;
    }
    const carried = this.carry.length + this.pending.reduce((n, p) => n + p.length, 0);
    let text = this.carry + this.pending.join('') + chunk;
    this.pending = [];
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const breaks = /\r\n|\n|\r/g;
    // The carried text holds no line break but perhaps a final CR, so the search starts there.
    breaks.lastIndex = Math.max(0, carried - 1);
    let start = 0;
    for (let m = breaks.exec(text); m; m = breaks.exec(text)) {
      // A CR at the very end of a chunk may be the first half of a CRLF: wait for the next chunk to tell.
      if (m[0] === '\r' && m.index === text.length - 1) break;
      this.lines.push({ text: text.slice(start, m.index), eol: m[0] });
      start = m.index + m[0].length;
    }
    this.carry = text.slice(start);
    return true;
  }

  /** Forgets consumed lines now and then, so the window holds only what is being read. */
  consume(count: number): void {
    this.head += count;
    if (this.head >= 4096 && this.head * 2 >= this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.firstNumber += this.head;
      this.head = 0;
    }
  }
}
