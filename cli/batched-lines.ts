/**
 * A log that writes the lines of one turn of the event loop together. Writes to a pipe or a file are synchronous in
 * Node, so a server logging each request made one system call per request, and stalled whenever the reader of its
 * pipe fell behind; under load, one turn finishes many requests and now makes one write.
 */
export function batchedLines(stream: { write(text: string): unknown }): (line: string) => void {
  let pending = '';
  const flush = () => {
    const out = pending;
    pending = '';
    stream.write(out);
  };
  return (line) => {
    if (pending === '') setImmediate(flush);
    pending += line.endsWith('\n') ? line : `${line}\n`;
  };
}
