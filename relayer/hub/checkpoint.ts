/**
 * The hub checkpoint: the highest hub height whose inferences are all durably queued. Written only after
 * the jobs are in Redis, and only ever raised (a slower instance never moves it back).
 */
import type { Redis } from "ioredis";

const RAISE_ONLY = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local new = tonumber(ARGV[1])
if new > cur then redis.call('SET', KEYS[1], ARGV[1]) return new end
return cur`;

export class HubCheckpoint {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private get key() {
    return `${this.prefix}:hub:checkpoint`;
  }

  async get(): Promise<number | undefined> {
    const v = await this.redis.get(this.key);
    return v === null ? undefined : Number(v);
  }

  /** Raises the checkpoint to `height` if it is higher; returns the stored value. */
  async raise(height: number): Promise<number> {
    return Number(await this.redis.eval(RAISE_ONLY, 1, this.key, String(height)));
  }
}
