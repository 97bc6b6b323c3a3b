/**
 * Where a topic's epoch outcomes come from: computed inline (main thread) or precomputed by a worker
 * thread that runs ahead of the chain. The simulated participants do not depend on chain state, so
 * epoch k of a topic can be computed before its block; the worker keeps each topic up to `ahead`
 * epochs ahead, and block production only picks up the ready bundles. This keeps the RPC thread
 * responsive and the per-block time small with many topics.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import { ValueBundle } from "../../../lib/allora-proto";
import { TopicConfig } from "../config";
import { toValueBundleBase } from "./bundle";
import { RegretSnapshot, TopicSimulation } from "./participants";

/** One epoch of a topic as the emissions module receives it. */
export interface EpochOutcomeMsg {
  bundle: ValueBundle;
  computeMs: number;
  /** the regrets the synthesis used */
  regrets: RegretSnapshot;
}

export interface EpochSource {
  /** the next epoch's network bundle of the topic (topic id and nonce not yet set) */
  take(topicId: number): Promise<EpochOutcomeMsg>;
  close(): Promise<void>;
}

/** Several workers, each owning a share of the topics (round-robin by config order). */
export class ShardedWorkerSource implements EpochSource {
  private readonly shards: WorkerSource[] = [];
  private readonly byTopic = new Map<number, WorkerSource>();
  constructor(init: WorkerInit, workers: number) {
    const n = Math.max(1, Math.min(workers, init.topics.length));
    for (let i = 0; i < n; i++) {
      const topics = init.topics.filter((_, j) => j % n === i);
      const w = new WorkerSource({ ...init, topics });
      this.shards.push(w);
      for (const t of topics) this.byTopic.set(t.id, w);
    }
  }
  take(topicId: number) {
    return this.byTopic.get(topicId)!.take(topicId);
  }
  async close(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.close()));
  }
}

export class InlineSource implements EpochSource {
  private readonly sims = new Map<number, TopicSimulation>();
  constructor(topics: TopicConfig[], prefix: string, chainId: string, variants: boolean) {
    for (const t of topics) this.sims.set(t.id, new TopicSimulation(t, prefix, chainId, variants));
  }
  async take(topicId: number) {
    const t0 = performance.now();
    const out = this.sims.get(topicId)!.step();
    return { bundle: toValueBundleBase(out.bundle), computeMs: performance.now() - t0, regrets: out.regrets };
  }
  async close(): Promise<void> {}
}

export interface WorkerInit {
  topics: TopicConfig[];
  prefix: string;
  chainId: string;
  variants: boolean;
  ahead: number;
}

export type ToWorker = { type: "init"; init: WorkerInit } | { type: "consumed"; topicId: number; epoch: number };
export type FromWorker =
  | { type: "outcome"; topicId: number; epoch: number; bytes: Uint8Array; ms: number; regrets: RegretSnapshot }
  | { type: "error"; topicId: number; epoch: number; message: string };

type Outcome = { bytes: Uint8Array; ms: number; regrets: RegretSnapshot } | { error: string };

export class WorkerSource implements EpochSource {
  private readonly worker: Worker;
  private readonly ready = new Map<string, Outcome>();
  private readonly waiting = new Map<string, (v: Outcome) => void>();
  private readonly consumed = new Map<number, number>();
  private failure: Error | undefined;

  constructor(init: WorkerInit) {
    const impl = path.join(__dirname, `worker${path.extname(__filename)}`);
    const boot = __filename.endsWith(".ts")
      ? `require("ts-node").register({ transpileOnly: true }); require(${JSON.stringify(impl)});`
      : `require(${JSON.stringify(impl)});`;
    this.worker = new Worker(boot, { eval: true });
    this.worker.on("message", (m: FromWorker) => {
      const key = `${m.topicId}/${m.epoch}`;
      const outcome: Outcome = m.type === "error" ? { error: m.message } : { bytes: m.bytes, ms: m.ms, regrets: m.regrets };
      const w = this.waiting.get(key);
      if (w) {
        this.waiting.delete(key);
        w(outcome);
      } else {
        this.ready.set(key, outcome);
      }
    });
    this.worker.on("error", (e) => {
      this.failure = e;
      for (const w of this.waiting.values()) w({ error: `synthesis worker crashed: ${e.message}` });
      this.waiting.clear();
    });
    this.worker.postMessage({ type: "init", init } satisfies ToWorker);
  }

  async take(topicId: number) {
    if (this.failure) throw this.failure;
    const epoch = (this.consumed.get(topicId) ?? 0) + 1;
    this.consumed.set(topicId, epoch);
    this.worker.postMessage({ type: "consumed", topicId, epoch } satisfies ToWorker);
    const key = `${topicId}/${epoch}`;
    const buffered = this.ready.get(key);
    if (buffered) this.ready.delete(key);
    const got = buffered ?? (await new Promise<Outcome>((resolve) => this.waiting.set(key, resolve)));
    if ("error" in got) throw new Error(`topic ${topicId} epoch ${epoch}: ${got.error}`);
    return { bundle: ValueBundle.decode(got.bytes), computeMs: got.ms, regrets: got.regrets };
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
