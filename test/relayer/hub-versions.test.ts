/**
 * The relayer's reading of both emissions versions (pure): v9 and v10 bundles decoded from wire bytes into
 * the one internal shape, v10 typed events, the label -> oracle feed mapping, and its validation at config
 * load. The end-to-end runs against v10-only and v9-only hubs are in test/e2e/hub-versions.test.ts.
 */
import { expect } from "chai";
import os from "node:os";
import {
  EventNetworkInferences,
  EventNetworkInferencesV10,
  GetLatestNetworkInferencesResponse,
  GetLatestNetworkInferencesResponseV10,
  NetworkInferenceBundle,
  toTypedEvent,
  ValueBundle,
} from "../../lib/allora-proto";
import { fromV10Bundle, fromV9Bundle, NetworkBundle } from "../../relayer/hub/bundle";
import { feedInferences, feedMap, hubTopicsOf, sourceOf } from "../../relayer/hub/feeds";
import { extractInferences } from "../../relayer/hub/events";
import { ConfigError, parseConfig } from "../../relayer/config/load";
import { decToInt256 } from "../../relayer/convert/dec";
import { HubWatcher } from "../../relayer/hub/watcher";
import { HubConfigInput } from "../../devnet/hub/config";
import { HubDevnet } from "../../devnet/hub/node";
import { defaultConfig, startTestNode } from "../devnet/helpers";
import { captureLogger } from "./helpers";

const lv = (labelId: number, labelName: string, value: string) => ({ labelId: BigInt(labelId), labelName, value });

/** A two-label v10 bundle, as the hub would serve it, round-tripped through the wire format. */
function v10Wire(): NetworkInferenceBundle {
  const bundle = NetworkInferenceBundle.fromPartial({
    topicId: 3n,
    blockHeight: 40n,
    combinedValue: [lv(0, "ETH", "3001.5"), lv(7, "BTC", "60010.25")],
    naiveValue: [lv(7, "BTC", "60000"), lv(0, "ETH", "3000")],
    infererValues: [
      { worker: "allo1a", values: [lv(0, "ETH", "3002"), lv(7, "BTC", "60020")] },
      { worker: "allo1b", values: [lv(7, "BTC", "59990")] },
    ],
    forecasterValues: [{ worker: "allo1f", values: [lv(0, "ETH", "3001"), lv(7, "BTC", "60005")] }],
    oneOutInfererValues: [{ withheldInferer: "allo1a", combinedInference: [lv(0, "ETH", "3000.9"), lv(7, "BTC", "60001")] }],
    oneOutForecasterValues: [{ withheldForecaster: "allo1f", combinedInference: [lv(0, "ETH", "3001.7")] }],
    oneInForecasterValues: [{ forecaster: "allo1f", combinedInference: [lv(7, "BTC", "60011")] }],
    oneOutInfererForecasterValues: [
      { forecaster: "allo1f", withheldInferer: "allo1a", combinedInference: [lv(0, "ETH", "3000.1"), lv(7, "BTC", "60002")] },
      { forecaster: "allo1f", withheldInferer: "allo1b", combinedInference: [lv(0, "ETH", "3000.2")] },
    ],
  });
  const wire = GetLatestNetworkInferencesResponseV10.encode({ networkInferences: bundle, inferenceBlockHeight: 40n }).finish();
  return GetLatestNetworkInferencesResponseV10.decode(wire).networkInferences!;
}

function v9Wire(combinedValue = "2605.53"): ValueBundle {
  const bundle = ValueBundle.fromPartial({
    topicId: 1n,
    combinedValue,
    naiveValue: "2600",
    infererValues: [{ worker: "allo1a", value: "2606" }],
    forecasterValues: [{ worker: "allo1f", value: "2604" }],
    oneOutInfererValues: [{ worker: "allo1a", value: "2605" }],
    oneOutInfererForecasterValues: [{ forecaster: "allo1f", oneOutInfererValues: [{ worker: "allo1a", value: "2605.1" }] }],
  });
  const wire = GetLatestNetworkInferencesResponse.encode({ networkInferences: bundle, inferenceBlockHeight: 12n }).finish();
  return GetLatestNetworkInferencesResponse.decode(wire).networkInferences!;
}

