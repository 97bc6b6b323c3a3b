/**
 * The CLI's one error type: every failure names the problem and the fix, and maps to an exit code, so a
 * script calling `allo` can tell a refused input (2) from a failure of the network (3) or of a transfer (4).
 */
export const EXIT = {
  /** something unexpected */
  failure: 1,
  /** the input or the account cannot do this (bad address, over balance, over limit, paused) */
  refused: 2,
  /** a node did not answer (RPC unreachable, wrong network) */
  unreachable: 3,
  /** a transfer was sent but following it stopped (timeout); it is not lost: `allo track` resumes */
  unfinished: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    /** what is wrong, in one sentence */
    readonly problem: string,
    /** what to do about it ("" when the problem already says it) */
    readonly fix: string,
    readonly exitCode: ExitCode = EXIT.refused,
  ) {
    super(fix ? `${problem} (fix: ${fix})` : problem);
    this.name = "CliError";
  }
}

/** True when `err` (or a cause) says nothing answers at the address. */
export function isUnreachable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    const text = `${String(e.code ?? "")} ${String(e.message ?? "")}`;
    if (/ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|ETIMEDOUT|socket hang up|fetch failed|failed to detect network/i.test(text)) return true;
    e = e.cause as typeof e;
  }
  return false;
}
