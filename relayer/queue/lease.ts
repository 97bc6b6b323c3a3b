/**
 * One submitting instance per chain at a time (a Redis lease with a TTL, renewed while alive). The holder
 * pipelines several transactions from its one key, in order; the others stand by and take over within
 * one TTL when the holder dies (its active jobs come back as stalled jobs). Without it, two instances
 * pipelining could land batches out of order.
 */
import type { Redis } from "ioredis";
import { randomBytes } from "node:crypto";

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/**
 * A lease no live holder could have written: no expiry at all, or one longer than CORRUPT_TTL_FACTOR
 * TTLs (every instance of a deployment sets the same queue.lockDurationMs). Left alone it would keep
 * every instance standing by for good, a silent stall (issue 19 finding 5).
 */
const CORRUPT_TTL_FACTOR = 3;
/**
 * A holder whose renewal has not come back gives the lease up this share of a TTL after its last successful
 * renewal was sent. Redis commands wait through a reconnect (maxRetriesPerRequest null), so a renewal can hang
 * for the whole of a restart or failover while the key expires and another instance takes it: without this the
 * old holder would go on believing it holds the chain (seen in test/redis-ha/sentinel.test.ts).
 */
const GIVE_UP_SHARE = 0.9;

export class ChainLease {
  readonly token: string;
  private held = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private giveUp?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    instance: string,
    private readonly ttlMs: number,
    private readonly onChange: (held: boolean) => void,
    /** called after a corrupt lease (see CORRUPT_TTL_FACTOR) was deleted */
    private readonly onCorrupt: (found: { holder: string; ttlMs: number }) => void = () => undefined,
  ) {
    this.token = `${instance}:${randomBytes(6).toString("hex")}`;
  }

  get isHeld(): boolean {
    return this.held;
  }

  /** One acquire-or-renew round; returns whether the lease is held afterwards. */
  async tick(): Promise<boolean> {
    let now: boolean;
    // Sent before the command: the key expires no earlier than a TTL after this.
    const sentAt = Date.now();
    if (this.held) now = Number(await this.redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs))) === 1;
    else {
      now = (await this.redis.set(this.key, this.token, "PX", this.ttlMs, "NX")) === "OK";
      if (!now) await this.dropIfCorrupt();
    }
    if (now) this.armGiveUp(sentAt);
    this.setHeld(now);
    return now;
  }

  private setHeld(now: boolean): void {
    if (now === this.held) return;
    this.held = now;
    if (!now && this.giveUp) clearTimeout(this.giveUp);
    this.onChange(now);
  }

  /** Gives the lease up if no renewal succeeds before it may have expired (see GIVE_UP_SHARE). */
  private armGiveUp(renewalSentAt: number): void {
    if (this.giveUp) clearTimeout(this.giveUp);
    const at = renewalSentAt + Math.floor(this.ttlMs * GIVE_UP_SHARE);
    this.giveUp = setTimeout(() => this.setHeld(false), Math.max(0, at - Date.now()));
    this.giveUp.unref?.();
  }

  private async dropIfCorrupt(): Promise<void> {
    const [holder, ttl] = await Promise.all([this.redis.get(this.key), this.redis.pttl(this.key)]);
    if (holder === null || ttl === -2 || (ttl >= 0 && ttl <= this.ttlMs * CORRUPT_TTL_FACTOR)) return;
    // Deleted only if it still holds what was read (a real holder that replaced it keeps its lease).
    if (Number(await this.redis.eval(RELEASE, 1, this.key, holder)) === 1) this.onCorrupt({ holder, ttlMs: ttl });
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      await this.tick().catch(() => this.setHeld(false));
      if (!this.stopped) this.timer = setTimeout(() => void loop(), Math.max(50, Math.floor(this.ttlMs / 3))); // loop catches tick()
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.giveUp) clearTimeout(this.giveUp);
    if (this.held) await this.redis.eval(RELEASE, 1, this.key, this.token).catch(() => undefined);
    this.held = false;
  }
}
