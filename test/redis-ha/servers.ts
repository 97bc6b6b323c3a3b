/**
 * Real redis-server processes for the Redis HA and restart tests: single servers, a Sentinel setup and a
 * Cluster (three masters, with or without a replica each), each on loopback ports the caller picks (below
 * 32768, used by no other suite), in temp directories, as child processes of the test (killed by their own
 * pid afterwards).
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import IORedis from "ioredis";

export interface RedisProc {
  port: number;
  dir: string;
  proc: ChildProcess;
  /** SIGKILL: no shutdown save, no AOF rewrite; the process is gone when this resolves */
  kill(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Throws, naming the fix, when redis-server or redis-cli is missing. */
export function requireRedisBinaries(): void {
  for (const bin of ["redis-server", "redis-cli"]) {
    try {
      execFileSync(bin, ["--version"], { stdio: "ignore" });
    } catch {
      throw new Error(`${bin} is not installed: apt-get install redis-server (Debian's package brings redis-server, redis-cli and sentinel mode); .ci/run installs it when missing`);
    }
  }
}

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `relayer-${tag}-`));
}

/** Resolves once PING answers on the port (as a data server or a sentinel). */
export async function waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = new IORedis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
    r.on("error", () => undefined);
    try {
      await r.connect();
      if ((await r.ping()) === "PONG") return;
    } catch {
      // not up yet
    } finally {
      r.disconnect();
    }
    if (Date.now() > end) throw new Error(`redis on 127.0.0.1:${port} did not answer PING within ${timeoutMs} ms`);
    await sleep(100);
  }
}

