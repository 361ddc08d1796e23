/**
 * Errors that cross module boundaries. A `UserError` is the user's mistake (bad scenario, bad flag,
 * missing file): the CLI prints its one-line message and exits 2, never a stack trace. Anything else
 * is an internal failure (exit 1).
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(message: string) {
    super(message);
  }
}

/** Raised when a path's books do not balance exactly. Always an internal failure. */
export class ConservationError extends Error {
  override readonly name = 'ConservationError';
  constructor(message: string) {
    super(message);
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof Error && e.name === 'UserError';
}
