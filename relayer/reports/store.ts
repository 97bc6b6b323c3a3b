/**
 * Where the attesters' signatures over single reports meet: one Redis hash per (chain, topic) holding the newest
 * report and each attester's signature of it. Redis is untrusted: the service re-checks every signature against
 * the chain's current set before serving (attested.ts), so a forged entry can only withhold a report, never
 * make the service serve a wrong one.
 */
import type { Redis } from "ioredis";
import type { OracleReport } from "../../lib/eip712/oracle";
import type { StoredReport } from "./attested";

// KEYS[1] the hash; ARGV: nonce, setId, report JSON, signer, signature. A newer report (higher nonce, or the same
// nonce under a higher set) replaces the hash; the same report gains the signature; an older one is ignored. An
// unreadable entry (Redis is untrusted) is replaced, so it cannot block the reports that follow.
const PUT = `
local cur = redis.call('HGET', KEYS[1], 'report')
if cur then
  local okc, c = pcall(cjson.decode, cur)
  local cn, cs = nil, nil
  if okc and type(c) == 'table' then cn, cs = tonumber(c.nonce), tonumber(c.setId) end
  local nn, ns = tonumber(ARGV[1]), tonumber(ARGV[2])
  if cn and cs and (nn < cn or (nn == cn and ns < cs)) then return 0 end
  if (not cn) or (not cs) or nn > cn or ns > cs or cur ~= ARGV[3] then redis.call('DEL', KEYS[1]) end
end
redis.call('HSET', KEYS[1], 'report', ARGV[3], 'sig:' .. ARGV[4], ARGV[5])
return 1`;

export class ReportStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(chain: string, topic: bigint | number): string {
    return `${this.prefix}:reports:${chain}:${topic}`;
  }

  /** Records `signer`'s signature of `report` under `setId`; false when a newer report is already there. */
  async put(chain: string, report: OracleReport, setId: bigint, signer: string, signature: string): Promise<boolean> {
    const json = JSON.stringify({
      topicId: report.topicId.toString(),
      value: report.value.toString(),
      nonce: report.nonce.toString(),
      timestamp: report.timestamp.toString(),
      setId: setId.toString(),
    });
    const out = await this.redis.eval(PUT, 1, this.key(chain, report.topicId), report.nonce.toString(), setId.toString(), json, signer.toLowerCase(), signature);
    return out === 1;
  }

  /** The newest report of `topic` on `chain` with its signatures, or undefined (none, or unreadable). */
  async get(chain: string, topic: bigint | number): Promise<StoredReport | undefined> {
    const h = await this.redis.hgetall(this.key(chain, topic));
    if (!h.report) return undefined;
    try {
      const r = JSON.parse(h.report) as Record<string, string>;
      const report: OracleReport = { topicId: BigInt(r.topicId), value: BigInt(r.value), nonce: BigInt(r.nonce), timestamp: BigInt(r.timestamp) };
      if (report.topicId !== BigInt(topic)) return undefined;
      const signatures: Record<string, string> = {};
      for (const [k, v] of Object.entries(h)) if (k.startsWith("sig:")) signatures[k.slice(4)] = v;
      return { report, setId: BigInt(r.setId), signatures };
    } catch {
      return undefined; // malformed (Redis is untrusted): as if absent
    }
  }
}

/**
 * Which (chain, topic) reports someone asked for lately, shared by every instance through Redis with a TTL:
 * attesters sign only those (signing every topic on every chain with every key each block would cost a core at
 * 100 topics). A forged entry only makes attesters sign a report nobody asked for.
 */
export class ReportDemand {
  private cache?: { at: number; wanted: Set<string> };
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** how long a request keeps its (chain, topic) signed */
    readonly ttlSeconds = 600,
  ) {}

  private key(chain: string, topic: number): string {
    return `${this.prefix}:reports:wanted:${chain}:${topic}`;
  }

  async mark(chain: string, topic: number): Promise<void> {
    await this.redis.set(this.key(chain, topic), "1", "EX", this.ttlSeconds);
    this.cache?.wanted.add(`${chain}:${topic}`);
  }

  /** The wanted `chain:topic` pairs among `chains` x `topics` (read at most once a second). */
  async wanted(chains: readonly string[], topics: readonly number[]): Promise<Set<string>> {
    if (this.cache && Date.now() - this.cache.at < 1_000) return this.cache.wanted;
    const pairs = chains.flatMap((c) => topics.map((t) => [c, t] as const));
    const values = pairs.length ? await this.redis.mget(pairs.map(([c, t]) => this.key(c, t))) : [];
    const wanted = new Set(pairs.filter((_, i) => values[i] !== null).map(([c, t]) => `${c}:${t}`));
    this.cache = { at: Date.now(), wanted };
    return wanted;
  }
}
