/**
 * The Redis settings production needs, checked at start (docs/operators.md, "Redis"):
 *
 * - appendonly yes: without the append-only file a restart loses every acknowledged write since the last
 *   snapshot (queued transfers, checkpoints, claims); the relayer rebuilds them from the chains, but slower.
 * - maxmemory-policy noeviction: BullMQ's keys must never be evicted (an evicted job or lock is a job lost
 *   or run twice); with noeviction a full Redis refuses writes, which the relayer retries and alerts on.
 *
 * CONFIG GET is tried first, then INFO (managed services often forbid CONFIG but answer INFO); when neither
 * answers the relayer says so and goes on: the operator must check the provider's settings.
 */
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { dataNodes } from "./connect";

export interface RedisSettings {
  node: string;
  appendonly?: string;
  maxmemoryPolicy?: string;
  /** how the values were read, or why they could not be */
  source: "config" | "info" | "unreadable";
  error?: string;
}

function nodeName(r: Redis): string {
  return `${r.options.host ?? "?"}:${r.options.port ?? "?"}`;
}

/** The value of `field:` in an INFO answer. */
function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, "m").exec(info)?.[1]?.trim();
}

export async function readRedisSettings(r: Redis): Promise<RedisSettings> {
  const node = nodeName(r);
  try {
    const aof = (await r.config("GET", "appendonly")) as string[];
    const policy = (await r.config("GET", "maxmemory-policy")) as string[];
    return { node, appendonly: aof[1], maxmemoryPolicy: policy[1], source: "config" };
  } catch (configErr) {
    try {
      const persistence = await r.info("persistence");
      const memory = await r.info("memory");
      const aofEnabled = infoField(persistence, "aof_enabled");
      return { node, appendonly: aofEnabled === undefined ? undefined : aofEnabled === "1" ? "yes" : "no", maxmemoryPolicy: infoField(memory, "maxmemory_policy"), source: "info" };
    } catch (infoErr) {
      return { node, source: "unreadable", error: `CONFIG GET: ${(configErr as Error).message}; INFO: ${(infoErr as Error).message}` };
    }
  }
}

/** The problems of one server's settings, as sentences (empty when fine). */
export function settingsProblems(s: RedisSettings): string[] {
  if (s.source === "unreadable") return [];
  const out: string[] = [];
  if (s.appendonly !== undefined && s.appendonly !== "yes") {
    out.push("appendonly is not yes: a Redis restart loses the writes since the last snapshot (set appendonly yes, appendfsync everysec)");
  }
  if (s.maxmemoryPolicy !== undefined && s.maxmemoryPolicy !== "noeviction") {
    out.push(`maxmemory-policy is ${s.maxmemoryPolicy}: Redis may evict BullMQ's jobs and locks when full (set maxmemory-policy noeviction)`);
  }
  return out;
}

/** Reads every data node's settings and warns about each problem; never throws (a check, not a gate). */
export async function checkRedisSettings(redis: Redis, log: Logger): Promise<RedisSettings[]> {
  const out: RedisSettings[] = [];
  for (const node of dataNodes(redis)) {
    const s = await readRedisSettings(node);
    out.push(s);
    if (s.source === "unreadable") {
      log.warn({ alert: "redis_settings", node: s.node, err: s.error }, "cannot read the Redis settings (a managed Redis may forbid CONFIG and INFO): make sure the provider runs it with appendonly yes and maxmemory-policy noeviction; going on");
      continue;
    }
    const problems = settingsProblems(s);
    for (const p of problems) log.warn({ alert: "redis_settings", node: s.node, appendonly: s.appendonly, maxmemoryPolicy: s.maxmemoryPolicy }, `Redis ${s.node}: ${p}`);
    if (problems.length === 0) log.info({ node: s.node, appendonly: s.appendonly, maxmemoryPolicy: s.maxmemoryPolicy, via: s.source }, "Redis settings fit production (append-only file, no eviction)");
  }
  return out;
}
