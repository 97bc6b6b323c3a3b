/**
 * Terminal output: an ora spinner on a TTY (stderr, so stdout stays clean for pipes), nothing animated
 * otherwise; tables from cli-table3 without colour codes when colour is off (not a TTY, or NO_COLOR).
 */
import Table from "cli-table3";
import ora, { type Ora } from "ora";
import pc from "picocolors";

export interface Spinner {
  isTty: boolean;
  text(t: string): void;
  succeed(t: string): void;
  stop(): void;
}

export function spinner(initial: string): Spinner {
  // A terminal that reports no width (0 columns) would make ora clear an endless number of wrapped lines.
  const isTty = Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) > 0;
  let s: Ora | undefined;
  if (isTty) s = ora({ text: initial, stream: process.stderr }).start();
  return {
    isTty,
    text: (t) => {
      if (s) s.text = t;
    },
    succeed: (t) => {
      if (s) s.succeed(t);
      else process.stdout.write(t + "\n");
      s = undefined;
    },
    stop: () => {
      s?.stop();
      s = undefined;
    },
  };
}

export function table(head: string[], rows: string[][]): string {
  const t = new Table({
    head: head.map((h) => pc.bold(h)),
    style: pc.isColorSupported ? undefined : { head: [], border: [] },
  });
  t.push(...rows);
  return t.toString();
}
