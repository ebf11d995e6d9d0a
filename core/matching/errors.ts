/** Input the engine cannot work with as a whole (no ID column, no records); row-level problems are quarantined. */
export class MatchInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MatchInputError';
  }
}
