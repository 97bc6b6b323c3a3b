/**
 * HubWatcher and the emissions.v9 QueryClient extension against the hub devnet (in-process, real
 * CometBFT JSON-RPC and websocket).
 */
import { expect } from "chai";
import pino from "pino";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { QueryClient } from "@cosmjs/stargate";
import { startHubDevnet, HubDevnet } from "../../devnet/hub/node";
import { defaultConfig } from "../devnet/helpers";
import { setupEmissionsExtension } from "../../relayer/hub/query";
import { HubBlock, HubWatcher } from "../../relayer/hub/watcher";
import { decToInt256 } from "../../relayer/convert/dec";

const log = pino({ level: "silent" });

describe("relayer hub: watcher and query extension on the hub devnet", function () {
  this.timeout(120_000);
  let hub: HubDevnet;

  before(async () => {
    // v9 and v10: the v9 extension is queried directly below; the watcher probes and prefers v10
    hub = await startHubDevnet({ port: 0, blockTimeMs: 300, quiet: true, config: { ...defaultConfig(), emissionsQueryVersions: ["v9", "v10"] } });
    await hub.waitForHeight(3, 20_000);
  });
  after(async () => hub?.stop());

  it("queries latest inferences, inferences at a block and topics with our codecs", async () => {
    const comet = await Comet38Client.connect(hub.rpcUrl);
    const q = QueryClient.withExtensions(comet, setupEmissionsExtension);
    const latest = await q.emissions.latestNetworkInferences(1n);
    expect(latest.inferenceBlockHeight > 0n).to.equal(true);
    expect(latest.networkInferences?.topicId).to.equal(1n);
    const at = await q.emissions.networkInferencesAtBlock(1n, latest.inferenceBlockHeight);
    expect(at.networkInferences?.combinedValue).to.equal(latest.networkInferences?.combinedValue);
    expect(() => decToInt256(latest.networkInferences!.combinedValue, 1)).to.not.throw();
    const topic = await q.emissions.topic(2n);
    expect(topic.topic?.id).to.equal(2n);
    expect((await q.emissions.nextTopicId()) > 2n).to.equal(true);
    comet.disconnect();
  });

  for (const websocket of [true, false]) {
    it(`processes every height once, in order, from a start height (${websocket ? "websocket" : "polling only"})`, async () => {
      const w = new HubWatcher({ rpcUrls: ["http://127.0.0.1:1", hub.rpcUrl], websocket, pollIntervalMs: 100, topics: [1, 2] }, log);
      await w.connect(); // the first URL is dead: fails over to the second
      expect(w.currentUrl).to.equal(hub.rpcUrl);
      const from = hub.height();
      const seen: HubBlock[] = [];
      w.start(from, async (b) => void seen.push(b));
      await hub.waitForHeight(from + 5, 20_000);
      const deadline = Date.now() + 10_000;
      while (seen.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await w.stop();
      expect(seen.slice(0, 6).map((b) => b.height)).to.deep.equal([0, 1, 2, 3, 4, 5].map((i) => from + i));
      for (const b of seen) {
        expect(b.inferences.map((i) => i.topicId)).to.deep.equal([1, 2]); // epoch length 1: both topics every block
        for (const i of b.inferences) expect(i.nonce).to.equal(BigInt(b.height));
        expect(b.timestamp).to.be.greaterThan(1_600_000_000);
      }
      // the same heights again (a restart from a checkpoint) give the same inferences
      const again = await w.block(from + 1);
      expect(again.inferences.map((i) => i.value)).to.deep.equal(seen[1].inferences.map((i) => i.value));
    });
  }

  it("latestInferences sweeps every topic with its nonce block's time", async () => {
    const w = new HubWatcher({ rpcUrls: [hub.rpcUrl], websocket: false, pollIntervalMs: 100, topics: [1, 2, 99] }, log);
    await w.connect();
    const { inferences, malformed } = await w.latestInferences();
    expect(malformed).to.deep.equal([]);
    expect(inferences.map((i) => i.topicId)).to.deep.equal([1, 2]); // 99 does not exist
    expect(inferences[0].timestamp).to.equal(await w.blockTime(Number(inferences[0].nonce)));
    await w.stop();
  });
});
