/**
 * emissions.v10 on the hub devnet, through real @cosmjs QueryClients: the labelled
 * NetworkInferenceBundle (single- and multi-label topics) against the v9 answer and a replay of the
 * synthesis engine, the v10 Topic, and `emissionsQueryVersions` deciding which query services answer
 * (a current hub answers v10 only; v7 is answered by none, as on the real hub).
 */
import { expect } from "chai";
import { createProtobufRpcClient, QueryClient } from "@cosmjs/stargate";
import { Comet38Client, connectComet } from "@cosmjs/tendermint-rpc";
import {
  GetLatestNetworkInferencesRequest,
  GetLatestNetworkInferencesResponse,
  GetNetworkInferencesAtBlockRequest,
  GetNetworkInferencesAtBlockResponse,
  QueryPaths,
  toBytes,
  ValueBundle,
} from "../../lib/allora-proto";
import { HubConfigInput } from "../../devnet/hub/config";
import { HubDevnet } from "../../devnet/hub/node";
import { laneConfigs, laneAddressMap, renameWorkers } from "../../devnet/hub/modules/labels";
import { toValueBundle } from "../../devnet/hub/modules/emissions";
import { TopicSimulation } from "../../devnet/hub/simulation/participants";
import {
  GetLatestNetworkInferencesRequestV10,
  GetLatestNetworkInferencesResponseV10,
  GetNetworkInferencesAtBlockRequestV10,
  GetNetworkInferencesAtBlockResponseV10,
  GetNextTopicIdRequestV10,
  GetNextTopicIdResponseV10,
  GetTopicRequestV10,
  GetTopicResponseV10,
  NetworkInferenceBundle,
  QUERY_SERVICE_V10,
  QueryPathsV10,
  TopicOutputArity,
  TopicType,
} from "../../lib/allora-proto";
import { defaultConfig, startTestNode } from "./helpers";

/** A third topic with two labels of very different scale (ETH ~3000, BTC ~60000). */
const multiLabelTopic = {
  id: 3,
  metadata: "ETH and BTC 5min (devnet, multi-label)",
  epochLength: 1,
  groundTruth: { kind: "random-walk" as const, start: 3000, volatility: 5, seed: 11 },
  inferers: 3,
  forecasters: 2,
  reputers: 2,
  labels: [{ name: "ETH" }, { name: "BTC", id: 7, groundTruth: { start: 60000, volatility: 50 } }],
};

async function connect(node: HubDevnet): Promise<{ comet: Comet38Client; query: QueryClient }> {
  const comet = (await connectComet(node.rpcUrl)) as Comet38Client;
  return { comet, query: QueryClient.withExtensions(comet) };
}

