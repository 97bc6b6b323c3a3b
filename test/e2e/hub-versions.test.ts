/**
 * End to end: the relayer (a real child process, `relayer/cli.ts start`) against hub devnets that answer one
 * emissions query version each, posting to a real AlloraOracle on a Hardhat node, on a real Redis:
 *
 * 1. a hub answering emissions.v10 only (as the current hub): the relayer says so at start, relays a
 *    single-label topic under its own id and a multi-label topic as one oracle feed per label (ETH -> feed
 *    1003, BTC -> feed 1007), each feed holding exactly its label's value of the hub bundle at its nonce;
 * 2. a hub answering emissions.v9 only (before the v10 upgrade): the relayer says so and still relays;
 * 3. a multi-label config against the v9 hub: the relayer refuses to start, naming the problem and the fix.
 *
 * Ports are the suite's own (below the ephemeral range); the Redis prefixes are deleted afterwards.
 */
import { expect } from "chai";
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { randomBytes } from "node:crypto";
import YAML from "yaml";
import { Contract } from "ethers";
import { QueryClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import {
  GetNetworkInferencesAtBlockRequest,
  GetNetworkInferencesAtBlockRequestV10,
  GetNetworkInferencesAtBlockResponse,
  GetNetworkInferencesAtBlockResponseV10,
  QueryPaths,
  QueryPathsV10,
  toBytes,
} from "../../lib/allora-proto";
import { HubConfigInput } from "../../devnet/hub/config";
import { HubDevnet, startHubDevnet } from "../../devnet/hub/node";
import { decToInt256 } from "../../relayer/convert/dec";
import { oracleInterface } from "../../relayer/evm/oracle";
import { account, deployOracle, dropPrefixes, HardhatNode, REDIS_URL, ROOT, sleep, startHardhat, waitFor } from "../relayer/helpers";
import { defaultConfig } from "../devnet/helpers";

// This suite's own ports (the ports guard in test/devnet/ports.test.ts reads these fields).
const PORTS = { chainPorts: "25545", hubPort: "25657", metricsPort: "25464" };
const CHAIN_ID = 41345;

const MULTI_LABEL_TOPIC = {
  id: 3,
  metadata: "ETH and BTC (devnet, multi-label)",
  epochLength: 1,
  groundTruth: { kind: "random-walk" as const, start: 3000, volatility: 5, seed: 11 },
  inferers: 3,
  forecasters: 2,
  reputers: 2,
  labels: [{ name: "ETH" }, { name: "BTC", id: 7, groundTruth: { start: 60000, volatility: 50 } }],
};
const LABEL_FEEDS = { ETH: 1003, BTC: 1007 };

interface RelayerProc {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
}

function startRelayer(configFile: string, env: Record<string, string>): RelayerProc {
  const child = spawn(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "relayer/cli.ts", "start", "-c", configFile], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  readline.createInterface({ input: child.stdout! }).on("line", (l) => {
    try {
      lines.push(JSON.parse(l));
    } catch {
      lines.push({ msg: l });
    }
  });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, lines, stderr: () => stderr, exited };
}