describe("relayer hub: one bundle shape for emissions.v9 and v10", () => {
  it("a v9 ValueBundle is one unnamed label carrying every value", () => {
    const b = fromV9Bundle(v9Wire(), 12n);
    expect(b).to.deep.include({ version: "v9", topicId: 1n, nonce: 12n });
    expect(b.labels).to.have.length(1);
    expect(b.labels[0]).to.deep.include({ labelId: 0, labelName: "", combinedValue: "2605.53", naiveValue: "2600" });
    expect(b.labels[0].infererValues).to.deep.equal([{ worker: "allo1a", value: "2606" }]);
    expect(b.labels[0].oneOutInfererForecasterValues).to.deep.equal([{ forecaster: "allo1f", oneOutInfererValues: [{ worker: "allo1a", value: "2605.1" }] }]);
  });

  it("a v10 NetworkInferenceBundle splits into one label each, every list picked by label id", () => {
    const b = fromV10Bundle(v10Wire());
    expect(b).to.deep.include({ version: "v10", topicId: 3n, nonce: 40n });
    expect(b.labels.map((l) => [l.labelId, l.labelName, l.combinedValue])).to.deep.equal([
      [0, "ETH", "3001.5"],
      [7, "BTC", "60010.25"],
    ]);
    const [eth, btc] = b.labels;
    // naive values are matched by id, not by position (the hub listed BTC first there)
    expect(eth.naiveValue).to.equal("3000");
    expect(btc.naiveValue).to.equal("60000");
    // a worker without a value for a label is left out of that label
    expect(eth.infererValues).to.deep.equal([{ worker: "allo1a", value: "3002" }]);
    expect(btc.infererValues).to.deep.equal([
      { worker: "allo1a", value: "60020" },
      { worker: "allo1b", value: "59990" },
    ]);
    expect(eth.forecasterValues).to.deep.equal([{ worker: "allo1f", value: "3001" }]);
    expect(eth.oneOutInfererValues).to.deep.equal([{ worker: "allo1a", value: "3000.9" }]);
    expect(eth.oneOutForecasterValues).to.deep.equal([{ worker: "allo1f", value: "3001.7" }]);
    expect(btc.oneOutForecasterValues).to.deep.equal([]);
    expect(btc.oneInForecasterValues).to.deep.equal([{ worker: "allo1f", value: "60011" }]);
    // (forecaster, withheld inferer) pairs regroup by forecaster, as the v3 message nests them
    expect(eth.oneOutInfererForecasterValues).to.deep.equal([
      { forecaster: "allo1f", oneOutInfererValues: [{ worker: "allo1a", value: "3000.1" }, { worker: "allo1b", value: "3000.2" }] },
    ]);
    expect(btc.oneOutInfererForecasterValues).to.deep.equal([{ forecaster: "allo1f", oneOutInfererValues: [{ worker: "allo1a", value: "60002" }] }]);
  });

  it("the nonce a query named wins over the bundle's block_height", () => {
    expect(fromV10Bundle(v10Wire(), 41n).nonce).to.equal(41n);
  });

  it("reads emissions.v10.EventNetworkInferences like the v9 event", () => {
    const msg = { topicId: 1n, blockHeight: 0n, nonce: 9n, bundle: { extraData: new Uint8Array(), combinedValue: "12.5", naiveValue: "", infererAddresses: [], forecasterAddresses: [], infererValues: [], forecasterValues: [], oneOutInfererValues: [], oneOutForecasterValues: [], oneInForecasterValues: [], oneOutInfererForecasterValues: [] } };
    const events = [toTypedEvent(EventNetworkInferencesV10, msg), toTypedEvent(EventNetworkInferences, { ...msg, nonce: 10n })];
    expect(events[0].type).to.equal("emissions.v10.EventNetworkInferences");
    const { inferences, malformed } = extractInferences(events, new Set([1]), 100);
    expect(malformed).to.deep.equal([]);
    expect(inferences.map((i) => [i.nonce, i.value])).to.deep.equal([
      [9n, 12_500_000_000_000_000_000n],
      [10n, 12_500_000_000_000_000_000n],
    ]);
  });
});