describe("hub devnet: emissions.v10 queries (real cosmjs QueryClient)", function () {
  let node: HubDevnet;
  let comet: Comet38Client;
  let query: QueryClient;

  const v10Latest = async (topicId: bigint) =>
    GetLatestNetworkInferencesResponseV10.decode(
      (await query.queryAbci(QueryPathsV10.GetLatestNetworkInferences, toBytes(GetLatestNetworkInferencesRequestV10, { topicId }))).value,
    );
  const v10At = async (topicId: bigint, nonce: bigint) =>
    GetNetworkInferencesAtBlockResponseV10.decode(
      (
        await query.queryAbci(
          QueryPathsV10.GetNetworkInferencesAtBlock,
          toBytes(GetNetworkInferencesAtBlockRequestV10, { topicId, blockHeightLastInference: nonce }),
        )
      ).value,
    ).networkInferences!;
  const v9At = async (topicId: bigint, nonce: bigint) =>
    GetNetworkInferencesAtBlockResponse.decode(
      (
        await query.queryAbci(
          QueryPaths.GetNetworkInferencesAtBlock,
          toBytes(GetNetworkInferencesAtBlockRequest, { topicId, blockHeightLastInference: nonce }),
        )
      ).value,
    ).networkInferences!;

  before(async () => {
    const cfg = defaultConfig();
    node = await startTestNode({ bundleHistory: 50, emissionsQueryVersions: ["v9", "v10"], topics: [...(cfg.topics ?? []), multiLabelTopic] } as Partial<HubConfigInput>, 200);
    ({ comet, query } = await connect(node));
    await node.waitForHeight(4);
  });
  after(async () => {
    comet?.disconnect();
    await node?.stop();
  });

  it("serves a single-label topic's bundle in v10 shape, value for value the v9 bundle of the same nonce", async () => {
    const res = await v10Latest(1n);
    const nonce = res.inferenceBlockHeight;
    const b = res.networkInferences!;
    expect(nonce > 0n).to.equal(true);
    expect(b.topicId).to.equal(1n);
    expect(b.blockHeight).to.equal(nonce);
    const v9 = await v9At(1n, nonce);
    const label = { labelId: 0n, labelName: "value" };
    expect(b.combinedValue).to.deep.equal([{ ...label, value: v9.combinedValue }]);
    expect(b.naiveValue).to.deep.equal([{ ...label, value: v9.naiveValue }]);
    expect(b.infererValues).to.deep.equal(v9.infererValues.map((x) => ({ worker: x.worker, values: [{ ...label, value: x.value }] })));
    expect(b.forecasterValues).to.deep.equal(v9.forecasterValues.map((x) => ({ worker: x.worker, values: [{ ...label, value: x.value }] })));
    expect(b.oneOutInfererValues.map((x) => [x.withheldInferer, x.combinedInference[0].value])).to.deep.equal(
      v9.oneOutInfererValues.map((x) => [x.worker, x.value]),
    );
    expect(b.oneInForecasterValues.map((x) => [x.forecaster, x.combinedInference[0].value])).to.deep.equal(
      v9.oneInForecasterValues.map((x) => [x.worker, x.value]),
    );
    const v9Pairs = v9.oneOutInfererForecasterValues.flatMap((o) => o.oneOutInfererValues.map((x) => [o.forecaster, x.worker, x.value]));
    expect(v9Pairs.length).to.be.greaterThan(0);
    expect(b.oneOutInfererForecasterValues.map((x) => [x.forecaster, x.withheldInferer, x.combinedInference[0].value])).to.deep.equal(v9Pairs);
    // the same bundle by nonce
    expect(await v10At(1n, nonce)).to.deep.equal(b);
  });

  it("serves a multi-label topic as one labelled value per label, each label its own simulation with the topic's workers", async () => {
    const { inferenceBlockHeight: nonce, networkInferences } = await v10Latest(3n);
    const b = networkInferences!;
    expect(b.combinedValue.map((v) => [v.labelId, v.labelName])).to.deep.equal([
      [0n, "ETH"],
      [7n, "BTC"],
    ]);
    const [eth, btc] = b.combinedValue.map((v) => Number(v.value));
    expect(eth).to.be.within(2000, 4000);
    expect(btc).to.be.within(50000, 70000);
    // every inferer of the topic carries both labels; the addresses are the topic's own participants
    const v9 = await v9At(3n, nonce);
    expect(b.infererValues.map((w) => w.worker)).to.deep.equal(v9.infererValues.map((x) => x.worker));
    for (const w of b.infererValues) expect(w.values.map((v) => v.labelName)).to.deep.equal(["ETH", "BTC"]);
    expect(b.forecasterValues.map((w) => w.worker)).to.deep.equal(v9.forecasterValues.map((x) => x.worker));
    // v9 answers the first label
    expect(v9.combinedValue).to.equal(b.combinedValue[0].value);

    // replay both labels' simulations up to the nonce (epoch length 1: epoch k closes at height k)
    const cfg = node.config.topics.find((t) => t.id === 3)!;
    const laneId = 4; // the first id above every topic id
    const [ethCfg, btcCfg] = laneConfigs(cfg, [laneId]);
    const simEth = new TopicSimulation(ethCfg, "allo", "allora-devnet-1");
    const simBtc = new TopicSimulation(btcCfg, "allo", "allora-devnet-1");
    let lastEth: ValueBundle | undefined;
    let lastBtc: ValueBundle | undefined;
    for (let k = 1n; k <= nonce; k++) {
      lastEth = toValueBundle(3n, k, simEth.step().bundle);
      lastBtc = renameWorkers(toValueBundle(3n, k, simBtc.step().bundle), laneAddressMap("allo", "allora-devnet-1", cfg, laneId));
    }
    expect(b.combinedValue.map((v) => v.value)).to.deep.equal([lastEth!.combinedValue, lastBtc!.combinedValue]);
    // grouped by worker (the lane's own order may differ: it sorts by its own addresses)
    const btcOf = new Map(lastBtc!.infererValues.map((x) => [x.worker, x.value]));
    expect(btcOf.size).to.equal(3);
    expect(b.infererValues.map((w) => w.values.map((v) => v.value))).to.deep.equal(
      lastEth!.infererValues.map((x) => [x.value, btcOf.get(x.worker)]),
    );
  });

  it("answers the v10 GetTopic (arity SINGLE / MULTI, label whitelist) and GetNextTopicId through a protobuf RPC client", async () => {
    const rpc = createProtobufRpcClient(query);
    const topic = async (topicId: bigint) =>
      GetTopicResponseV10.decode(await rpc.request(QUERY_SERVICE_V10, "GetTopic", toBytes(GetTopicRequestV10, { topicId })));
    const single = await topic(1n);
    expect(single.topic?.id).to.equal(1n);
    expect(single.topic?.pNorm).to.equal("3");
    expect(single.topic?.topicType).to.equal(TopicType.REGRESSION);
    expect(single.topic?.outputArity).to.equal(TopicOutputArity.SINGLE);
    expect(single.topic?.labelWhitelist).to.deep.equal([]);
    expect((single.topic?.epochLastEnded ?? 0n) > 0n).to.equal(true);
    const multi = await topic(3n);
    expect(multi.topic?.outputArity).to.equal(TopicOutputArity.MULTI);
    expect(multi.topic?.labelWhitelist).to.deep.equal(["ETH", "BTC"]);
    expect(multi.topic?.maxLabelsPerSubmission).to.equal(2n);
    expect(multi.weight).to.equal("1");
    // the label lanes are not topics
    const next = GetNextTopicIdResponseV10.decode(await rpc.request(QUERY_SERVICE_V10, "GetNextTopicId", toBytes(GetNextTopicIdRequestV10, {})));
    expect(next.nextTopicId).to.equal(4n);
  });

  it("devnet_injectFault puts the bad value in every label's combined value of a multi-label topic", async () => {
    const before = (await v10Latest(3n)).inferenceBlockHeight; // read before injecting: the fault lands after it
    const res = await fetch(node.rpcUrl, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "devnet_injectFault", params: { topic_id: 3, kind: "nan", count: 1 } }),
    });
    expect(((await res.json()) as { result?: unknown }).result).to.not.equal(undefined);
    await node.waitForHeight(Number(before) + 4);
    // the first epoch after the injection carries NaN in both labels, the next one recovers
    let faulty: NetworkInferenceBundle | undefined;
    for (let n = before + 1n; n <= before + 3n && !faulty; n++) {
      const b = await v10At(3n, n);
      if (b.combinedValue[0].value === "NaN") faulty = b;
    }
    expect(faulty, "an epoch with the fault").to.not.equal(undefined);
    expect(faulty!.combinedValue.map((v) => v.value)).to.deep.equal(["NaN", "NaN"]);
    const after = await v10At(3n, faulty!.blockHeight + 1n);
    for (const v of after.combinedValue) expect(Number.isFinite(Number(v.value))).to.equal(true);
  });

  it("answers NotFound (code 22) for an unknown topic or a nonce that never closed", async () => {
    const r = await comet.abciQuery({ path: QueryPathsV10.GetTopic, data: toBytes(GetTopicRequestV10, { topicId: 99n }) });
    expect(r.code).to.equal(22);
    expect(r.log).to.match(/NotFound desc = topic 99 not found/);
    const future = await comet.abciQuery({
      path: QueryPathsV10.GetNetworkInferencesAtBlock,
      data: toBytes(GetNetworkInferencesAtBlockRequestV10, { topicId: 3n, blockHeightLastInference: 1_000_000n }),
    });
    expect(future.code).to.equal(22);
    expect(future.log).to.match(/no network inferences found for topic 3 at block 1000000/);
  });
});