describe("e2e: the relayer against hubs answering emissions.v10 or emissions.v9 (multi-label topics)", function () {
  this.timeout(600_000);
  let chain: HardhatNode;
  let hub: HubDevnet | undefined;
  const procs: RelayerProc[] = [];
  const prefixes: string[] = [];
  const attesters = [account(1), account(2), account(3)];
  const env: Record<string, string> = {
    RELAYER_INSTANCE: "hub-versions",
    RELAYER_SUBMITTER_KEY: account(11).privateKey,
    RELAYER_ATTESTER_KEY_1: attesters[0].privateKey,
    RELAYER_ATTESTER_KEY_2: attesters[1].privateKey,
    RELAYER_HTTP_PORT: PORTS.metricsPort,
  };

  before(async () => {
    chain = await startHardhat(CHAIN_ID, Number(PORTS.chainPorts));
  });

  after(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
    chain?.stop();
    await hub?.stop();
    await dropPrefixes(prefixes);
  });

  async function startHub(versions: ("v9" | "v10")[], topics: HubConfigInput["topics"]): Promise<HubDevnet> {
    await hub?.stop();
    hub = await startHubDevnet({
      port: Number(PORTS.hubPort),
      quiet: true,
      blockTimeMs: 500,
      config: { ...defaultConfig(), bundleHistory: 200, emissionsQueryVersions: versions, topics } as HubConfigInput,
    });
    return hub;
  }

  function writeConfig(oracle: string, topics: unknown[]): string {
    const prefix = `test-e2e-hubver-${randomBytes(5).toString("hex")}`;
    prefixes.push(prefix);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hub-versions-")), "relayer.yaml");
    fs.writeFileSync(
      file,
      YAML.stringify({
        instance: "${RELAYER_INSTANCE}",
        redis: { url: REDIS_URL, prefix },
        hub: { rpcUrls: [hub!.rpcUrl], chainId: hub!.chainId, topics, websocket: true, pollIntervalMs: 250 },
        chains: [
          {
            name: "ethereum",
            chainId: CHAIN_ID,
            rpcUrls: [chain.url],
            oracle,
            confirmations: 0,
            fees: { strategy: "eip1559", maxFeePerGasGwei: 500, maxPriorityFeePerGasGwei: 5 },
            submitter: { env: "RELAYER_SUBMITTER_KEY" },
            pollIntervalMs: 100,
          },
        ],
        policy: { default: { deviationBps: 0, heartbeatSeconds: 60 } },
        attesters: [{ env: "RELAYER_ATTESTER_KEY_1" }, { env: "RELAYER_ATTESTER_KEY_2" }],
        signatureWaitMs: 5_000,
        http: { host: "127.0.0.1", port: "${RELAYER_HTTP_PORT}" },
      }),
    );
    return file;
  }

  /** What the oracle stores under a feed id: value, nonce (0 when never written). */
  async function stored(oracle: string, feed: number): Promise<{ value: bigint; nonce: bigint }> {
    const [value, nonce] = await new Contract(oracle, oracleInterface, chain.provider).latestInference(feed);
    return { value: BigInt(value), nonce: BigInt(nonce) };
  }

  /** The hub's answer at a nonce, decoded here with the lib codecs (independently of the relayer's decode). */
  async function hubAt(version: "v9" | "v10", topicId: number, nonce: bigint): Promise<Map<string, string>> {
    const comet = await Comet38Client.connect(hub!.rpcUrl);
    try {
      const q = QueryClient.withExtensions(comet);
      if (version === "v10") {
        const res = await q.queryAbci(QueryPathsV10.GetNetworkInferencesAtBlock, toBytes(GetNetworkInferencesAtBlockRequestV10, { topicId: BigInt(topicId), blockHeightLastInference: nonce }));
        const b = GetNetworkInferencesAtBlockResponseV10.decode(res.value).networkInferences!;
        return new Map(b.combinedValue.map((l) => [l.labelName, l.value]));
      }
      const res = await q.queryAbci(QueryPaths.GetNetworkInferencesAtBlock, toBytes(GetNetworkInferencesAtBlockRequest, { topicId: BigInt(topicId), blockHeightLastInference: nonce }));
      return new Map([["", GetNetworkInferencesAtBlockResponse.decode(res.value).networkInferences!.combinedValue]]);
    } finally {
      comet.disconnect();
    }
  }

  async function stop(p: RelayerProc): Promise<void> {
    p.child.kill("SIGTERM");
    await p.exited;
  }

  it("v10-only hub: probes v10, relays a single-label topic and each label of a multi-label topic as its own feed", async () => {
    await startHub(["v10"], [defaultConfig().topics![0], MULTI_LABEL_TOPIC]);
    const oracle = await deployOracle(chain, attesters);
    const r = startRelayer(writeConfig(oracle, [1, { id: 3, labels: LABEL_FEEDS }]), env);
    procs.push(r);
    await waitFor("relayer ready", async () => r.lines.find((l) => l.msg === "relayer ready") ?? (r.child.exitCode !== null ? Promise.reject(new Error(r.stderr())) : undefined), 180_000);
    expect(r.lines.some((l) => l.msg === "hub answers emissions.v10 queries" && l.emissionsVersion === "v10")).to.equal(true);

    // every feed gets a value; then each must be exactly its label's combined value at its nonce
    const feeds = [1, LABEL_FEEDS.ETH, LABEL_FEEDS.BTC];
    await waitFor("all three feeds on chain", async () => ((await Promise.all(feeds.map((f) => stored(oracle, f)))).every((s) => s.nonce > 0n) ? true : undefined), 120_000, 500);
    const single = await stored(oracle, 1);
    expect(single.value).to.equal(decToInt256((await hubAt("v10", 1, single.nonce)).get("value")!, 1));
    for (const [label, feed] of Object.entries(LABEL_FEEDS)) {
      const s = await stored(oracle, feed);
      const hubValues = await hubAt("v10", 3, s.nonce);
      expect(s.value, `feed ${feed} = label ${label}`).to.equal(decToInt256(hubValues.get(label)!, feed));
    }
    // the labels did not trade places (ETH walks around 3000, BTC around 60000) and the hub topic id itself is no feed
    expect((await stored(oracle, LABEL_FEEDS.BTC)).value > 10n * (await stored(oracle, LABEL_FEEDS.ETH)).value).to.equal(true);
    expect((await stored(oracle, 3)).nonce).to.equal(0n);
    // and the labelled feeds keep following the hub's epochs
    const before = (await stored(oracle, LABEL_FEEDS.BTC)).nonce;
    await waitFor("a later BTC epoch", async () => ((await stored(oracle, LABEL_FEEDS.BTC)).nonce > before ? true : undefined), 60_000, 500);
    await stop(r);
  });

  it("v9-only hub: probes v9 and relays a single-label topic", async () => {
    await startHub(["v9"], [defaultConfig().topics![0]]);
    const oracle = await deployOracle(chain, attesters);
    const r = startRelayer(writeConfig(oracle, [1]), env);
    procs.push(r);
    await waitFor("relayer ready", async () => r.lines.find((l) => l.msg === "relayer ready") ?? (r.child.exitCode !== null ? Promise.reject(new Error(r.stderr())) : undefined), 180_000);
    expect(r.lines.some((l) => l.msg === "hub answers emissions.v9 queries" && l.emissionsVersion === "v9")).to.equal(true);
    await waitFor("topic 1 on chain", async () => ((await stored(oracle, 1)).nonce > 0n ? true : undefined), 120_000, 500);
    const s = await stored(oracle, 1);
    expect(s.value).to.equal(decToInt256((await hubAt("v9", 1, s.nonce)).get("")!, 1));
    await stop(r);
  });

  it("v9-only hub with a multi-label topic configured: the relayer refuses to start and says why", async () => {
    const oracle = await deployOracle(chain, attesters);
    const r = startRelayer(writeConfig(oracle, [1, { id: 3, labels: LABEL_FEEDS }]), env);
    procs.push(r);
    const code = await Promise.race([r.exited, sleep(120_000).then(() => "timeout")]);
    expect(code).to.not.equal(0);
    expect(code).to.not.equal("timeout");
    const said = JSON.stringify(r.lines) + r.stderr();
    expect(said).to.match(/answers emissions\.v9 only/).and.to.match(/multi-label topic\(s\) 3/).and.to.match(/point hub\.rpcUrls at a v10 hub/);
  });
});
