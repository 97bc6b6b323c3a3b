/**
 * The hub checkpoint: the highest hub height whose inferences are all durably queued. Written only after
 * the jobs are in Redis, and only ever raised (a slower instance never moves it back).
 */
import type { Redis } from "ioredis";

const RAISE_ONLY = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local new = tonumber(ARGV[1])
if new > cur then redis.call('SET', KEYS[1], ARGV[1]) return new end
return cur`;

// Sets the checkpoint only if it still holds the value read (a corrupt one being reset).
const RESET_IF = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end
return 0`;

/**
 * Why a stored checkpoint cannot be real, or undefined. It is only ever set to heights this deployment
 * processed, so one above the hub head was written by someone else: resuming from it would process
 * nothing until the hub got there, and since it only rises it would never come down (issue 19
 * finding 5). `slack` allows another instance's node to be a few blocks ahead of ours.
 */
export function corruptCheckpoint(raw: string, hubHead: number, slack = 0): string | undefined {
  if (!/^\d{1,15}$/.test(raw)) return `"${raw.slice(0, 40)}" is not a block height`;
  if (Number(raw) > hubHead + slack) return `${raw} is above the hub head ${hubHead}`;
  return undefined;
}

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

  /** The stored value as text (undefined when none), for corruptCheckpoint. */
  async raw(): Promise<string | undefined> {
    return (await this.redis.get(this.key)) ?? undefined;
  }

  /** Replaces a corrupt checkpoint `raw` with `height` (not if it changed meanwhile); returns whether it did. */
  async resetIf(raw: string, height: number): Promise<boolean> {
    return Number(await this.redis.eval(RESET_IF, 1, this.key, raw, String(height))) === 1;
  }

  /** Raises the checkpoint to `height` if it is higher; returns the stored value. */
  async raise(height: number): Promise<number> {
    return Number(await this.redis.eval(RAISE_ONLY, 1, this.key, String(height)));
  }
}