describe("hub devnet: emissionsQueryVersions decides which emissions query services answer", function () {
  const oneTopic = (): Partial<HubConfigInput> => ({ topics: [defaultConfig().topics![0]] });

  it('the default (and ["v10"]) answers like a current hub: v10 only; v9 and v7 get code 6 unknown query path', async () => {
    // no emissionsQueryVersions: the default must be what the real hub registers
    const node = await startTestNode({ ...oneTopic() }, 200);
    const { comet, query } = await connect(node);
    try {
      await node.waitForHeight(2);
      const v10 = GetLatestNetworkInferencesResponseV10.decode(
        (await query.queryAbci(QueryPathsV10.GetLatestNetworkInferences, toBytes(GetLatestNetworkInferencesRequestV10, { topicId: 1n }))).value,
      );
      expect(v10.networkInferences?.combinedValue).to.have.length(1);
      for (const path of [QueryPaths.GetLatestNetworkInferences, "/emissions.v7.QueryService/GetLatestAvailableNetworkInferences"]) {
        const r = await comet.abciQuery({ path, data: toBytes(GetLatestNetworkInferencesRequest, { topicId: 1n }) });
        expect(r.code, path).to.equal(6);
        expect(r.log, path).to.match(/unknown query path/);
      }
    } finally {
      comet.disconnect();
      await node.stop();
    }
  });

  it('["v9"] answers like a hub before the v10 upgrade: v10 gets code 6', async () => {
    const node = await startTestNode({ ...oneTopic(), emissionsQueryVersions: ["v9"] }, 200);
    const { comet, query } = await connect(node);
    try {
      await node.waitForHeight(2);
      const v9 = GetLatestNetworkInferencesResponse.decode(
        (await query.queryAbci(QueryPaths.GetLatestNetworkInferences, toBytes(GetLatestNetworkInferencesRequest, { topicId: 1n }))).value,
      );
      expect(v9.inferenceBlockHeight > 0n).to.equal(true);
      const r = await comet.abciQuery({ path: QueryPathsV10.GetLatestNetworkInferences, data: toBytes(GetLatestNetworkInferencesRequestV10, { topicId: 1n }) });
      expect(r.code).to.equal(6);
    } finally {
      comet.disconnect();
      await node.stop();
    }
  });

  it("rejects an unknown version and duplicate labels with errors naming the field", async () => {
    const bad = {
      ...oneTopic(),
      emissionsQueryVersions: ["v7"],
      topics: [{ ...defaultConfig().topics![0], labels: [{ name: "ETH" }, { name: "ETH" }] }],
    } as unknown as Partial<HubConfigInput>;
    try {
      await startTestNode(bad, 200);
      expect.fail("should reject the config");
    } catch (e) {
      expect(String(e)).to.match(/emissionsQueryVersions\.0/);
    }
    try {
      await startTestNode({ topics: [{ ...defaultConfig().topics![0], labels: [{ name: "ETH" }, { name: "ETH" }] }] }, 200);
      expect.fail("should reject the config");
    } catch (e) {
      expect(String(e)).to.match(/topics\.0\.labels\.1\.name: duplicate label name ETH/);
    }
  });
});

