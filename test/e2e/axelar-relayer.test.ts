/**
 * Route 4 end to end on `npm start -- --axelar` (the test's own ports 23545-23547 / 23657 / 23464, state
 * directory and Redis namespace): the devnet faucet's ALLO arrives bridged from the hub and the supply check is
 * exact from the start; a GMP transfer ethereum -> base sent through the Axelar adapter is held by the
 * destination adapter's pause (so it is surely in flight while the test looks), then carried by the Axelar
 * stand-in after the unpause. Meanwhile and after: `relayer transfer <source tx>` prints its stages through
 * the AxelarGmp interface (here the stand-in's status endpoint, what Axelar's APIs answer live), and
 * `relayer reconcile` stays exact, with the GMP transfer in flight until it is executed. Then `npm run faucet`
 * twice, and reconcile is still exact.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { LocalNetwork, startLocalNetwork } from "../../scripts/devnet/network";
import { resolveOptions } from "../../scripts/devnet/options";
import { RelayerHandle } from "../../scripts/devnet/relayer";
import { FAUCET_AMOUNT } from "../../scripts/devnet/faucet";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../../scripts/lib/dev-keys";
import { deleteRedisNamespace } from "../../scripts/lib/redis";
import { tsNodeBin } from "../../scripts/lib/supervisor";
import { ADAPTER_EXECUTE_GAS } from "../../relayer/transfer/axelar/gmp";
import { HttpAxelarGmp } from "../../relayer/transfer/axelar/http";
import { LocalAxelarGmp } from "../../devnet/axelar/local-gmp";
import { connectChain, standinChainsFromManifest } from "../../devnet/axelar/chains";
import { readManifest } from "../../scripts/lib/manifest";
import { until } from "./helpers";

const REPO = path.resolve(__dirname, "../..");
const ALLO = 10n ** 18n;
// The stand-in names chains by the registry's local ids (lib/chains.ts): another e2e file may have set others.
const E2E_ENV = { DEVNET_ETHEREUM_CHAIN_ID: "31337", DEVNET_BNB_CHAIN_ID: "31338", DEVNET_BASE_CHAIN_ID: "31339" };
const ADAPTER_ABI = [
  "function send(uint64 destinationChain, address recipient, uint256 amount) payable",
  "function pause()",
  "function unpause()",
  "function paused() view returns (bool)",
];
const TOKEN_ABI = ["function balanceOf(address) view returns (uint256)"];

interface ReconcileJson {
  ok: boolean;
  delta: string;
  escrowFloat: string;
  inFlight: string;
  inFlightTransfers: { route: string; amount: string; stage: string }[];
}

describe("e2e: route 4 over Axelar with the relayer, and the bridging faucet (npm start -- --axelar)", function () {
  this.timeout(600_000);
  let net: LocalNetwork;
  let stopNetwork: (() => Promise<void>) | undefined;
  let relayer: RelayerHandle | undefined;
  const providers: ethers.JsonRpcProvider[] = [];
  const log = (line: string): void => console.log(`      ${line}`);
  const user = hardhatAccount(DEV_ACCOUNT_INDEX.user);

  const run = (args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(process.execPath, args, { cwd: REPO, env: { ...process.env }, timeout: 180_000 }, (e, out, err) =>
        resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
      );
    });
  const cli = (args: string[]) => run(["dist/relayer/cli.js", ...args, "-c", net.relayerConfigFile]);
  const reconcile = async (): Promise<ReconcileJson> => {
    const r = await cli(["reconcile", "--json"]);
    expect(r.err).to.equal("");
    return JSON.parse(r.out) as ReconcileJson;
  };
  const chain = (name: string) => {
    const c = net.manifest.chains.find((x) => x.name === name)!;
    const provider = new ethers.JsonRpcProvider(c.rpc, c.chainId, { staticNetwork: true, cacheTimeout: -1 });
    provider.pollingInterval = 100;
    providers.push(provider);
    return { c, provider, token: new ethers.Contract(c.contracts.token, TOKEN_ABI, provider) };
  };

  before(async function () {
    for (const [k, v] of Object.entries(E2E_ENV)) process.env[k] = v;
    const opts = resolveOptions({
      chainPorts: "23545,23546,23547",
      hubPort: "23657",
      metricsPort: "23464",
      stateDir: ".devnet/e2e-axelar",
      topics: "1",
      blockTime: "1000",
      hubBlockTime: "1000",
      relayer: false,
      axelar: true,
    });
    const t0 = Date.now();
    net = await startLocalNetwork(opts, { log, onStopAvailable: (stop) => (stopNetwork = stop) });
    log(`network up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    relayer = net.startRelayer(1);
    await relayer.ready(150_000); // and the faucet's deposits delivered
    log(`relayer ready and the faucet's ALLO delivered ${((Date.now() - t0) / 1000).toFixed(1)} s after the start`);
  });

  after(async function () {
    relayer?.log.close();
    for (const p of providers) p.destroy();
    await stopNetwork?.();
    if (net) await deleteRedisNamespace(net.manifest.redis, net.manifest.namespace);
  });

  it("the manifest lists each chain's Axelar contracts; the relayer config tracks route 4 through the stand-in's endpoint", function () {
    for (const c of net.manifest.chains) {
      for (const k of ["axelarAdapter", "axelarGateway", "axelarGasService"] as const) expect(c.contracts[k], `${c.name} ${k}`).to.match(/^0x[0-9a-fA-F]{40}$/);
    }
    const yaml = fs.readFileSync(net.relayerConfigFile, "utf8");
    expect(yaml).to.match(/axelar:\n\s+environment: local\n\s+statusUrl: http:\/\/127\.0\.0\.1:\d+/);
  });

  it("the user's ALLO was bridged from the hub (no admin mint): every chain holds exactly the faucet's deposits, and reconcile is exact", async function () {
    for (const name of ["ethereum", "bnb", "base"]) {
      const { token } = chain(name);
      expect(await token.balanceOf(user.address), `${name} balance`).to.equal(FAUCET_AMOUNT);
    }
    const report = await until("reconcile to balance with nothing in flight", async () => {
      const r = await reconcile();
      return r.ok && r.inFlightTransfers.length === 0 ? r : undefined;
    }, 60_000, 1_000);
    expect(report.delta).to.equal("0");
  });

  it("a GMP transfer ethereum -> base: in flight while held (reconcile exact, `relayer transfer` says why), executed after, status the same from every reader", async function () {
    const eth = chain("ethereum");
    const base = chain("base");
    const admin = new ethers.NonceManager(hardhatAccount(DEV_ACCOUNT_INDEX.deployer).connect(base.provider));
    const baseAdapter = new ethers.Contract(base.c.contracts.axelarAdapter!, ADAPTER_ABI, admin);
    await (await baseAdapter.getFunction("pause")()).wait();
    try {
      const recipient = ethers.Wallet.createRandom().address;
      const amount = 25n * ALLO;
      const { fee } = await net.axelar!.gmp.quoteFee({ sourceChain: "ethereumLocal", destinationChain: "baseLocal", gasLimit: ADAPTER_EXECUTE_GAS });
      const adapter = new ethers.Contract(eth.c.contracts.axelarAdapter!, ADAPTER_ABI, new ethers.NonceManager(new ethers.Wallet(user.privateKey, eth.provider)));
      const tx = (await adapter.getFunction("send")(base.c.chainId, recipient, amount, { value: fee })) as ethers.ContractTransactionResponse;
      await tx.wait();
      log(`sent ${tx.hash}`);

      // Held: the stand-in approved it and its execute reverts with the pause.
      const held = await until("the stand-in to report the held execution", async () => {
        const r = await cli(["transfer", tx.hash]);
        return r.code === 0 && /error/.test(r.out) ? r : undefined;
      }, 60_000, 1_000);
      log(held.out.trim());
      expect(held.out).to.include("ethereum->base (axelar)");
      expect(held.out).to.include("25 ALLO");
      expect(held.out).to.match(/✔ sent\s+burned on ethereum/);
      expect(held.out).to.match(/✔ approved\s+approved on base's gateway/);
      expect(held.out).to.match(/… error\s+the execution failed: EnforcedPause\(\)/);
      expect(held.out).to.match(/… executed/);
      expect(held.out).to.match(/in flight\n$/);
      const during = await reconcile();
      expect(during.ok, `delta ${during.delta}`).to.equal(true);
      expect(during.inFlightTransfers.map(({ route, amount: a, stage }) => ({ route, amount: a, stage }))).to.deep.equal([
        { route: "ethereum->base (axelar)", amount: amount.toString(), stage: "sent over Axelar, not executed" },
      ]);
      expect(BigInt(during.inFlight)).to.equal(amount);
      expect(await base.token.balanceOf(recipient)).to.equal(0n);

      await (await baseAdapter.getFunction("unpause")()).wait();
      const done = await until("`relayer transfer` to show it executed", async () => {
        const r = await cli(["transfer", tx.hash, "--json"]);
        const j = JSON.parse(r.out || "{}") as { final?: boolean; stages?: { stage: string; done: boolean; txHash?: string }[]; gmp?: unknown };
        return j.final ? j : undefined;
      }, 60_000, 1_000);
      expect(done.stages!.map((s) => `${s.stage}:${s.done}`)).to.deep.equal(["sent:true", "confirmed:true", "approved:true", "executed:true"]);
      expect(await base.token.balanceOf(recipient)).to.equal(amount);
      // The same status from the stand-in in process, over its endpoint (what the relayer asked), and from the
      // chains by another reader (what `devnet/axelar/main.ts status` prints).
      const inProcess = await net.axelar!.gmp.status(tx.hash);
      expect(inProcess).to.deep.include({ stage: "executed", raw: "destination_executed" });
      expect(done.gmp).to.deep.equal(inProcess);
      const statusUrl = /statusUrl: (\S+)/.exec(fs.readFileSync(net.relayerConfigFile, "utf8"))![1];
      expect(await new HttpAxelarGmp(statusUrl).status(tx.hash)).to.deep.equal(inProcess);
      const reader = new LocalAxelarGmp(standinChainsFromManifest(readManifest(net.stateDir)).map(connectChain));
      expect(await reader.status(tx.hash)).to.deep.equal(inProcess);
      const printed = await run([tsNodeBin(), "--transpile-only", "devnet/axelar/main.ts", "status", tx.hash, net.stateDir]);
      expect(JSON.parse(printed.out)).to.deep.equal(inProcess);

      const after = await until("reconcile exact with nothing in flight", async () => {
        const r = await reconcile();
        return r.ok && r.inFlightTransfers.length === 0 ? r : undefined;
      }, 30_000, 1_000);
      expect(after.delta).to.equal("0");
    } finally {
      if ((await baseAdapter.getFunction("paused")()) as boolean) await (await baseAdapter.getFunction("unpause")()).wait();
    }
  });

  it("`npm run faucet` bridges from the hub (twice), and reconcile stays exact", async function () {
    const bnb = chain("bnb");
    const payer = ethers.Wallet.createRandom().address;
    for (let i = 0; i < 2; i++) {
      const f = await run(["-r", "ts-node/register/transpile-only", "scripts/faucet.ts", "--chain", "bnb", "--to", payer, "--amount", "7", "--state-dir", net.stateDir]);
      expect(f.err).to.equal("");
      expect(f.code).to.equal(0);
      expect(f.out).to.match(new RegExp(`minted 7 ALLO to ${payer} on bnb, bridged from the hub \\(deposit [0-9A-F]{64}\\)`));
    }
    expect(await bnb.token.balanceOf(payer)).to.equal(14n * ALLO);
    const report = await reconcile();
    expect(report.ok, `delta ${report.delta}`).to.equal(true);
    expect(report.inFlightTransfers).to.deep.equal([]);
  });
});

describe("e2e: EVM -> EVM on a network started with chain ids other than the registry's (DEVNET_<CHAIN>_CHAIN_ID)", function () {
  this.timeout(600_000);
  let net: LocalNetwork;
  let stopNetwork: (() => Promise<void>) | undefined;
  let relayer: RelayerHandle | undefined;
  const providers: ethers.JsonRpcProvider[] = [];
  const log = (line: string): void => console.log(`      ${line}`);
  const IDS = { DEVNET_ETHEREUM_CHAIN_ID: "53337", DEVNET_BNB_CHAIN_ID: "53338", DEVNET_BASE_CHAIN_ID: "53339" };

  before(async function () {
    for (const [k, v] of Object.entries(IDS)) process.env[k] = v;
    // The same ports as the describe above, whose network has stopped by now.
    const opts = resolveOptions({
      chainPorts: "23545,23546,23547",
      hubPort: "23657",
      metricsPort: "23464",
      stateDir: ".devnet/e2e-axelar-ids",
      topics: "1",
      blockTime: "1000",
      hubBlockTime: "1000",
      relayer: false,
    });
    net = await startLocalNetwork(opts, { log, onStopAvailable: (stop) => (stopNetwork = stop) });
    relayer = net.startRelayer(1);
    await relayer.ready(150_000); // and the faucet's ALLO delivered, to the custom ids
  });

  after(async function () {
    relayer?.log.close();
    for (const p of providers) p.destroy();
    await stopNetwork?.();
    if (net) await deleteRedisNamespace(net.manifest.redis, net.manifest.namespace);
    for (const [k, v] of Object.entries(E2E_ENV)) process.env[k] = v;
  });

  it("a transfer ethereum (53337) -> bnb (53338) through the bridges is sent and delivered; reconcile exact", async function () {
    const [eth, bnb] = ["ethereum", "bnb"].map((n) => net.manifest.chains.find((c) => c.name === n)!);
    expect([eth.chainId, bnb.chainId]).to.deep.equal([53337, 53338]);
    const [pe, pb] = [eth, bnb].map((c) => {
      const p = new ethers.JsonRpcProvider(c.rpc, c.chainId, { staticNetwork: true, cacheTimeout: -1 });
      p.pollingInterval = 100;
      providers.push(p);
      return p;
    });
    const user = hardhatAccount(DEV_ACCOUNT_INDEX.user);
    const bridge = new ethers.Contract(eth.contracts.bridge, ["function sendToChain(uint64 destinationChain, address recipient, uint256 amount) payable returns (bytes32, uint64)"], new ethers.Wallet(user.privateKey, pe));
    const token = new ethers.Contract(bnb.contracts.token, TOKEN_ABI, pb);
    const recipient = ethers.Wallet.createRandom().address;
    // With the registry's ids wired (31338), this reverted with DestinationNotEnabled(53338).
    const tx = (await bridge.getFunction("sendToChain")(BigInt(bnb.chainId), recipient, 3n * ALLO)) as ethers.ContractTransactionResponse;
    await tx.wait();
    await until("the relayer to deliver it on bnb", async () => ((await token.balanceOf(recipient)) === 3n * ALLO ? true : undefined), 60_000);
    const r = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(process.execPath, ["dist/relayer/cli.js", "reconcile", "--json", "-c", net.relayerConfigFile], { cwd: REPO }, (e, out) => resolve({ code: e ? 1 : 0, out })),
    );
    const report = JSON.parse(r.out) as ReconcileJson;
    expect(report.ok, `delta ${report.delta}`).to.equal(true);
    expect(report.inFlightTransfers).to.deep.equal([]);
  });
});
