/**
 * The claim table: per chain, per topic, the newest (nonce, job) scheduled to that chain and its value.
 * A claim succeeds for a strictly newer nonce, or for the same nonce and the SAME job id (so a crashed
 * scheduler re-adds its own job after a restart). It is one Lua script over all topics of a job, so two
 * instances scheduling the same hub block cannot both claim a (topic, nonce): one job carries it.
 * The table also serves the policy as the "last scheduled" reference.
 */
import type { Redis } from "ioredis";
import { PostedValue } from "../policy/due";

// Nonces are compared as digit strings (length, then lexically): Lua numbers are doubles.
const CLAIM = `
local out = {}
for i = 2, #ARGV, 3 do
  local topic, nonce, payload = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local cur = redis.call('HGET', KEYS[1], topic)
  local ok = false
  if not cur then
    ok = true
  else
    local cn, cj = string.match(cur, '^(%d+)|([^|]*)|')
    if cn == nil then ok = true
    elseif #nonce > #cn or (#nonce == #cn and nonce > cn) then ok = true
    elseif nonce == cn and cj == ARGV[1] then ok = true end
  end
  if ok then
    redis.call('HSET', KEYS[1], topic, nonce .. '|' .. ARGV[1] .. '|' .. payload)
    table.insert(out, topic)
  end
end
return out`;

// Deletes a topic's claim only if it still belongs to the given job (a newer claim stays).
const RELEASE = `
local n = 0
for i = 2, #ARGV do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  if cur then
    local cj = string.match(cur, '^%d+|([^|]*)|')
    if cj == ARGV[1] then redis.call('HDEL', KEYS[1], ARGV[i]) n = n + 1 end
  end
end
return n`;

export interface ClaimInput {
  topicId: number;
  nonce: bigint;
  value: bigint;
  timestamp: number;
}

// Deletes a topic's claim only if it still holds exactly the value read (a corrupt entry being reset;
// a claim written meanwhile by a scheduler stays).
const DROP_IF = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;

export interface ClaimRecord extends PostedValue {
  jobId: string;
  /** the entry as stored, for dropIf */
  raw: string;
}

export class ClaimTable {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(chain: string) {
    return `${this.prefix}:claims:${chain}`;
  }

  /** Claims the given reports for `jobId`; returns the topic ids claimed. */
  async claim(chain: string, jobId: string, reports: readonly ClaimInput[]): Promise<Set<number>> {
    if (reports.length === 0) return new Set();
    const args = [jobId];
    for (const r of reports) args.push(String(r.topicId), r.nonce.toString(), `${r.value}|${r.timestamp}`);
    const res = (await this.redis.eval(CLAIM, 1, this.key(chain), ...args)) as string[];
    return new Set(res.map(Number));
  }

  /**
   * Forgets the claims `jobId` still holds (it failed for good), so the policy measures the next
   * inference against what is really on chain again. Returns how many were released.
   */
  async release(chain: string, jobId: string, topics: readonly number[]): Promise<number> {
    if (topics.length === 0) return 0;
    return Number(await this.redis.eval(RELEASE, 1, this.key(chain), jobId, ...topics.map(String)));
  }

  /** Deletes `topic`'s claim on `chain` if it is still `raw`; returns whether it did. */
  async dropIf(chain: string, topic: number, raw: string): Promise<boolean> {
    return Number(await this.redis.eval(DROP_IF, 1, this.key(chain), String(topic), raw)) === 1;
  }

  /** Every topic's last scheduled value on `chain`. */
  async all(chain: string): Promise<Map<number, ClaimRecord>> {
    const raw = await this.redis.hgetall(this.key(chain));
    const out = new Map<number, ClaimRecord>();
    for (const [topic, v] of Object.entries(raw)) {
      const [nonce, jobId, value, ts] = v.split("|");
      try {
        out.set(Number(topic), { nonce: BigInt(nonce), jobId, value: BigInt(value), timestamp: Number(ts), raw: v });
      } catch {
        /* a foreign or corrupt entry: Redis is untrusted; ignore it */
      }
    }
    return out;
  }
}