describe("relayer hub: labels -> oracle feeds", () => {
  const map = feedMap([1, 1003, 1007], [{ topic: 3, labels: [{ name: "ETH", feed: 1003 }, { name: "BTC", feed: 1007 }] }]);

  it("follows the plain topics and the multi-label topics; maps every feed back to its source", () => {
    expect(map.plain).to.deep.equal([1]);
    expect(hubTopicsOf(map)).to.deep.equal([1, 3]);
    expect(sourceOf(map, 1)).to.deep.equal({ topic: 1 });
    expect(sourceOf(map, 1007)).to.deep.equal({ topic: 3, label: "BTC" });
    expect(sourceOf(map, 3)).to.equal(undefined);
    // a label may keep its hub topic's id as its feed id
    const own = feedMap([3, 1007], [{ topic: 3, labels: [{ name: "ETH", feed: 3 }, { name: "BTC", feed: 1007 }] }]);
    expect(own.plain).to.deep.equal([]);
    expect(sourceOf(own, 3)).to.deep.equal({ topic: 3, label: "ETH" });
  });

  it("a multi-label bundle becomes one inference per configured label, under the label's feed id", () => {
    const { inferences, malformed } = feedInferences(fromV10Bundle(v10Wire()), map, 1234);
    expect(malformed).to.deep.equal([]);
    expect(inferences).to.deep.equal([
      { topicId: 1003, nonce: 40n, raw: "3001.5", value: decToInt256("3001.5", 1003), timestamp: 1234, hubTopicId: 3, label: "ETH" },
      { topicId: 1007, nonce: 40n, raw: "60010.25", value: decToInt256("60010.25", 1007), timestamp: 1234, hubTopicId: 3, label: "BTC" },
    ]);
  });

  it("a single-value topic is relayed under its own id, from v9 and v10 alike", () => {
    const v9 = feedInferences(fromV9Bundle(v9Wire(), 12n), map, 5).inferences;
    expect(v9).to.deep.equal([{ topicId: 1, nonce: 12n, raw: "2605.53", value: decToInt256("2605.53", 1), timestamp: 5 }]);
    const single: NetworkBundle = { version: "v10", topicId: 1n, nonce: 12n, labels: [fromV9Bundle(v9Wire(), 12n).labels[0]] };
    expect(feedInferences({ ...single, labels: [{ ...single.labels[0], labelName: "value" }] }, map, 5).inferences).to.deep.equal(v9);
  });

  it("reports, per feed, a missing label, a malformed label value and a multi-label topic configured as plain", () => {
    const bundle = fromV10Bundle(v10Wire());
    bundle.labels[1].combinedValue = "NaN";
    const withXrp = feedMap([1003, 1008], [{ topic: 3, labels: [{ name: "ETH", feed: 1003 }, { name: "XRP", feed: 1008 }] }]);
    const a = feedInferences(bundle, withXrp, 1);
    expect(a.inferences.map((i) => i.topicId)).to.deep.equal([1003]); // ETH still flows
    expect(a.malformed).to.have.length(1);
    expect(a.malformed[0].topicId).to.equal(1008);
    expect(a.malformed[0].error).to.equal('hub topic 3 at nonce 40 has no label "XRP" (labels: "ETH", "BTC"); fix the label names of hub topic 3 in hub.topics');
    const b = feedInferences(bundle, map, 1);
    expect(b.malformed.map((m) => [m.topicId, m.raw])).to.deep.equal([[1007, "NaN"]]);
    expect(b.malformed[0].error).to.match(/^label "BTC" of hub topic 3: /);
    const plain = feedInferences(bundle, feedMap([3]), 1);
    expect(plain.inferences).to.deep.equal([]);
    expect(plain.malformed[0].error).to.equal(
      'hub topic 3 at nonce 40 has 2 labels ("ETH", "BTC"); relay it as { id: 3, labels: { <label>: <oracle feed id>, ... } } in hub.topics',
    );
  });
});

