/**
 * End to end: ALLO carried by the relayer daemon on the whole local network (hub devnet, three Hardhat
 * chains with the deploy stack's contracts, the relayer as a real child process on a real Redis), with
 * real cosmjs wallets on the hub and ethers on the chains:
 *
 * 1. every attested route: hub -> EVM, EVM -> EVM, EVM -> hub; a malformed deposit refunded with its reason;
 * 2. SIGKILL of the relayer while deliveries are in flight, then restart: each transfer minted exactly once;
 *    SIGKILL mid-release with Redis emptied before the restart: each release paid exactly once;
 * 3. a second instance on the same Redis: nothing delivered or released twice;
 * 4. `relayer reconcile` (supply reconciliation from the chains and the hub) and `relayer transfer`.
 *
 * Ports and the Redis namespace are the test's own; the chain ids are the local ones the bridges are wired with.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import path from "node:path";
import { ethers } from "ethers";
import { Secp256k1HdWallet } from "@cosmjs/amino";
import { coins, GasPrice, SigningStargateClient, StargateClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { LocalNetwork, startLocalNetwork } from "../../scripts/devnet/network";
import { resolveOptions } from "../../scripts/devnet/options";
import { RelayerHandle } from "../../scripts/devnet/relayer";
import { devnetEscrow } from "../../scripts/devnet/transfers";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../../scripts/lib/dev-keys";
import { deleteRedisNamespace } from "../../scripts/lib/redis";
import { depositMemo, parseEscrowMemo, releasedTransferIds } from "../../relayer/transfer/memo";
import { bridgeInterface } from "../../relayer/transfer/deliver";
import { cosmosBridgeChainId } from "../../lib/chains";
import { scanEscrowSends } from "../../relayer/transfer/hub-ledger";
import { mnemonicOf } from "../devnet/helpers";
import { sleep, until } from "./helpers";

const ALLO = 10n ** 18n;
// The local chain ids the deploy stack wires the bridges' peers with (lib/chains.ts); another e2e file may
// have set others in this process.
const E2E_ENV = { DEVNET_ETHEREUM_CHAIN_ID: "31337", DEVNET_BNB_CHAIN_ID: "31338", DEVNET_BASE_CHAIN_ID: "31339" };
const BRIDGE_ABI = [
  "function sendToChain(uint64 destinationChain, address recipient, uint256 amount) payable returns (bytes32, uint64)",
  "function sendToHub(string recipient, uint256 amount) payable returns (bytes32, uint64)",
  "function token() view returns (address)",
];
const TOKEN_ABI = ["function balanceOf(address) view returns (uint256)", "function totalSupply() view returns (uint256)"];

describe("e2e: transfers on the local network", function () {
  let net: LocalNetwork;
  let stopNetwork: (() => Promise<void>) | undefined;
  const relayers = new Map<number, RelayerHandle>();
  let comet: Comet38Client;
  let hubQuery: StargateClient;
  let escrow: string;
  const providers: ethers.JsonRpcProvider[] = [];
  const user = hardhatAccount(DEV_ACCOUNT_INDEX.user);
  const log = (line: string): void => console.log(`      ${line}`);
  let firstDeposit = "";

  const chain = (name: string) => {
    const c = net.manifest.chains.find((x) => x.name === name)!;
    const provider = new ethers.JsonRpcProvider(c.rpc, c.chainId, { staticNetwork: true, cacheTimeout: -1 });
    provider.pollingInterval = 100;
    providers.push(provider);
    const bridge = new ethers.Contract(c.contracts.bridge, BRIDGE_ABI, new ethers.NonceManager(new ethers.Wallet(user.privateKey, provider)));
    const token = new ethers.Contract(c.contracts.token, TOKEN_ABI, provider);
    return { c, provider, bridge, token };
  };
  const startRelayer = async (instance: number): Promise<RelayerHandle> => {
    const r = net.startRelayer(instance);
    relayers.set(instance, r);
    await r.ready(90_000);
    return r;
  };
  async function hubClient(name: string) {
    const wallet = await Secp256k1HdWallet.fromMnemonic(mnemonicOf(name), { prefix: "allo" });
    const [acc] = await wallet.getAccounts();
    const client = await SigningStargateClient.connectWithSigner(net.manifest.hub.rpc, wallet, { gasPrice: GasPrice.fromString("10uallo"), broadcastPollIntervalMs: 200 });
    return { client, address: acc.address };
  }
  async function newHubAddress() {
    return (await (await Secp256k1HdWallet.generate(12, { prefix: "allo" })).getAccounts())[0].address;
  }
  const balanceOn = async (c: ReturnType<typeof chain>, who: string) => (await c.token.balanceOf(who)) as bigint;

  before(async function () {
    for (const [k, v] of Object.entries(E2E_ENV)) process.env[k] = v;
    const opts = resolveOptions({
      chainPorts: "27545,27546,27547",
      hubPort: "27657",
      metricsPort: "27464",
      stateDir: ".devnet/e2e-transfers",
      topics: "1",
      blockTime: "1000",
      hubBlockTime: "1000",
      relayer: false,
    });
    net = await startLocalNetwork(opts, { log, onStopAvailable: (stop) => (stopNetwork = stop) });
    comet = await Comet38Client.connect(net.manifest.hub.rpc);
    hubQuery = await StargateClient.connect(net.manifest.hub.rpc);
    escrow = net.manifest.hub.escrow!;
    expect(escrow).to.equal((await devnetEscrow()).address);
    await startRelayer(1);
  });

  after(async function () {
    for (const r of relayers.values()) r.log.close();
    comet?.disconnect();
    hubQuery?.disconnect();
    for (const p of providers) p.destroy();
    await stopNetwork?.();
    if (net) await deleteRedisNamespace(net.manifest.redis, net.manifest.namespace);
  });

  it("1. carries every attested route and refunds a malformed deposit with its reason", async function () {
    const eth = chain("ethereum");
    const bnb = chain("bnb");
    const base = chain("base");
    const alice = await hubClient("alice");
    const bob = await hubClient("bob");
    const t0 = Date.now();
    const ethBefore = await balanceOn(eth, user.address);
    const dep = await alice.client.sendTokens(alice.address, escrow, coins((7n * ALLO).toString(), "uallo"), "auto", depositMemo(eth.c.chainId, user.address));
    expect(dep.code, dep.rawLog).to.equal(0);
    firstDeposit = dep.transactionHash;
    const bad = await bob.client.sendTokens(bob.address, escrow, coins("123456", "uallo"), "auto", "to base please");
    expect(bad.code, bad.rawLog).to.equal(0);
    const bnbBefore = await balanceOn(bnb, user.address);
    await (await eth.bridge.sendToChain(bnb.c.chainId, user.address, 2n * ALLO)).wait();
    const hubRecipient = await newHubAddress();
    await (await base.bridge.sendToHub(hubRecipient, ALLO)).wait();

    await until("hub -> ethereum minted", async () => ((await balanceOn(eth, user.address)) === ethBefore - 2n * ALLO + 7n * ALLO ? true : undefined), 60_000);
    log(`hub -> ethereum delivered ${((Date.now() - t0) / 1000).toFixed(1)} s after the deposit`);
    await until("ethereum -> bnb minted", async () => ((await balanceOn(bnb, user.address)) === bnbBefore + 2n * ALLO ? true : undefined), 60_000);
    await until("base -> hub released", async () => ((await hubQuery.getBalance(hubRecipient, "uallo")).amount === ALLO.toString() ? true : undefined), 60_000);
    const refund = await until(
      "the malformed deposit refunded",
      async () => (await scanEscrowSends(comet, escrow)).find((s) => {
        const m = parseEscrowMemo(s.memo);
        return s.code === 0 && m.kind === "refund" && m.depositTxHash === bad.transactionHash;
      }),
      60_000,
    );
    expect(parseEscrowMemo(refund.memo)).to.include({ kind: "refund", reason: "malformed_memo" });
    log(`all four routes done ${((Date.now() - t0) / 1000).toFixed(1)} s after the first send`);
  });

  it("2. SIGKILL with deliveries in flight, restart: every transfer minted exactly once", async function () {
    const base = chain("base");
    const alice = await hubClient("alice");
    const before = await balanceOn(base, user.address);
    const from = await base.provider.getBlockNumber();
    const n = 5;
    for (let i = 0; i < n; i++) {
      const r = await alice.client.sendTokens(alice.address, escrow, coins(((BigInt(i) + 1n) * ALLO).toString(), "uallo"), "auto", depositMemo(base.c.chainId, user.address));
      expect(r.code, r.rawLog).to.equal(0);
    }
    const submitter = hardhatAccount(DEV_ACCOUNT_INDEX.submitterBase).address;
    // kill as soon as one delivery is in flight (sent, not mined) or the first one landed
    await until(
      "a delivery in flight",
      async () => {
        const [pending, latest] = await Promise.all([base.provider.getTransactionCount(submitter, "pending"), base.provider.getTransactionCount(submitter, "latest")]);
        return pending > latest || (await balanceOn(base, user.address)) > before ? true : undefined;
      },
      60_000,
      20,
    );
    const r1 = relayers.get(1)!;
    r1.child.signal("SIGKILL");
    await r1.child.exited;
    r1.log.close();
    log(`SIGKILLed relayer-1 with base balance +${ethers.formatUnits((await balanceOn(base, user.address)) - before, 18)} ALLO of 15`);
    await sleep(1500);
    await startRelayer(1);
    const want = before + 15n * ALLO;
    await until("all five minted", async () => ((await balanceOn(base, user.address)) === want ? true : undefined), 90_000);
    await sleep(3000); // anything minted twice would show now
    expect(await balanceOn(base, user.address)).to.equal(want);
    const logs = await base.provider.getLogs({ address: base.c.contracts.bridge, fromBlock: from, toBlock: "latest", topics: [bridgeInterface.getEvent("TransferDelivered")!.topicHash] });
    const ids = logs.map((l) => l.topics[1]);
    expect(ids.length).to.equal(n);
    expect(new Set(ids).size).to.equal(n);
  });

  it("2b. SIGKILL mid-release, Redis emptied, restart: every release paid exactly once, from the chains and the hub", async function () {
    const eth = chain("ethereum");
    const recipients = await Promise.all([newHubAddress(), newHubAddress(), newHubAddress()]);
    for (const [i, r] of recipients.entries()) await (await eth.bridge.sendToHub(r, BigInt(i + 1) * ALLO)).wait();
    const paid = async () => (await Promise.all(recipients.map(async (r) => BigInt((await hubQuery.getBalance(r, "uallo")).amount)))).filter((b) => b > 0n).length;
    await until("a release under way", async () => ((await paid()) >= 1 ? true : undefined), 60_000, 20);
    const r1 = relayers.get(1)!;
    r1.child.signal("SIGKILL");
    await r1.child.exited;
    r1.log.close();
    const deleted = await deleteRedisNamespace(net.manifest.redis, net.manifest.namespace);
    log(`SIGKILLed relayer-1 after ${await paid()} of 3 releases; emptied Redis (${deleted} keys)`);
    await startRelayer(1);
    await until("all three released", async () => ((await paid()) === 3 ? true : undefined), 90_000);
    await sleep(4000); // a second payment would show now
    for (const [i, r] of recipients.entries()) expect((await hubQuery.getBalance(r, "uallo")).amount).to.equal((BigInt(i + 1) * ALLO).toString());
    const sends = await scanEscrowSends(comet, escrow);
    // a release tx pays one transfer or a batch of one source's (memo.ts): every id it names
    const ids = sends.filter((x) => x.code === 0).flatMap((x) => releasedTransferIds(parseEscrowMemo(x.memo), cosmosBridgeChainId(net.manifest.hub.chainId)));
    expect(ids.length, "the three releases on the hub").to.be.at.least(3);
    expect(new Set(ids).size, "a transfer released twice").to.equal(ids.length);
  });

  it("3. a second instance on the same Redis delivers and releases nothing twice", async function () {
    await startRelayer(2);
    const eth = chain("ethereum");
    const bnb = chain("bnb");
    const hubRecipient = await newHubAddress();
    const before = await balanceOn(bnb, user.address);
    for (let i = 0; i < 3; i++) await (await eth.bridge.sendToChain(bnb.c.chainId, user.address, ALLO)).wait();
    await (await eth.bridge.sendToHub(hubRecipient, 3n * ALLO)).wait();
    await until("three minted on bnb", async () => ((await balanceOn(bnb, user.address)) === before + 3n * ALLO ? true : undefined), 90_000);
    await until("released on the hub", async () => ((await hubQuery.getBalance(hubRecipient, "uallo")).amount === (3n * ALLO).toString() ? true : undefined), 90_000);
    await sleep(4000);
    expect(await balanceOn(bnb, user.address)).to.equal(before + 3n * ALLO);
    expect((await hubQuery.getBalance(hubRecipient, "uallo")).amount).to.equal((3n * ALLO).toString());
  });

  it("4. `relayer reconcile` balances (escrow backing = EVM supply + in flight); `relayer transfer` shows the stages", async function () {
    const cli = (args: string[]) =>
      new Promise<{ code: number; out: string; err: string }>((resolve) => {
        execFile(process.execPath, ["dist/relayer/cli.js", ...args, "-c", net.relayerConfigFile], { cwd: path.resolve(__dirname, "../.."), env: { ...process.env } }, (e, out, err) =>
          resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
        );
      });
    const report = await until(
      "reconcile to balance with nothing in flight",
      async () => {
        const r = await cli(["reconcile", "--json"]);
        const json = JSON.parse(r.out || "{}") as { ok?: boolean; delta?: string; inFlightTransfers?: unknown[] };
        return r.code === 0 && json.ok && json.inFlightTransfers?.length === 0 ? json : undefined;
      },
      60_000,
      1_000,
    );
    expect(report.delta).to.equal("0");
    const table = await cli(["reconcile"]);
    expect(table.code).to.equal(0);
    expect(table.out).to.match(/balanced/);
    const tracked = await cli(["transfer", firstDeposit]);
    expect(tracked.code, tracked.err).to.equal(0);
    expect(tracked.out).to.match(/hub->ethereum/);
    expect(tracked.out).to.match(/✔ delivered/);
    const unknown = await cli(["transfer", "0x" + "00".repeat(32)]);
    expect(unknown.code).to.equal(1);
    expect(unknown.err).to.match(/no transfer found/);
    log(table.out.trim().split("\n").slice(-1)[0]);
  });
});