function launch(port: number, dir: string, args: string[], logName = "redis.log"): RedisProc {
  const out = fs.openSync(path.join(dir, logName), "a");
  const proc = spawn("redis-server", args, { cwd: dir, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  return {
    port,
    dir,
    proc,
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
}

/** One data server; `appendonly` with appendfsync always, so a SIGKILL loses nothing acknowledged. */
export async function startRedis(port: number, dir: string, opts: { appendonly: boolean; extra?: string[] }): Promise<RedisProc> {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", opts.appendonly ? "yes" : "no", "--appendfsync", "always", "--maxmemory-policy", "noeviction", ...(opts.extra ?? [])];
  const r = launch(port, dir, args);
  await waitForPing(port);
  return r;
}

export interface SentinelSetup {
  name: string;
  primary: RedisProc;
  replicas: RedisProc[];
  sentinels: RedisProc[];
  all(): RedisProc[];
}

/** A primary, replicas of it, and sentinels watching it (quorum 2), with short failover timers for tests. */
export async function startSentinelSetup(opts: { name: string; primaryPort: number; replicaPorts: number[]; sentinelPorts: number[] }): Promise<SentinelSetup> {
  const primary = await startRedis(opts.primaryPort, tempDir(`primary-${opts.primaryPort}`), { appendonly: true });
  const replicas: RedisProc[] = [];
  for (const p of opts.replicaPorts) replicas.push(await startRedis(p, tempDir(`replica-${p}`), { appendonly: true, extra: ["--replicaof", "127.0.0.1", String(opts.primaryPort)] }));
  const sentinels: RedisProc[] = [];
  for (const p of opts.sentinelPorts) {
    const dir = tempDir(`sentinel-${p}`);
    // Sentinel rewrites its config file as it learns the topology: it must be a writable file of its own.
    const conf = path.join(dir, "sentinel.conf");
    fs.writeFileSync(
      conf,
      [
        `port ${p}`,
        "bind 127.0.0.1",
        `dir ${dir}`,
        `sentinel monitor ${opts.name} 127.0.0.1 ${opts.primaryPort} 2`,
        `sentinel down-after-milliseconds ${opts.name} 1000`,
        `sentinel failover-timeout ${opts.name} 5000`,
        `sentinel parallel-syncs ${opts.name} 1`,
        "",
      ].join("\n"),
    );
    const s = launch(p, dir, [conf, "--sentinel"], "sentinel.log");
    await waitForPing(p);
    sentinels.push(s);
  }
  // Ready when every sentinel knows the replicas and the other sentinels (else a failover cannot be agreed).
  const end = Date.now() + 30_000;
  for (const s of sentinels) {
    const r = new IORedis({ host: "127.0.0.1", port: s.port, maxRetriesPerRequest: 1 });
    try {
      for (;;) {
        const info = (await r.call("SENTINEL", "MASTER", opts.name)) as string[];
        const field = (k: string) => Number(info[info.indexOf(k) + 1]);
        if (field("num-slaves") >= opts.replicaPorts.length && field("num-other-sentinels") >= opts.sentinelPorts.length - 1) break;
        if (Date.now() > end) throw new Error(`sentinel ${s.port} did not discover the replicas and the other sentinels within 30 s`);
        await sleep(200);
      }
    } finally {
      r.disconnect();
    }
  }
  return { name: opts.name, primary, replicas, sentinels, all: () => [primary, ...replicas, ...sentinels] };
}

/** The primary's port as the sentinels see it now. */
export async function sentinelPrimaryPort(sentinelPort: number, name: string): Promise<number> {
  const r = new IORedis({ host: "127.0.0.1", port: sentinelPort, maxRetriesPerRequest: 1 });
  try {
    const [, port] = (await r.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name)) as string[];
    return Number(port);
  } finally {
    r.disconnect();
  }
}

/**
 * A cluster of `ports.length` nodes. With `replicas: 0` (the default) every node is a master (three are enough
 * to spread the slots: a test of hash slots). With `replicas: 1` and six ports, three masters each with a
 * replica (redis-cli picks the pairs), ready only once every replica is in sync with its master, so that a
 * master's failure can be taken over.
 */
export async function startCluster(ports: number[], opts: { replicas?: number } = {}): Promise<RedisProc[]> {
  const replicas = opts.replicas ?? 0;
  const nodes: RedisProc[] = [];
  for (const p of ports) {
    const dir = tempDir(`cluster-${p}`);
    nodes.push(await startRedis(p, dir, { appendonly: true, extra: ["--cluster-enabled", "yes", "--cluster-config-file", path.join(dir, "nodes.conf"), "--cluster-node-timeout", "2000"] }));
  }
  execFileSync("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", String(replicas), "--cluster-yes"], { stdio: "pipe" });
  // Ready when every node says the cluster is ok (slots assigned and gossiped) and every replica is in sync.
  const end = Date.now() + 60_000;
  for (const p of ports) {
    for (;;) {
      const info = execFileSync("redis-cli", ["-p", String(p), "cluster", "info"], { encoding: "utf8" });
      const repl = execFileSync("redis-cli", ["-p", String(p), "info", "replication"], { encoding: "utf8" });
      const synced = /role:master/.test(repl) || /master_link_status:up/.test(repl);
      if (/cluster_state:ok/.test(info) && synced) break;
      if (Date.now() > end) throw new Error(`cluster node ${p} not ok (or its replication not up) within 60 s:\n${info}\n${repl}`);
      await sleep(200);
    }
  }
  if (replicas > 0) {
    const masters = clusterNodes(ports[0]).filter((n) => n.master && n.slots.length > 0);
    const unpaired = masters.filter((m) => !clusterNodes(ports[0]).some((n) => !n.master && n.masterId === m.id));
    if (unpaired.length > 0) throw new Error(`cluster masters without a replica: ${unpaired.map((m) => m.port).join(", ")}`);
  }
  return nodes;
}

export interface ClusterNode {
  id: string;
  port: number;
  master: boolean;
  failed: boolean;
  /** the master's id, for a replica */
  masterId?: string;
  /** slot ranges served, [first, last] */
  slots: Array<[number, number]>;
}

/** The cluster's nodes as the node on `askPort` sees them (CLUSTER NODES). */
export function clusterNodes(askPort: number): ClusterNode[] {
  const text = execFileSync("redis-cli", ["-p", String(askPort), "cluster", "nodes"], { encoding: "utf8" });
  return text
    .trim()
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line) => {
      const [id, addr, flags, masterId, , , , , ...slotFields] = line.trim().split(/\s+/);
      const flagList = flags.split(",");
      return {
        id,
        port: Number(addr.split("@")[0].split(":")[1]),
        master: flagList.includes("master"),
        failed: flagList.includes("fail") || flagList.includes("fail?"),
        masterId: masterId === "-" ? undefined : masterId,
        slots: slotFields
          .filter((f) => /^\d+(-\d+)?$/.test(f))
          .map((f) => {
            const [a, b] = f.split("-").map(Number);
            return [a, b ?? a] as [number, number];
          }),
      };
    });
}

/** The hash slot of a key (CLUSTER KEYSLOT, asked of any node). */
export function keySlot(askPort: number, key: string): number {
  return Number(execFileSync("redis-cli", ["-p", String(askPort), "cluster", "keyslot", key], { encoding: "utf8" }).trim());
}

/** The port of the live master serving `slot`, as the node on `askPort` sees it; undefined while none does. */
export function slotOwner(askPort: number, slot: number): number | undefined {
  return clusterNodes(askPort).find((n) => n.master && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b))?.port;
}

export async function killAll(procs: RedisProc[]): Promise<void> {
  for (const p of procs) await p.kill();
  for (const p of procs) fs.rmSync(p.dir, { recursive: true, force: true });
}
