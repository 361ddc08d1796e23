/**
 * Errors that cross module boundaries. A `UserError` is the user's mistake (bad scenario, bad flag,
 * missing file): the CLI prints its one-line message and exits 2, never a stack trace. Anything else
 * is an internal failure (exit 1).
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  /** The message is made terminal-safe here (`terminalSafe`), whatever user input it quotes. */
  constructor(message: string) {
    super(terminalSafe(message));
  }
}

/**
 * Text safe to print to a terminal: every control character (C0, DEL, C1 — so no escape sequence can recolour
 * the terminal or set its title), line and paragraph separators and bidirectional overrides written as
 * `\xNN` or `\u{NNNN}`. With `keepNewlines`, "\n" stays (for multi-line output such as a verdict and scorecard).
 * The one escaping function for everything the CLI prints that may quote user input. O(n).
 * @example terminalSafe('a\x1b[31mb') // 'a\\x1b[31mb'
 */
export function terminalSafe(text: string, opts: { keepNewlines?: boolean } = {}): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === '\n' && opts.keepNewlines) return c;
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
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
