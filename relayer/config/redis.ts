/**
 * Where the relayer's Redis is: one server (`url`), a Sentinel-managed primary (`sentinels` + `name`) or a
 * Redis Cluster (`cluster`). Exactly one of the three. Passwords come in through `${ENV}` placeholders
 * (load.ts), never written in the file.
 *
 * In a cluster every key of one BullMQ queue must hash to one slot, and the relayer's own multi-key
 * commands (quarantine's MULTI, the Lua scripts) must too: the prefix is then a hash tag, `{name}`, so every
 * key of this relayer (`{name}:...`) lands in one slot. That keeps Redis highly available (each master has
 * replicas) but does not spread this relayer's load across masters: one relayer's whole state is one slot.
 */
import { z } from "zod";

const hostPort = z
  .object({
    host: z.string().min(1, "give a host name or IP address"),
    port: z.number().int().min(1).max(65535, "a TCP port is 1-65535"),
  })
  .strict();
export type HostPort = z.infer<typeof hostPort>;

const PLAIN_PREFIX = /^[A-Za-z0-9_.:-]+$/;
const HASH_TAG_PREFIX = /^\{[A-Za-z0-9_.:-]+\}$/;
export const DEFAULT_PREFIX = "allora-relayer";

export const redisSchema = z
  .object({
    /** one Redis server: redis://[user:password@]host:port[/db] or rediss:// for TLS */
    url: z.string().regex(/^rediss?:\/\/\S+$/, "must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379").optional(),
    /** Redis Sentinel: the sentinels to ask, and `name`, the primary's name in their configuration */
    sentinels: z.array(hostPort).min(1, "list at least one sentinel; three or more on separate hosts in production").optional(),
    name: z.string().min(1, "the primary's name as the sentinels know it (sentinel monitor <name> ...)").optional(),
    /** Redis Cluster: some of its nodes (the others are discovered) */
    cluster: z.array(hostPort).min(1, "list at least one cluster node; more than one so a start survives a node being down").optional(),
    /** ACL user and password of the Redis servers (sentinel and cluster modes; in url mode put them in the URL) */
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** the sentinels' own password, when they have one (sentinel mode) */
    sentinelPassword: z.string().min(1).optional(),
    /** TLS to the Redis servers (sentinel and cluster modes; in url mode write rediss://) */
    tls: z.boolean().default(false),
    /**
     * every key and queue of this relayer is under this prefix; two relayer deployments need two prefixes.
     * Default allora-relayer, and {allora-relayer} (a hash tag) in a cluster.
     */
    prefix: z.string().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const modes = [r.url !== undefined && "url", r.sentinels !== undefined && "sentinels", r.cluster !== undefined && "cluster"].filter(Boolean);
    if (modes.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message:
          modes.length === 0
            ? "give one of url: redis://host:6379, sentinels: [{ host, port }, ...] with name: <primary name>, or cluster: [{ host, port }, ...]"
            : `give only one of url, sentinels and cluster (found ${modes.join(" and ")}; a RELAYER_REDIS_URL in the environment counts as url)`,
      });
      return;
    }
    if (r.sentinels !== undefined && r.name === undefined) ctx.addIssue({ code: "custom", path: ["name"], message: "with sentinels, give name: the primary's name as the sentinels know it (sentinel monitor <name> ...)" });
    if (r.sentinels === undefined && r.name !== undefined) ctx.addIssue({ code: "custom", path: ["name"], message: "name is the Sentinel primary's name; it needs sentinels: [...]" });
    if (r.sentinels === undefined && r.sentinelPassword !== undefined) ctx.addIssue({ code: "custom", path: ["sentinelPassword"], message: "sentinelPassword needs sentinels: [...]" });
    if (r.url !== undefined && (r.username !== undefined || r.password !== undefined || r.tls)) {
      ctx.addIssue({ code: "custom", path: ["url"], message: "with url, write the user, password and TLS in the URL: rediss://user:${REDIS_PASSWORD}@host:6379" });
    }
    if (r.prefix !== undefined) {
      if (r.cluster !== undefined && !HASH_TAG_PREFIX.test(r.prefix)) {
        ctx.addIssue({
          code: "custom",
          path: ["prefix"],
          message: `in a cluster the prefix must be a hash tag such as {${r.prefix.replace(/[{}]/g, "") || DEFAULT_PREFIX}} so every key of a queue hashes to one slot (else Redis answers CROSSSLOT)`,
        });
      } else if (!PLAIN_PREFIX.test(r.prefix) && !HASH_TAG_PREFIX.test(r.prefix)) {
        ctx.addIssue({ code: "custom", path: ["prefix"], message: "letters, digits, _ . : - only, optionally inside one pair of braces ({name}, a cluster hash tag)" });
      }
    }
  })
  .transform((r) => ({ ...r, prefix: r.prefix ?? (r.cluster !== undefined ? `{${DEFAULT_PREFIX}}` : DEFAULT_PREFIX) }));
export type RedisConfig = z.infer<typeof redisSchema>;

/** The Redis target for logs: no password, ever. */
export function describeRedis(r: RedisConfig): string {
  if (r.url !== undefined) return `redis ${r.url.replace(/\/\/[^@/]*@/, "//***@")}`;
  const hosts = (hs: HostPort[]) => hs.map((h) => `${h.host}:${h.port}`).join(",");
  if (r.sentinels !== undefined) return `redis sentinel primary "${r.name}" via ${hosts(r.sentinels)}`;
  return `redis cluster via ${hosts(r.cluster ?? [])}`;
}
