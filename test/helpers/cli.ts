/** Runs `marginlab <args>` in-process (`main()` from src/cli/main.ts), capturing stdout and stderr. */
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  status: number;
  stderr: string;
  stdout: string;
  /** stderr split into lines (trailing newline dropped). */
  lines: string[];
}

export async function cli(...args: string[]): Promise<CliResult> {
  let stderr = '';
  let stdout = '';
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  let status: number;
  try {
    status = await main(['node', 'marginlab', ...args]);
  } finally {
    e.mockRestore();
    o.mockRestore();
  }
  return { status, stderr, stdout, lines: stderr.trimEnd().split('\n') };
}

/** Exit 2, one line, no stack trace, every pattern matched. */
export function isOneLineUserError(r: CliResult, ...patterns: RegExp[]): boolean {
  return r.status === 2 && r.lines.length === 1 && !/\n\s+at |internal error/.test(r.stderr) && patterns.every((p) => p.test(r.stderr));
}
