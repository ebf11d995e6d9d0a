/** A Dataverse error answer: the HTTP status and the `{"error":{"code","message"}}` body. */
export class DataverseFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DataverseFault';
  }
}

export const CODES = {
  /** OData payload or query the service cannot read (unknown property, bad literal, bad query option). */
  badRequest: '0x80060888',
  /** No record with these IDs or key values. */
  notFound: '0x80040217',
  /** A record with the same alternate key values exists (If-None-Match: * or a key clash). */
  duplicateKey: '0x80040237',
  /** A duplicate detection rule matched. */
  duplicateDetected: '0x80040333',
  /** Text longer than the column allows. */
  tooLong: '0x80044331',
  /** A choice (option set) value outside its options. */
  outOfRange: '0x8004431A',
  /** Service protection: requests, execution time, concurrency. */
  tooManyRequests: '0x80072322',
  tooMuchTime: '0x80072321',
  tooManyConcurrent: '0x80072326',
  /** Injected server error. */
  internal: '0x80040216',
} as const;
