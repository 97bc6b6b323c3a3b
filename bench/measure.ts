/**
 * What the benchmarks measure the same way: percentiles of a sorted sample, and a process group's memory.
 */
import { execFileSync } from "node:child_process";

/** The p-th percentile (nearest rank) of an ascending sample; NaN when it is empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Resident set size of a process group in MB (sum over its processes), or 0 if it is gone. */
export function groupRssMb(pgid: number): number {
  try {
    const out = execFileSync("ps", ["-o", "rss=", "-g", String(pgid)], { encoding: "utf8" });
    return (
      out
        .split("\n")
        .map((l) => Number(l.trim()))
        .filter((n) => n > 0)
        .reduce((a, b) => a + b, 0) / 1024
    );
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) used so far by a process group's live processes, or 0 if it is gone. */
export function groupCpuSeconds(pgid: number): number {
  try {
    const out = execFileSync("ps", ["-o", "cputimes=", "-g", String(pgid)], { encoding: "utf8" });
    return out
      .split("\n")
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0)
      .reduce((a, b) => a + b, 0);
  } catch {
    return 0;
  }
}
