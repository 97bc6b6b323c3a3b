/**
 * Notices when Redis lost this relayer's state, and says what the relayer rebuilds.
 *
 * A marker key under the prefix is written at start. When the connection comes back (a restart, a
 * failover) the marker is read again: present, the state survived (an append-only file, a replica that
 * had it); absent, Redis came back empty (restarted without persistence, or a replica that had not caught
 * up), and everything the relayer keeps in Redis is rebuilt by the parts that own it. This module only
 * tells the operator so (log + metric); the parts rebuild on their own:
 *
 * - the submitter lease per chain: the holder's renewal fails, it stands by, and the next round takes it;
 * - the hub and EVM scan checkpoints: written again from the position the running process holds;
 * - the transfer checkpoints: the sources scan again from the bridges' start (transfers already delivered are
 *   recognised on chain), and the in-flight pass re-enqueues every transfer not final within 15 s;
 * - the inference queues: jobs waiting when Redis died are gone; the next hub inference is queued as usual
 *   and the oracle's nonce check keeps an older report from landing after a newer one;
 * - the signature pools and claims: collected again as attesters sign.
 */
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { hostname } from "node:os";

export const REBUILT = [
  "submitter leases (re-taken by the next lease round)",
  "hub and EVM scan checkpoints (written again from this process's position)",
  "transfer checkpoints (sources rescan from the bridges' start blocks; in-flight transfers re-enqueued within 15 s)",
  "inference queues (waiting jobs were lost; the next hub inference is queued)",
  "signature pools and claims (collected again)",
];

export const stateMarkerKey = (prefix: string): string => `${prefix}:state-marker`;

export class RedisStateWatch {
  private readonly key: string;
  private started = false;
  private checking = false;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly instance: string,
    private readonly log: Logger,
    /** called with "lost" when Redis came back without the marker, "kept" when with it */
    private readonly onCheck: (outcome: "first" | "kept" | "lost") => void = () => undefined,
  ) {
    this.key = stateMarkerKey(prefix);
  }

  /** Checks once now (the start), then after every reconnect. */
  async start(): Promise<void> {
    const found = await this.redis.get(this.key);
    if (found === null) {
      this.log.info({ key: this.key }, `Redis holds no state of this relayer (a first start, or Redis lost its data): building it: ${REBUILT.join("; ")}`);
      await this.mark();
      this.onCheck("first");
    } else {
      this.log.info({ key: this.key, marker: found }, "Redis holds this relayer's state; resuming from it");
    }
    this.started = true;
    this.redis.on("ready", this.onReady);
  }

  stop(): void {
    this.redis.off("ready", this.onReady);
  }

  private readonly onReady = (): void => {
    if (!this.started || this.checking) return;
    this.checking = true;
    this.recheck()
      .catch((e) => this.log.warn({ err: (e as Error).message }, "could not check Redis' state after reconnecting; will check on the next reconnect"))
      .finally(() => (this.checking = false));
  };

  private async recheck(): Promise<void> {
    const found = await this.redis.get(this.key);
    if (found !== null) {
      this.log.info({ key: this.key, marker: found }, "Redis reconnected with this relayer's state intact (append-only file or replica); nothing to rebuild");
      this.onCheck("kept");
      return;
    }
    this.log.warn(
      { alert: "redis_state_lost", key: this.key, rebuilt: REBUILT },
      `Redis reconnected WITHOUT this relayer's state (restarted without its append-only file, or failed over to a replica that had not caught up); rebuilding: ${REBUILT.join("; ")}`,
    );
    await this.mark();
    this.onCheck("lost");
  }

  private async mark(): Promise<void> {
    await this.redis.set(this.key, JSON.stringify({ by: this.instance, host: hostname(), at: new Date().toISOString() }));
  }
}