describe("relayer config: multi-label topics", () => {
  const raw = (topics: unknown[]) => ({
    redis: { url: "redis://127.0.0.1:6379" },
    hub: { rpcUrls: ["http://127.0.0.1:26657"], chainId: "allora-devnet-1", topics },
    chains: [
      {
        name: "ethereum",
        chainId: 31337,
        rpcUrls: ["http://127.0.0.1:8545"],
        oracle: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        fees: { strategy: "eip1559", maxFeePerGasGwei: 100, maxPriorityFeePerGasGwei: 2 },
        submitter: { env: "SUBMITTER" },
      },
    ],
    policy: { default: { deviationBps: 50, heartbeatSeconds: 3600 }, overrides: [{ topic: 1007, heartbeatSeconds: 60 }] },
  });
  const issues = (topics: unknown[]): string[] => {
    try {
      parseConfig(raw(topics), {}, "t.yaml", os.tmpdir());
    } catch (e) {
      if (e instanceof ConfigError) return e.issues;
      throw e;
    }
    return [];
  };

  it("loads labels as oracle feeds: hub.topics lists the feed ids, hub.labelled where they come from", () => {
    const c = parseConfig(raw([1, { id: 3, labels: { ETH: 1003, BTC: 1007 } }]), {}, "t.yaml", os.tmpdir());
    expect(c.hub.topics).to.deep.equal([1, 1003, 1007]);
    expect(c.hub.labelled).to.deep.equal([{ topic: 3, labels: [{ name: "ETH", feed: 1003 }, { name: "BTC", feed: 1007 }] }]);
    // a policy override may name a label's feed
    expect(c.policy.overrides[0].topic).to.equal(1007);
    const plain = parseConfig({ ...raw([1, 1007]) }, {}, "t.yaml", os.tmpdir());
    expect(plain.hub.labelled).to.deep.equal([]);
  });

  it("names the field and the fix for each mistake", () => {
    expect(issues([1, { id: 3, labels: { ETH: 1, BTC: 1007 } }])).to.deep.equal([
      "hub.topics[1].labels.ETH: oracle feed id 1 is already used by hub topic 1 (hub.topics[0]); every relayed value needs its own feed id (pick an unused one)",
    ]);
    expect(issues([{ id: 3, labels: { ETH: 1007, BTC: 1007 } }])).to.deep.equal([
      'hub.topics[0].labels.BTC: oracle feed id 1007 is already used by label "ETH" of hub topic 3; every relayed value needs its own feed id (pick an unused one)',
    ]);
    expect(issues([1007, { id: 3, labels: { ETH: 1003 } }, { id: 3, labels: { BTC: 1008 } }])[0]).to.equal(
      "hub.topics[2]: hub topic 3 is listed twice (also hub.topics[1]); topic ids must be unique",
    );
    expect(issues([{ id: 3, labels: {} }]).join("\n")).to.match(/list at least one label, e\.g\. labels: \{ ETH: 1003 \}/);
    expect(issues([{ id: 3, labels: { ETH: 0 } }]).join("\n")).to.match(/^hub\.topics\[0\]/);
    expect(issues([{ id: 3, label: { ETH: 1003 } }]).join("\n")).to.match(/^hub\.topics\[0\]: each topic is a topic id \(e\.g\. 1\) or a multi-label topic/);
  });
});

