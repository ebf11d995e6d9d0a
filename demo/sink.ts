/** Buffered writes of one output file, flushed in large chunks (and re-encoded for win1252 exports). */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import iconv from 'iconv-lite';
import { countNewlines } from './formats';

export const FLUSH_AT = 1 << 18;
export class Sink {
  private readonly stream: WriteStream;
  private chunks: string[] = [];
  private size = 0;
  private error: Error | undefined;
  /** Physical line on which the next record starts (the header is line 1). */
  line = 1;

  constructor(
    readonly file: string,
    private readonly encoding: 'utf8' | 'win1252' = 'utf8',
    bom = false,
  ) {
    this.stream = createWriteStream(file);
    this.stream.on('error', (e) => {
      this.error = e;
    });
    if (bom) this.stream.write(Buffer.from([0xef, 0xbb, 0xbf]));
  }

  write(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
  }

  /** Writes one record and returns the physical line it starts on. */
  record(text: string): number {
    const start = this.line;
    this.write(text);
    this.line += countNewlines(text);
    return start;
  }

  async flush(force = false): Promise<void> {
    if (this.error) throw this.error;
    if (this.size === 0 || (!force && this.size < FLUSH_AT)) return;
    const text = this.chunks.join('');
    this.chunks = [];
    this.size = 0;
    const bytes = this.encoding === 'win1252' ? iconv.encode(text, 'win1252') : Buffer.from(text, 'utf8');
    if (!this.stream.write(bytes)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush(true);
    this.stream.end();
    await once(this.stream, 'close');
    if (this.error) throw this.error;
  }
}
