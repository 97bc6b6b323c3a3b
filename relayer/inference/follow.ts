/**
 * Following the hub for the inference pipeline: resume from the checkpoint (backfilling block by block) or, on
 * a first start / too large a gap / an impossible checkpoint, sweep the latest inference of every topic and
 * follow from the head. Every block's inferences go to the scheduler, then the checkpoint rises.
 */
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { LoadedConfig } from "../config/load";
import type { HubBlock, HubWatcher } from "../hub/watcher";
import { corruptCheckpoint, HubCheckpoint } from "../hub/checkpoint";
import type { HubInference } from "../hub/events";
import type { InferenceVerifier } from "../attest/verifier";
import type { Scheduler } from "../queue/scheduler";
import type { RelayerMetrics } from "../metrics/metrics";
import { HubProgress } from "../health/health";
import { every } from "../tasks";

/** how far the shared hub checkpoint may run ahead of this instance's hub head (another instance's node) */
const CHECKPOINT_SLACK_BLOCKS = 100;

export interface FollowDeps {
  config: LoadedConfig;
  redis: Redis;
  hub: HubWatcher;
  scheduler: Pick<Scheduler, "schedule">;
  verifier: InferenceVerifier;
  metrics: RelayerMetrics;
  log: Logger;
  cleanups: Array<() => Promise<void> | void>;
  /** every hub inference seen (swept or per block), e.g. for pull mode's report signer */
  onInferences?: (inferences: readonly HubInference[]) => void;
}

/** Starts following; returns the hub head at the start and the progress tracker (health). */
export async function followHub(deps: FollowDeps): Promise<{ head: number; progress: HubProgress }> {
  const { config, hub, scheduler, verifier, metrics, log } = deps;
  const checkpoint = new HubCheckpoint(deps.redis, config.redis.prefix);
  const head = await hub.latestHeight();
  let saved = await checkpoint.get();
  const savedRaw = await checkpoint.raw();
  const badCheckpoint = savedRaw === undefined ? undefined : corruptCheckpoint(savedRaw, head);
  if (savedRaw !== undefined && badCheckpoint !== undefined) {
    metrics.corruptState.inc({ kind: "checkpoint" });
    log.error({ alert: "corrupt_state", checkpoint: savedRaw.slice(0, 40), head, reason: badCheckpoint }, "impossible hub checkpoint in Redis; resetting it to the hub head and resuming from the latest inferences");
    await checkpoint.resetIf(savedRaw, head);
    saved = undefined;
  }
  let from: number;
  const remember = (infs: readonly HubInference[]) => {
    infs.forEach((i) => verifier.remember(i.topicId, i.nonce, i.value, i.timestamp));
    deps.onInferences?.(infs);
  };
  const reportMalformed = (items: HubBlock["malformed"]) => {
    for (const m of items) {
      metrics.malformed.inc({ topic: String(m.topicId ?? "unknown") });
      log.error({ topicId: m.topicId, nonce: m.nonce?.toString(), value: m.raw, err: m.error }, "malformed inference skipped");
    }
  };
  if (saved !== undefined && saved <= head && head - saved <= config.hub.maxBackfillBlocks) {
    from = saved + 1;
    log.info({ checkpoint: saved, head, backfill: Math.max(0, head - saved) }, "hub: resuming from checkpoint");
  } else {
    if (saved !== undefined) log.warn({ checkpoint: saved, head, maxBackfillBlocks: config.hub.maxBackfillBlocks }, "hub: gap beyond maxBackfillBlocks; resuming from the latest inferences");
    const sweep = await hub.latestInferences();
    reportMalformed(sweep.malformed);
    remember(sweep.inferences);
    await scheduler.schedule(sweep.inferences, head, "sweep", Date.now());
    await checkpoint.raise(head);
    from = head + 1;
  }
  metrics.hubCheckpoint.set(Math.max(saved ?? 0, from - 1));
  const progress = new HubProgress(from - 1, Date.now());
  hub.start(from, async (block) => {
    metrics.hubHeight.set(hub.headHeight);
    reportMalformed(block.malformed);
    remember(block.inferences);
    await scheduler.schedule(block.inferences, block.height, "epoch", Date.now());
    const stored = await checkpoint.raise(block.height);
    // Another instance's node may be a little ahead of ours; far beyond our head is someone's write.
    const bad = corruptCheckpoint(String(stored), Math.max(hub.headHeight, block.height), CHECKPOINT_SLACK_BLOCKS);
    if (bad !== undefined) {
      metrics.corruptState.inc({ kind: "checkpoint" });
      log.error({ alert: "corrupt_state", checkpoint: stored, head: hub.headHeight, reason: bad }, "impossible hub checkpoint in Redis; reset to the block just processed");
      await checkpoint.resetIf(String(stored), block.height);
    }
    metrics.hubCheckpoint.set(bad === undefined ? stored : block.height);
    progress.processed(block.height, Date.now());
  }, {
    // While running, too: after an outage longer than the window the epochs in between are superseded by
    // the latest (the oracle only ever stores a newer nonce), so they are skipped rather than posted late.
    maxBlocks: config.hub.maxBackfillBlocks,
    skip: async (next, latest) => {
      log.warn({ checkpoint: next - 1, head: latest, maxBackfillBlocks: config.hub.maxBackfillBlocks }, "hub: gap beyond maxBackfillBlocks; resuming from the latest inferences");
      const swept = await hub.latestInferences();
      reportMalformed(swept.malformed);
      remember(swept.inferences);
      await scheduler.schedule(swept.inferences, latest, "sweep", Date.now());
      metrics.hubCheckpoint.set(await checkpoint.raise(latest));
      progress.processed(latest, Date.now());
      return latest + 1;
    },
  });
  const progressSampler = every(log, "hub progress sample", config.hub.pollIntervalMs, async () => progress.sample(hub.headHeight, Date.now()));
  deps.cleanups.push(() => progressSampler.stop());
  return { head, progress };
}
