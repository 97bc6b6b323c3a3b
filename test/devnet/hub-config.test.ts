/** Config validation (clear errors naming field and fix) and the CLI entry point. */
import { expect } from "chai";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { toBech32 } from "@cosmjs/encoding";
import { StargateClient } from "@cosmjs/stargate";
import { Comet38Client, connectComet } from "@cosmjs/tendermint-rpc";
import YAML from "yaml";
import {
  EventNetworkInferences,
  fromTypedEvent,
  GetLatestNetworkInferencesRequest,
  GetLatestNetworkInferencesResponse,
  QueryPaths,
  toBytes,
} from "../../lib/allora-proto";
import { ConfigError, epochClosesAt, lastEpochCloseAt, loadConfigFile, parseConfig } from "../../devnet/hub/config";
import { startHubDevnet } from "../../devnet/hub/node";
import { defaultConfig } from "./helpers";

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("hub devnet: config and CLI", function () {
  it("accepts the default config: chain allora-devnet-1, prefix allo, uallo, topics 1 and 2, a 2-of-3 escrow", () => {
    const cfg = loadConfigFile(path.resolve(__dirname, "../../devnet/hub.config.json"));
    expect(cfg.chainId).to.equal("allora-devnet-1");
    expect(cfg.bech32Prefix).to.equal("allo");
    expect(cfg.denom).to.equal("uallo");
    expect(cfg.topics.map((t) => t.id)).to.include.members([1, 2]);
    const escrow = cfg.accounts.find((a) => a.multisig);
    expect(escrow?.multisig).to.deep.equal({ threshold: 2, members: ["attester1", "attester2", "attester3"] });
  });

  it("names the bad field and the fix", () => {
    const base = defaultConfig();
    expect(errorOf(() => parseConfig({ ...base, topics: [{ id: 1, pNorm: 3 }] }))).to.match(
      /topics\.0\.pNorm: .*fix: write the decimal as a string/,
    );
    expect(errorOf(() => parseConfig({ ...base, topics: [{ id: 1, pNorm: "9" }] }))).to.match(/topics\.0\.pNorm: 9 is outside \[2\.5, 4\.5\]/);
    expect(errorOf(() => parseConfig({ ...base, topics: [{ id: 1 }, { id: 1 }] }))).to.match(/topics\.1\.id: duplicate topic id 1/);
    expect(errorOf(() => parseConfig({ ...base, topics: [] }))).to.match(/topics: /);
    expect(errorOf(() => parseConfig({ topics: [{ id: 1 }], accounts: [{ name: "a", address: "allo1x", balance: 5 }] }))).to.match(
      /accounts\.0\.balance: .*fix: write the amount as a string of digits/,
    );
    expect(
      errorOf(() => parseConfig({ topics: [{ id: 1 }], accounts: [{ name: "m", multisig: { threshold: 2, members: ["x", "y"] } }] })),
    ).to.match(/accounts\.0\.multisig\.members: unknown account x/);
    expect(errorOf(() => parseConfig({ topics: [{ id: 1, epochLength: 0 }] }))).to.match(/topics\.0\.epochLength/);
    expect(errorOf(() => parseConfig({ topics: [{ id: 1, epochLength: 3, epochOffset: 3 }] }))).to.match(
      /topics\.0\.epochOffset: must be below epochLength .*give 0 up to epochLength - 1/,
    );
    expect(errorOf(() => loadConfigFile("/nonexistent/hub.json"))).to.match(/cannot read the file/);
  });

  it("the epoch rule: a topic of length 3 and offset 1 closes at 1, 4, 7; its newest epoch at or below each height", () => {
    const t = { epochLength: 3, epochOffset: 1 };
    const heights = [0, 1, 2, 3, 4, 5, 6, 7];
    expect(heights.filter((h) => epochClosesAt(t, h))).to.deep.equal([1, 4, 7]);
    expect(heights.map((h) => lastEpochCloseAt(t, h))).to.deep.equal([-2, 1, 1, 1, 4, 4, 4, 7]);
    expect(heights.map((h) => lastEpochCloseAt({ epochLength: 1, epochOffset: 0 }, h))).to.deep.equal(heights);
  });

  it("starts from a YAML config file: custom chain id, funded address, epoch length 3, one topic offset by 1", async () => {
    const file = path.join(os.tmpdir(), `hub-${process.pid}.yaml`);
    const addr = toBech32("allo", new Uint8Array(20).fill(7));
    fs.writeFileSync(
      file,
      YAML.stringify({
        chainId: "my-devnet-7",
        accounts: [{ name: "x", address: addr, balance: "99" }],
        topics: [
          { id: 5, epochLength: 3 },
          { id: 6, epochLength: 3, epochOffset: 1 },
        ],
        emissionsQueryVersions: ["v9"],
      }),
    );
    const node = await startHubDevnet({ port: 0, quiet: true, config: file, blockTimeMs: 200 });
    try {
      const client = await StargateClient.connect(node.rpcUrl);
      expect(await client.getChainId()).to.equal("my-devnet-7");
      expect((await client.getBalance(addr, "uallo")).amount).to.equal("99");
      // epoch length 3: no epoch closes at heights 1 and 2 (read from the block results, whatever the height
      // is by now), then nonces are multiples of 3
      const comet = (await connectComet(node.rpcUrl)) as Comet38Client;
      const ask = () =>
        comet.abciQuery({
          path: QueryPaths.GetLatestNetworkInferences,
          data: toBytes(GetLatestNetworkInferencesRequest, { topicId: 5n }),
        });
      await node.waitForHeight(7);
      const closedAt = async (h: number) =>
        (await comet.blockResults(h)).finalizeBlockEvents
          .filter((e) => e.type === "emissions.v9.EventNetworkInferences")
          .map((e) => {
            const ev = fromTypedEvent(EventNetworkInferences, e);
            return `topic ${ev.topicId} nonce ${ev.nonce}`;
          });
      // topic 6 (offset 1) closes at 1, 4, 7; topic 5 at 3, 6
      expect(await closedAt(1), "height 1").to.deep.equal(["topic 6 nonce 1"]);
      expect(await closedAt(2), "height 2").to.deep.equal([]);
      expect(await closedAt(3), "height 3").to.deep.equal(["topic 5 nonce 3"]);
      expect(await closedAt(4), "height 4").to.deep.equal(["topic 6 nonce 4"]);
      expect(await closedAt(6), "height 6").to.deep.equal(["topic 5 nonce 6"]);
      expect(await closedAt(7), "height 7").to.deep.equal(["topic 6 nonce 7"]);
      const r = GetLatestNetworkInferencesResponse.decode((await ask()).value);
      expect(r.inferenceBlockHeight % 3n).to.equal(0n);
      expect(r.inferenceBlockHeight >= 6n).to.equal(true);
      expect(await closedAt(Number(r.inferenceBlockHeight) - 1)).to.not.include(`topic 5 nonce ${r.inferenceBlockHeight - 1n}`);
      comet.disconnect();
      client.disconnect();
    } finally {
      await node.stop();
      fs.unlinkSync(file);
    }
  });

  it("CLI: prints the RPC URL and chain id; a bad config exits 1 naming the field", async function () {
    this.timeout(120_000);
    const root = path.resolve(__dirname, "../..");
    const run = (args: string[], untilOutput?: RegExp) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const p = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "devnet/hub/main.ts", ...args], { cwd: root });
        let out = "";
        let err = "";
        p.stdout.on("data", (d) => {
          out += d;
          if (untilOutput && untilOutput.test(out)) p.kill("SIGTERM");
        });
        p.stderr.on("data", (d) => (err += d));
        p.on("exit", (code) => resolve({ code, out, err }));
      });
    const ok = await run(["--port", "0", "--quiet"], /chain id: .*\n/);
    expect(ok.out).to.match(/RPC URL:\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(ok.out).to.match(/chain id: allora-devnet-1/);
    const bad = path.join(os.tmpdir(), `hub-bad-${process.pid}.json`);
    fs.writeFileSync(bad, JSON.stringify({ topics: [{ id: 1, alphaRegret: "2" }] }));
    const res = await run(["--port", "0", "--config", bad]);
    fs.unlinkSync(bad);
    expect(res.code).to.equal(1);
    expect(res.err).to.match(/topics\.0\.alphaRegret: 2 must be in \(0, 1\]/);
  });
});