describe("hub devnet: multi-label topics with synthesis worker threads", function () {
  it("serves the same labelled bundles as the inline simulation (the label lanes run in the workers)", async () => {
    const cfg = { topics: [{ ...multiLabelTopic, id: 1 }] } as Partial<HubConfigInput>;
    const inline = await startTestNode({ ...cfg, synthesisWorkers: 0 }, 200);
    const threaded = await startTestNode({ ...cfg, synthesisWorkers: 1 }, 200);
    const a = await connect(inline);
    const b = await connect(threaded);
    try {
      await Promise.all([inline.waitForHeight(4), threaded.waitForHeight(4)]);
      const at = async (q: QueryClient) =>
        GetNetworkInferencesAtBlockResponseV10.decode(
          (
            await q.queryAbci(
              QueryPathsV10.GetNetworkInferencesAtBlock,
              toBytes(GetNetworkInferencesAtBlockRequestV10, { topicId: 1n, blockHeightLastInference: 3n }),
            )
          ).value,
        ).networkInferences!;
      const x = await at(a.query);
      expect(x.combinedValue).to.have.length(2);
      expect(await at(b.query)).to.deep.equal(x);
    } finally {
      a.comet.disconnect();
      b.comet.disconnect();
      await inline.stop();
      await threaded.stop();
    }
  });
});

describe("labels: toNetworkInferenceBundle (pure)", function () {
  it("groups per-label values by worker and by (forecaster, withheld inferer), in label order", async () => {
    const { toNetworkInferenceBundle } = await import("../../devnet/hub/modules/labels");
    const vb = (c: string, w: [string, string][]): ValueBundle =>
      ValueBundle.fromPartial({
        combinedValue: c,
        naiveValue: c,
        infererValues: w.map(([worker, value]) => ({ worker, value })),
        oneOutInfererForecasterValues: [{ forecaster: "f1", oneOutInfererValues: w.map(([worker, value]) => ({ worker, value })) }],
      });
    const out: NetworkInferenceBundle = toNetworkInferenceBundle(
      5n,
      9n,
      [
        { id: 0, name: "a" },
        { id: 3, name: "b" },
      ],
      [
        vb("1", [
          ["w1", "10"],
          ["w2", "20"],
        ]),
        vb("2", [
          ["w2", "21"],
          ["w1", "11"],
        ]),
      ],
    );
    expect(out.combinedValue).to.deep.equal([
      { labelId: 0n, labelName: "a", value: "1" },
      { labelId: 3n, labelName: "b", value: "2" },
    ]);
    expect(out.infererValues.map((w) => [w.worker, w.values.map((v) => `${v.labelName}=${v.value}`)])).to.deep.equal([
      ["w1", ["a=10", "b=11"]],
      ["w2", ["a=20", "b=21"]],
    ]);
    expect(out.oneOutInfererForecasterValues.map((x) => [x.forecaster, x.withheldInferer, x.combinedInference.length])).to.deep.equal([
      ["f1", "w1", 2],
      ["f1", "w2", 2],
    ]);
    // round trip through the wire
    expect(NetworkInferenceBundle.decode(toBytes(NetworkInferenceBundle, out))).to.deep.equal(out);
    expect(() => toNetworkInferenceBundle(5n, 9n, [{ id: 0, name: "a" }], [])).to.throw(/0 label bundles for 1 labels/);
  });
});
