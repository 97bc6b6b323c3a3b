/**
 * The devnet's own inputs, checked without starting anything: the relayer config it generates is one
 * the relayer accepts (validated by the relayer's own loader, so a schema change that breaks `npm start`
 * fails here), bad flags are reported with the fix, and a missing Redis gets the command that starts it.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../relayer/config/load";
import { devnetModules } from "../../scripts/devnet/deploy";
import { parseBlockTimes, parsePorts, resolveOptions } from "../../scripts/devnet/options";
import { relayerEnv, writeRelayerConfig } from "../../scripts/devnet/relayer-config";
import { hardhatAccount } from "../../scripts/lib/dev-keys";
import { Manifest, noContracts } from "../../scripts/lib/manifest";
import { pingRedis, redisHelp } from "../../scripts/lib/redis";

const manifest: Manifest = {
  hub: { rpc: "http://127.0.0.1:26657", chainId: "allora-devnet-1", blockTimeMs: 1000, topics: [1, 2, 3] },
  chains: [
    {
      name: "ethereum",
      rpc: "http://127.0.0.1:8545",
      chainId: 31337,
      blockTimeMs: 1000,
      contracts: { ...noContracts(), oracle: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" },
    },
    {
      name: "bnb",
      rpc: "http://127.0.0.1:8546",
      chainId: 31338,
      blockTimeMs: 1000,
      contracts: { ...noContracts(), oracle: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0" },
    },
    {
      name: "base",
      rpc: "http://127.0.0.1:8547",
      chainId: 31339,
      blockTimeMs: 0,
      contracts: { ...noContracts(), oracle: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9" },
    },
  ],
  redis: "redis://127.0.0.1:6379",
  metrics: "http://127.0.0.1:9464/metrics",
  namespace: "devnet-test-ns",
  startedAt: new Date(0).toISOString(),
};

describe("devnet configuration", function () {
  it("generates a relayer config the relayer's loader accepts, with this network's oracles and namespace", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "devnet-cfg-"));
    try {
      const keys = [2, 3, 4].map((i) => hardhatAccount(i).privateKey);
      const file = writeRelayerConfig(dir, manifest, keys.length, { deviationBps: 25, heartbeatSeconds: 90 });
      const cfg = loadConfig(file, { ...relayerEnv(2, keys, 9470) });
      expect(cfg.instance).to.equal("local-2");
      expect(cfg.redis.prefix).to.equal("devnet-test-ns");
      expect(cfg.hub.topics).to.deep.equal([1, 2, 3]);
      expect(cfg.http.port).to.equal(9470);
      expect(cfg.attesters).to.have.length(3);
      expect(cfg.policy.default).to.deep.equal({ deviationBps: 25, heartbeatSeconds: 90 });
      for (const c of manifest.chains) expect(cfg.oracles[c.name]).to.equal(c.contracts.oracle);
      expect(cfg.chains.find((c) => c.name === "bnb")!.fees.strategy).to.equal("legacy");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports bad flags with the fix", function () {
    expect(() => parseBlockTimes("solana=5", ["ethereum", "bnb", "base"])).to.throw(
      /unknown chain "solana".*ethereum=2000/,
    );
    expect(() => parseBlockTimes("ethereum=fast", ["ethereum"])).to.throw(/not a number of milliseconds/);
    expect(parseBlockTimes("ethereum=2000,base=0", ["ethereum", "bnb", "base"])).to.deep.equal({
      ethereum: 2000,
      base: 0,
    });
    expect(() => parsePorts("8545,8546", 3)).to.throw(/give 3 ports/);
    expect(() => resolveOptions({ topics: "0" })).to.throw(/at least 1/);
    const o = resolveOptions({ blockTime: "bnb=3000", chainPorts: "1,2,3" });
    expect(o.chains.map((c) => [c.name, c.port, c.blockTimeMs])).to.deep.equal([
      ["ethereum", 1, 1000],
      ["bnb", 2, 3000],
      ["base", 3, 1000],
    ]);
  });

  it("deploys the Axelar adapter only with --axelar (or DEVNET_AXELAR=1)", function () {
    const saved = process.env.DEVNET_AXELAR;
    try {
      delete process.env.DEVNET_AXELAR;
      expect(resolveOptions({}).axelar).to.equal(false);
      expect(resolveOptions({ axelar: true }).axelar).to.equal(true);
      process.env.DEVNET_AXELAR = "1";
      expect(resolveOptions({}).axelar).to.equal(true);
    } finally {
      if (saved === undefined) delete process.env.DEVNET_AXELAR;
      else process.env.DEVNET_AXELAR = saved;
    }
    expect(devnetModules(false).split(",")).to.deep.equal(["AlloraOracle", "AlloraBridge"]);
    expect(devnetModules(true).split(",")).to.include("AlloraAxelarAdapter");
  });

  it("tells how to start Redis when it does not answer", async function () {
    const err = await pingRedis("redis://127.0.0.1:1", 1000).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/cannot reach Redis at 127\.0\.0\.1:1/);
    expect(redisHelp("redis://127.0.0.1:1", err!.message)).to.include(
      'redis-server --daemonize yes --save ""',
    );
  });
});