describe("relayer hub watcher: multi-label topics on a v10-only hub devnet (in-process)", function () {
  this.timeout(120_000);
  let hub: HubDevnet;
  const labelled = [{ topic: 3, labels: [{ name: "ETH", feed: 1003 }, { name: "BTC", feed: 1007 }] }];
  const multiLabelTopic = {
    id: 3,
    epochLength: 1,
    groundTruth: { kind: "random-walk" as const, start: 3000, volatility: 5, seed: 11 },
    inferers: 3,
    forecasters: 2,
    reputers: 2,
    labels: [{ name: "ETH" }, { name: "BTC", id: 7, groundTruth: { start: 60000, volatility: 50 } }],
  };

  before(async () => {
    // no emissionsQueryVersions: the devnet's default is the current hub's, v10 only
    hub = await startTestNode({ bundleHistory: 8, topics: [defaultConfig().topics![0], multiLabelTopic] } as Partial<HubConfigInput>, 500);
    await hub.waitForHeight(12, 30_000);
  });
  after(async () => hub?.stop());

  it("probes v10, splits each epoch of the multi-label topic into its label feeds, and skips a pruned epoch", async () => {
    const { log, lines } = captureLogger();
    const w = new HubWatcher({ rpcUrls: [hub.rpcUrl], websocket: false, pollIntervalMs: 100, topics: [1, 1003, 1007], labelled, chainId: hub.chainId }, log);
    await w.connect();
    // The chain stands still while it is read: with bundleHistory 8, eight blocks (4 s; more on a loaded
    // machine) between reading the height and the queries below would prune the epoch they ask for, and a
    // block between the sweep and latestNonceOf would make them disagree.
    await hub.pauseBlocks();
    try {
      expect(lines.find((l) => l.msg === "hub answers emissions.v10 queries")?.emissionsVersion).to.equal("v10");
      expect(w.emissions().version).to.equal("v10");
      const h = hub.height() - 1;
      const block = await w.block(h);
      expect(block.malformed).to.deep.equal([]);
      expect(block.inferences.map((i) => [i.topicId, i.nonce, i.label])).to.have.deep.members([
        [1, BigInt(h), undefined],
        [1003, BigInt(h), "ETH"],
        [1007, BigInt(h), "BTC"],
      ]);
      // each feed carries its own label's combined value at that nonce
      for (const i of block.inferences) expect(i.raw).to.equal((await w.feedValuesAt(i.topicId, i.nonce))!.combinedValue);
      expect(block.inferences.find((i) => i.topicId === 1007)!.value > 10n * block.inferences.find((i) => i.topicId === 1003)!.value).to.equal(true);
      const sweep = await w.latestInferences();
      expect(sweep.inferences.map((i) => i.topicId)).to.deep.equal([1, 1003, 1007]);
      expect(await w.latestNonceOf(1007)).to.equal(sweep.inferences[2].nonce);
      // bundleHistory 8: an old epoch's bundle is gone; its labels are reported and the block still completes
      const old = await w.block(2);
      expect(old.inferences.map((i) => i.topicId)).to.deep.equal([1]);
      expect(old.malformed.map((m) => m.topicId)).to.deep.equal([3]);
      expect(old.malformed[0].error).to.match(/hub topic 3: an event announced nonce 2 but the hub has no bundle for it/);
    } finally {
      hub.resumeBlocks();
      await w.stop();
    }
  });

  it("refuses a v9-only hub when multi-label topics are configured, naming the fix", async () => {
    const v9 = await startTestNode({ topics: [defaultConfig().topics![0]], emissionsQueryVersions: ["v9"] }, 200);
    try {
      const { log } = captureLogger();
      const w = new HubWatcher({ rpcUrls: [v9.rpcUrl], websocket: false, pollIntervalMs: 100, topics: [1, 1003, 1007], labelled, chainId: v9.chainId }, log);
      let err: unknown;
      await w.connect().catch((e) => (err = e));
      expect(String(err)).to.match(/answers emissions\.v9 only .* multi-label topic\(s\) 3; point hub\.rpcUrls at a v10 hub or list those topics by id alone/);
      const plain = new HubWatcher({ rpcUrls: [v9.rpcUrl], websocket: false, pollIntervalMs: 100, topics: [1], chainId: v9.chainId }, log);
      await plain.connect();
      expect(plain.emissions().version).to.equal("v9");
      await plain.stop();
    } finally {
      await v9.stop();
    }
  });
});
