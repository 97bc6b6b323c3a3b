/**
 * The relayer's Redis connections, for one server, a Sentinel-managed primary or a Cluster (config/redis.ts).
 *
 * Every connection reconnects by itself, forever, with a capped backoff: a Redis restart or a failover is a
 * pause, not a crash. maxRetriesPerRequest is null because BullMQ's blocking commands must wait through a
 * reconnect instead of failing (BullMQ refuses workers otherwise); commands issued while disconnected wait in
 * ioredis' offline queue and run once the connection is back.
 */
import IORedis, { Cluster, type Redis, type RedisOptions } from "ioredis";
import type { RedisConfig } from "../config/redis";

/** Reconnect after 100 ms, 200 ms, ... at most every 2 s. */
export const reconnectDelayMs = (attempt: number): number => Math.min(attempt * 100, 2_000);

/**
 * After a failover the old primary becomes a replica and answers writes with READONLY: reconnect (Sentinel
 * mode then asks the sentinels for the new primary) and resend the command.
 */
const reconnectOnReadonly = (err: Error): 2 | false => (err.message.startsWith("READONLY") ? 2 : false);

const common: RedisOptions = {
  maxRetriesPerRequest: null,
  enableReadyCheck: true,
  retryStrategy: reconnectDelayMs,
  reconnectOnError: reconnectOnReadonly,
};

/**
 * A new connection. A Cluster is returned typed as `Redis`: the relayer's modules use only commands both
 * have, on keys of one slot (the prefix is a hash tag, config/redis.ts); the one keyless command, SCAN,
 * goes through `scanAll` (below) which visits every master.
 */
export function redisConnection(cfg: RedisConfig, extra: RedisOptions = {}): Redis {
  if (cfg.url !== undefined) return new IORedis(cfg.url, { ...common, ...extra });
  const auth = { username: cfg.username, password: cfg.password, ...(cfg.tls ? { tls: {} } : {}) };
  if (cfg.sentinels !== undefined) {
    return new IORedis({
      ...common,
      ...auth,
      sentinels: cfg.sentinels,
      name: cfg.name,
      sentinelPassword: cfg.sentinelPassword,
      ...(cfg.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      // No failoverDetector: its disconnect on +switch-master can land while a reconnect is already asking the
      // sentinels, and ioredis then ends that attempt with "Connection is closed", failing the queued commands
      // (seen in test/redis-ha/sentinel.test.ts). A dead primary closes the connection, a demoted one answers
      // writes with READONLY (above): either way the client asks the sentinels again.
      sentinelRetryStrategy: reconnectDelayMs,
      ...extra,
    });
  }
  const cluster = new Cluster(cfg.cluster ?? [], {
    redisOptions: { ...common, ...auth, ...extra },
    clusterRetryStrategy: reconnectDelayMs,
    enableAutoPipelining: extra.enableAutoPipelining ?? false,
    enableReadyCheck: true,
    // A failover moves slots: follow MOVED/ASK and retry while the cluster settles.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 500,
    retryDelayOnTryAgain: 200,
  });
  return cluster as unknown as Redis;
}

export function isCluster(redis: Redis): boolean {
  return (redis as unknown) instanceof Cluster;
}

/** The servers to ask about settings and to SCAN: a cluster's masters, else the connection itself. */
export function dataNodes(redis: Redis): Redis[] {
  return isCluster(redis) ? (redis as unknown as Cluster).nodes("master") : [redis];
}

/** Every key matching `pattern` (SCAN, so Redis is never blocked), across a cluster's masters. */
export async function scanAll(redis: Redis, pattern: string, onKeys: (keys: string[]) => void | Promise<void>): Promise<void> {
  for (const node of dataNodes(redis)) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await onKeys(keys);
    } while (cursor !== "0");
  }
}
