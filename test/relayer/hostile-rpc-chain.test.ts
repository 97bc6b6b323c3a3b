/**
 * Hostile RPC (issue 19 finding 7): an RPC endpoint that serves another network than configured, first
 * or after a failover. On real parts: two hub devnets with different chain ids, and two Hardhat nodes
 * (the configured chain id 31337, and chain id 1 as the "other network"). Before the fix the hub chain
 * id was checked once at start and the EVM one only on the URL in use at start: a fallback on another
 * network was read from.
 */
import { expect } from "chai";
import { startHubDevnet, HubDevnet } from "../../devnet/hub/node";
import { DEFAULT_CONFIG_PATH, HubConfigInput, loadConfigFile } from "../../devnet/hub/config";
import { HubBlock, HubWatcher } from "../../relayer/hub/watcher";
import { FailoverRpc, WrongChainError } from "../../relayer/evm/rpc";
import { parseConfig } from "../../relayer/config/load";
import { startRelayer } from "../../relayer/app";
import { account, captureLogger, freePort, HardhatNode, REDIS_URL, startHardhat, uniquePrefix, waitFor } from "./helpers";

describe("hostile RPC: another network behind a configured or fallback URL", function () {
  this.timeout(180_000);

  describe("hub", () => {
    let good: HubDevnet;
    let other: HubDevnet;

    before(async () => {
      const otherConfig = { ...loadConfigFile(DEFAULT_CONFIG_PATH), chainId: "allora-other-1" } as unknown as HubConfigInput;
      [good, other] = await Promise.all([startHubDevnet({ port: 0, blockTimeMs: 300, quiet: true }), startHubDevnet({ port: 0, blockTimeMs: 300, quiet: true, config: otherConfig })]);
      expect(other.chainId).to.not.equal(good.chainId);
    });
    after(async () => {
      await other?.stop();
      await good?.stop().catch(() => undefined);
    });

    it("connect skips a node on another network and uses the next one", async () => {
      const { log, lines } = captureLogger();
      const w = new HubWatcher({ rpcUrls: [other.rpcUrl, good.rpcUrl], websocket: false, pollIntervalMs: 100, topics: [1], chainId: good.chainId }, log);
      await w.connect();
      expect(w.currentUrl).to.equal(good.rpcUrl);
      expect(lines.find((l) => l.msg === "hub RPC serves another network; skipping it")).to.include({ alert: "wrong_chain", served: "allora-other-1", expected: good.chainId });
      await w.stop();
      const only = new HubWatcher({ rpcUrls: [other.rpcUrl], websocket: false, pollIntervalMs: 100, topics: [1], chainId: good.chainId }, log);
      let err: unknown;
      await only.connect().catch((e) => (err = e));
      expect(String(err)).to.match(/serves "allora-other-1", the config says "allora-devnet-1"; fix hub.chainId or hub.rpcUrls/);
    });

    it("after the good node dies, processes nothing from the fallback on another network and answers no query", async () => {
      const { log, lines } = captureLogger();
      const w = new HubWatcher({ rpcUrls: [good.rpcUrl, other.rpcUrl], websocket: false, pollIntervalMs: 100, topics: [1, 2], chainId: good.chainId }, log);
      await w.connect();
      const seen: HubBlock[] = [];
      w.start(good.height(), async (b) => void seen.push(b));
      await waitFor("blocks from the good node", async () => (seen.length >= 2 ? true : undefined), 20_000, 50);
      await good.stop();
      const processedBefore = seen.length;
      await waitFor("the fallback to be refused", async () => lines.find((l) => l.alert === "wrong_chain"), 30_000, 100);
      // A window in which nothing may be processed: the other network makes 6 more blocks, and the watcher
      // looks at it (and refuses it) 3 more times after that.
      await other.waitForHeight(other.height() + 6);
      const refusals = lines.filter((l) => l.alert === "wrong_chain").length;
      await waitFor("3 more refusals", async () => (lines.filter((l) => l.alert === "wrong_chain").length >= refusals + 3 ? true : undefined), 60_000, 50);
      // At most the block in flight when the node died; nothing from the other network.
      expect(seen.length - processedBefore).to.be.at.most(1);
      // A query (what the attesters check against) fails instead of being answered by the other network.
      let err: unknown;
      await Promise.resolve()
        .then(() => w.emissions().latestNetworkInferences(1n))
        .catch((e) => (err = e));
      expect(err, "the query was answered").to.not.equal(undefined);
      await w.stop();
    });
  });

  describe("EVM", () => {
    let good: HardhatNode;
    let other: HardhatNode;
    let hub: HubDevnet;

    before(async () => {
      [good, other, hub] = await Promise.all([startHardhat(31337), startHardhat(1), startHubDevnet({ port: 0, blockTimeMs: 500, quiet: true })]);
    });
    after(async () => {
      good?.stop();
      other?.stop();
      await hub?.stop();
    });

    it("the relayer refuses to start when a fallback URL serves another chain", async () => {
      const env = { SUBMITTER: account(10).privateKey };
      const config = parseConfig(
        {
          redis: { url: REDIS_URL, prefix: uniquePrefix("wrong-chain") },
          hub: { rpcUrls: [hub.rpcUrl], chainId: hub.chainId, topics: [1], websocket: false },
          chains: [
            {
              name: "ethereum",
              chainId: 31337,
              rpcUrls: [good.url, other.url],
              oracle: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
              fees: { strategy: "eip1559", maxFeePerGasGwei: 100 },
              submitter: { env: "SUBMITTER" },
            },
          ],
          policy: { default: { deviationBps: 0, heartbeatSeconds: 60 } },
          http: { port: 0 },
        },
        env,
        "hostile-rpc-chain.test",
        __dirname,
      );
      let err: unknown;
      await startRelayer(config, { logger: captureLogger().log, env }).then(
        (r) => r.stop(),
        (e) => (err = e),
      );
      expect(String(err)).to.match(/chains\.ethereum\.rpcUrls: http:\/\/127\.0\.0\.1:\d+ serves chain id 1, the config says 31337; remove that URL or fix chainId/);
    });

    it("checkAll at start names a fallback on another chain (URL without its path)", async () => {
      const rpc = new FailoverRpc("ethereum", [good.url, `${other.url}/v3/secret-api-key`], 31337, captureLogger().log);
      let err: unknown;
      await rpc.checkAll().catch((e) => (err = e));
      rpc.destroy();
      expect(String(err)).to.match(/chains\.ethereum\.rpcUrls: http:\/\/127\.0\.0\.1:\d+\/… serves chain id 1, the config says 31337/);
      expect(String(err)).to.not.include("secret-api-key");
    });

    it("a failover never reads from a URL on another chain; it moves on to one on ours", async () => {
      const dead = `http://127.0.0.1:${await freePort()}`;
      const { log, lines } = captureLogger();
      const rpc = new FailoverRpc("ethereum", [dead, other.url, good.url], 31337, log);
      await other.provider.send("hardhat_mine", ["0x100"]); // the other chain is 256 blocks ahead: a read from it shows
      const height = await rpc.use((p) => p.getBlockNumber());
      expect(height).to.equal(await good.provider.getBlockNumber());
      expect(rpc.currentUrl).to.equal(good.url);
      expect(lines.find((l) => l.msg === "EVM RPC serves another chain; skipping it")).to.include({ alert: "wrong_chain", served: "1", expected: "31337" });

      const onlyWrong = new FailoverRpc("ethereum", [dead, other.url], 31337, log);
      let err: unknown;
      await onlyWrong.use((p) => p.getBlockNumber()).catch((e) => (err = e));
      expect(err).to.be.instanceOf(WrongChainError);
      rpc.destroy();
      onlyWrong.destroy();
    });
  });
});
