/**
 * Scale: 100 topics, epoch length 1, 1 s blocks, 3 inferers + 2 forecasters + 2 reputers per topic.
 * Every block closes 100 epochs and the node serves all of them over RPC. The per-block time is a benchmark
 * (npm run bench:hub, bench/results/hub-scale.json), not an assertion: it depends on the machine's load.
 */
import { expect } from "chai";
import { QueryClient } from "@cosmjs/stargate";
import { Comet38Client, connectComet } from "@cosmjs/tendermint-rpc";
import {
  EventNetworkInferences,
  fromTypedEvent,
  GetLatestNetworkInferencesRequest,
  GetLatestNetworkInferencesResponse,
  QueryPaths,
  toBytes,
} from "../../lib/allora-proto";
import { manyTopicsConfig } from "../../devnet/hub/bench-scale";
import { HubDevnet, startHubDevnet } from "../../devnet/hub/node";

describe("hub devnet: 100 topics with 1 s blocks", function () {
  this.timeout(120_000);
  let node: HubDevnet;

  before(async () => {
    node = await startHubDevnet({ port: 0, quiet: true, blockTimeMs: 1000, config: { ...manyTopicsConfig(100), emissionsQueryVersions: ["v9", "v10"] } });
  });
  after(async () => node?.stop());

  it("closes 100 epochs per block and serves every topic over RPC", async () => {
    await node.waitForHeight(6, 90_000);
    const comet = (await connectComet(node.rpcUrl)) as Comet38Client;
    try {
      const h = (await comet.status()).syncInfo.latestBlockHeight;
      const br = await comet.blockResults(h);
      const evs = br.finalizeBlockEvents
        .filter((e) => e.type === "emissions.v9.EventNetworkInferences")
        .map((e) => fromTypedEvent(EventNetworkInferences, e));
      expect(evs).to.have.length(100);
      expect(new Set(evs.map((e) => e.topicId)).size).to.equal(100);
      expect(evs.every((e) => e.nonce === BigInt(h))).to.equal(true);
      const q = QueryClient.withExtensions(comet);
      const r = GetLatestNetworkInferencesResponse.decode(
        (await q.queryAbci(QueryPaths.GetLatestNetworkInferences, toBytes(GetLatestNetworkInferencesRequest, { topicId: 100n }))).value,
      );
      expect(r.inferenceBlockHeight >= BigInt(h)).to.equal(true);
      expect(r.networkInferences?.combinedValue).to.match(/^-?\d+(\.\d+)?$/);
    } finally {
      comet.disconnect();
    }
  });

  it("closes every topic's epoch in each of several consecutive blocks (none skipped or deferred)", async () => {
    // How long a block takes is a figure of the machine (npm run bench:hub); here: every block does all its work.
    const from = node.height() + 1;
    await node.waitForHeight(from + 4, 60_000);
    const comet = (await connectComet(node.rpcUrl)) as Comet38Client;
    try {
      for (let h = from; h <= from + 4; h++) {
        const evs = (await comet.blockResults(h)).finalizeBlockEvents
          .filter((e) => e.type === "emissions.v9.EventNetworkInferences")
          .map((e) => fromTypedEvent(EventNetworkInferences, e));
        expect(new Set(evs.map((e) => e.topicId)).size, `topics closed at height ${h}`).to.equal(100);
        expect(evs.every((e) => e.nonce === BigInt(h)), `nonces at height ${h}`).to.equal(true);
      }
    } finally {
      comet.disconnect();
    }
  });
});
