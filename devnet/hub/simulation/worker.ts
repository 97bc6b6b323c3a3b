/**
 * Synthesis worker thread: runs the topics' simulations ahead of the chain (see source.ts) and posts
 * each epoch's encoded ValueBundle to the main thread.
 */
import { parentPort } from "node:worker_threads";
import { ValueBundle } from "../../../lib/allora-proto";
import { toValueBundleBase } from "./bundle";
import { TopicSimulation } from "./participants";
import type { FromWorker, ToWorker, WorkerInit } from "./source";

const port = parentPort;
if (!port) throw new Error("worker.ts must run in a worker thread");

let init: WorkerInit | undefined;
const sims = new Map<number, TopicSimulation>();
const consumed = new Map<number, number>();
let scheduled = false;

function pick(): TopicSimulation | undefined {
  let best: TopicSimulation | undefined;
  let bestLead = Infinity;
  for (const [id, sim] of sims) {
    const lead = sim.epoch - (consumed.get(id) ?? 0);
    if (lead < init!.ahead && lead < bestLead) {
      best = sim;
      bestLead = lead;
    }
  }
  return best;
}

function loop(): void {
  scheduled = false;
  const sim = pick();
  if (!sim) return;
  try {
    const t0 = performance.now();
    const out = sim.step();
    const bytes = ValueBundle.encode(toValueBundleBase(out.bundle)).finish();
    const msg: FromWorker = { type: "outcome", topicId: sim.topic.id, epoch: out.epoch, bytes, ms: performance.now() - t0, regrets: out.regrets };
    port!.postMessage(msg);
  } catch (e) {
    // the epoch is lost for this topic (the simulation already advanced); report it and go on
    port!.postMessage({ type: "error", topicId: sim.topic.id, epoch: sim.epoch, message: (e as Error).message } satisfies FromWorker);
  }
  kick();
}

function kick(): void {
  if (!scheduled) {
    scheduled = true;
    setImmediate(loop);
  }
}

port.on("message", (m: ToWorker) => {
  if (m.type === "init") {
    init = m.init;
    for (const t of init.topics) sims.set(t.id, new TopicSimulation(t, init.prefix, init.chainId, init.variants));
  } else {
    consumed.set(m.topicId, Math.max(consumed.get(m.topicId) ?? 0, m.epoch));
  }
  kick();
});
