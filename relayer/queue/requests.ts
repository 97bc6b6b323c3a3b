/**
 * Unserved paid requests (InferenceRequested) per chain: Redis hash field `<topic>:<requestId>` -> amount.
 * Keyed by request id, so every instance recording the same event writes the same field. Served
 * requests are removed when a job carrying their topic is scheduled.
 */
import type { Redis } from "ioredis";

export class RequestBook {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(chain: string) {
    return `${this.prefix}:requests:${chain}`;
  }

  async add(chain: string, topicId: number, requestId: bigint, amount: bigint): Promise<void> {
    await this.redis.hset(this.key(chain), `${topicId}:${requestId}`, amount.toString());
  }

  /** topic -> total unserved payment. */
  async totals(chain: string): Promise<Map<number, bigint>> {
    const raw = await this.redis.hgetall(this.key(chain));
    const out = new Map<number, bigint>();
    for (const [field, amount] of Object.entries(raw)) {
      const topic = Number(field.split(":")[0]);
      try {
        out.set(topic, (out.get(topic) ?? 0n) + BigInt(amount));
      } catch {
        /* ignore corrupt entries */
      }
    }
    return out;
  }

  /** Removes every request of these topics recorded so far (they are now scheduled). */
  async served(chain: string, topics: Iterable<number>): Promise<void> {
    const want = new Set(topics);
    if (want.size === 0) return;
    const fields = (await this.redis.hkeys(this.key(chain))).filter((f) => want.has(Number(f.split(":")[0])));
    if (fields.length) await this.redis.hdel(this.key(chain), ...fields);
  }
}
