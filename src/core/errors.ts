/**
 * An error about one input file that a user can fix: the message names the file and the problem, so the
 * extension and the CLI can show it as it is and carry on with everything else.
 */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly line?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${problem}`);
    this.name = 'InputError';
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
