/**
 * Redis reachability check for the scripts: one PING over a plain socket, so that a missing Redis
 * is reported with the command that starts it instead of a stack trace from a client library.
 */
import net from "node:net";

/** Host and port of a `redis://host:port[/db]` URL. */
export function parseRedisUrl(url: string): { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`Redis URL "${url}" is not a URL: use redis://127.0.0.1:6379`);
  }
  if (parsed.protocol !== "redis:") {
    throw new Error(`Redis URL "${url}" must start with redis:// (e.g. redis://127.0.0.1:6379)`);
  }
  return { host: parsed.hostname || "127.0.0.1", port: Number(parsed.port || 6379) };
}

/** Resolves when Redis answers PING with PONG; rejects with the reason otherwise. */
export function pingRedis(url: string, timeoutMs = 2000): Promise<void> {
  const { host, port } = parseRedisUrl(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let answer = "";
    const fail = (why: string): void => {
      socket.destroy();
      reject(new Error(why));
    };
    socket.setTimeout(timeoutMs, () =>
      fail(`no answer from Redis at ${host}:${port} within ${timeoutMs} ms`),
    );
    socket.on("error", (err) => fail(`cannot reach Redis at ${host}:${port}: ${err.message}`));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      answer += chunk.toString("utf8");
      if (!answer.includes("\r\n")) return;
      socket.end();
      if (answer.startsWith("+PONG")) resolve();
      else fail(`Redis at ${host}:${port} answered PING with ${JSON.stringify(answer.trim())}`);
    });
  });
}

/** The message printed when Redis does not answer: what failed and how to start it. */
export function redisHelp(url: string, reason: string): string {
  return [
    `Redis is required and did not answer (${reason}).`,
    `Start a throwaway local Redis with:`,
    `  redis-server --daemonize yes --save "" --appendonly no`,
    `or point the devnet at another one with REDIS_URL=redis://host:port (currently ${url}).`,
  ].join("\n");
}

/** Deletes every key under `prefix` (a run's namespace), so tests leave Redis as they found it. */
export async function deleteRedisNamespace(url: string, prefix: string): Promise<number> {
  if (prefix.length < 4) throw new Error(`refusing to delete Redis keys under the short prefix "${prefix}"`);
  const { default: Redis } = await import("ioredis");
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/**
 * The namespaces `npm start` gives its runs: `devnet-<pid>-<start time, base 36>` (scripts/devnet/options.ts),
 * and test variants that append `-<suffix>` to one (the e2e test's `…-held`). Matched strictly, so keys
 * under any other prefix are never touched.
 */
const DEVNET_NAMESPACE = /^(devnet-(\d+)-[0-9a-z]+)(?:[-:]|$)/;

/** The pid that owns a devnet namespace key, and the namespace; undefined for any other key. */
export function devnetNamespaceOf(key: string): { namespace: string; pid: number } | undefined {
  const m = DEVNET_NAMESPACE.exec(key);
  return m ? { namespace: m[1], pid: Number(m[2]) } : undefined;
}

/** True while a process with this pid runs on this machine (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user, so it is alive.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Deletes the keys of devnet runs whose process is gone (a crashed or killed `npm start`, which could not
 * clean up after itself). Namespaces of running processes, and keys under any other prefix, stay. Returns
 * the namespaces removed and how many keys they held.
 */
export async function removeDeadDevnetNamespaces(
  url: string,
  isAlive: (pid: number) => boolean = processAlive,
): Promise<{ namespaces: string[]; keys: number }> {
  const { default: Redis } = await import("ioredis");
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const dead = new Set<string>();
  let deleted = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", "devnet-*", "COUNT", 1000);
      cursor = next;
      const doomed = keys.filter((k) => {
        const owner = devnetNamespaceOf(k);
        if (!owner || isAlive(owner.pid)) return false;
        dead.add(owner.namespace);
        return true;
      });
      if (doomed.length) deleted += await redis.del(...doomed);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return { namespaces: [...dead].sort(), keys: deleted };
}
