/**
 * What the benchmarks measure the same way: percentiles of a sorted sample, and a process group's memory and CPU.
 *
 * The process group's figures are read from /proc on Linux: the benchmarks host the hub devnet in their own
 * process, and sampling through `ps` (execFileSync, every 500 ms) blocked the hub's event loop for 10 % of its
 * time at 1,000 topics. Elsewhere they fall back to `ps`.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** The p-th percentile (nearest rank) of an ascending sample; NaN when it is empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const PAGE_KB = 4;
const CLOCK_TICKS_PER_S = 100;

interface ProcFigures {
  rssKb: number;
  cpuSeconds: number;
}

/** The group's members as last found, and when: a full /proc scan is done at most every MEMBER_SCAN_MS. */
const members = new Map<number, { pids: string[]; at: number }>();
const MEMBER_SCAN_MS = 5_000;

/** Reads the fields after the command name of /proc/<pid>/stat; undefined when the process is gone. */
function statFields(pid: string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // After the command name (in parentheses, which may hold spaces): state ppid pgrp ... utime stime ... rss
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Sums /proc/<pid>/stat over the processes of group `pgid`; undefined when /proc cannot be read. */
function procGroup(pgid: number): ProcFigures | undefined {
  let known = members.get(pgid);
  if (!known || Date.now() - known.at > MEMBER_SCAN_MS) {
    let all: string[];
    try {
      all = readdirSync("/proc").filter((d) => d.charCodeAt(0) >= 48 && d.charCodeAt(0) <= 57);
    } catch {
      return undefined;
    }
    known = { pids: all.filter((pid) => Number(statFields(pid)?.[2]) === pgid), at: Date.now() };
    members.set(pgid, known);
  }
  let rssKb = 0;
  let ticks = 0;
  for (const pid of known.pids) {
    const f = statFields(pid);
    if (!f || Number(f[2]) !== pgid) continue; // exited (or its pid reused) since the scan
    ticks += Number(f[11]) + Number(f[12]);
    rssKb += Number(f[21]) * PAGE_KB;
  }
  return { rssKb, cpuSeconds: ticks / CLOCK_TICKS_PER_S };
}

function psGroupSum(pgid: number, column: "rss" | "cputimes"): number {
  try {
    const out = execFileSync("ps", ["-o", `${column}=`, "-g", String(pgid)], { encoding: "utf8" });
    return out
      .split("\n")
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0)
      .reduce((a, b) => a + b, 0);
  } catch {
    return 0;
  }
}

/** Resident set size of a process group in MB (sum over its processes), or 0 if it is gone. */
export function groupRssMb(pgid: number): number {
  const proc = procGroup(pgid);
  return (proc ? proc.rssKb : psGroupSum(pgid, "rss")) / 1024;
}

/** CPU seconds (user + system) used so far by a process group's live processes, or 0 if it is gone. */
export function groupCpuSeconds(pgid: number): number {
  const proc = procGroup(pgid);
  return proc ? proc.cpuSeconds : psGroupSum(pgid, "cputimes");
}
