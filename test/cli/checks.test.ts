/** The allo CLI's pure decisions: amounts, addresses, limits and pauses, quotes, timelines, progress. */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { toBech32 } from "@cosmjs/encoding";
import { checkEvmAddress, checkHubAddress } from "../../cli/address";
import { formatAllo, formatDuration, parseAmount } from "../../cli/amount";
import { CliError, EXIT } from "../../cli/errors";
import { checkInbound, checkOutbound, secondsUntilFits, type DirectionState } from "../../cli/limits";
import { endpoint, expandEnv, feedsOf, localNetwork, loadNetwork } from "../../cli/network";
import { changedStages, progressLines, timelineOfRoute, unfinishedAdvice, withAttested } from "../../cli/progress";
import { makeQuote, remainingSeconds, stageTimeline, withGasMargin, type QuoteInput } from "../../cli/quote";
import { feedRows } from "../../cli/commands/feeds";
import { addressKind } from "../../cli/commands/balance";
import { checkRef } from "../../cli/commands/track";
import { bridgeCommand } from "../../cli/commands/bridge";
import type { TrackResult } from "../../relayer/transfer/track";

const ALLO = 10n ** 18n;
const refused = (fn: () => unknown, problem: RegExp, fix?: RegExp): CliError => {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, "expected a CliError").to.be.instanceOf(CliError);
  const e = caught as CliError;
  expect(e.problem).to.match(problem);
  if (fix) expect(e.fix).to.match(fix);
  return e;
};
const hubAddr = toBech32("allo", new Uint8Array(20).fill(7));

describe("allo CLI: amounts", () => {
  it("parses decimals exactly and refuses what is not an amount, naming the fix", () => {
    expect(parseAmount("12.5")).to.equal(12n * ALLO + ALLO / 2n);
    expect(parseAmount(".000000000000000001")).to.equal(1n);
    expect(parseAmount("7")).to.equal(7n * ALLO);
    refused(() => parseAmount("1e3"), /not an amount/, /decimal/);
    refused(() => parseAmount("1,5"), /not an amount/);
    refused(() => parseAmount("0.0000000000000000001"), /19 decimal places/, /at most 18/);
    refused(() => parseAmount("0"), /zero/);
    refused(() => parseAmount(""), /not an amount/);
  });
  it("formats amounts and durations", () => {
    expect(formatAllo(12n * ALLO + ALLO / 2n)).to.equal("12.5");
    expect(formatAllo(3n * ALLO)).to.equal("3");
    expect(formatDuration(42)).to.equal("42 s");
    expect(formatDuration(200)).to.equal("3 min 20 s");
    expect(formatDuration(7500)).to.equal("2 h 5 min");
  });
});

describe("allo CLI: addresses", () => {
  it("accepts a hub account and refuses a bad checksum, another prefix, upper case, an EVM address", () => {
    expect(checkHubAddress(hubAddr, "allo")).to.equal(hubAddr);
    const typo = hubAddr.slice(0, -1) + (hubAddr.endsWith("q") ? "p" : "q");
    refused(() => checkHubAddress(typo, "allo"), /checksum does not match/, /copy the allo1/);
    refused(() => checkHubAddress(toBech32("cosmos", new Uint8Array(20)), "allo"), /another Cosmos chain \(prefix "cosmos"\)/);
    refused(() => checkHubAddress(hubAddr.toUpperCase(), "allo"), /upper-case/);
    refused(() => checkHubAddress("0x8ba1f109551bD432803012645Ac136ddd64DBA72", "allo"), /is an EVM address, but the destination is the hub/);
    refused(() => checkHubAddress(toBech32("allo", new Uint8Array(32)), "allo"), /32 bytes/);
  });
  it("accepts an EVM account and refuses a wrong EIP-55 checksum, a hub address, the zero address", () => {
    expect(checkEvmAddress("0x8ba1f109551bd432803012645ac136ddd64dba72", "base")).to.equal("0x8ba1f109551bD432803012645Ac136ddd64DBA72");
    refused(() => checkEvmAddress("0x8ba1f109551bD432803012645Ac136ddd64DBa72", "base"), /EIP-55 checksum/);
    refused(() => checkEvmAddress(hubAddr, "base"), /hub \(bech32\) address, but the destination is base/, /--to hub/);
    refused(() => checkEvmAddress("0x1234", "base"), /not an EVM address/);
    refused(() => checkEvmAddress("0x" + "0".repeat(40), "base"), /zero address/);
  });
  it("tells address kinds and transfer references apart", () => {
    expect(addressKind(hubAddr, "allo")).to.equal("hub");
    expect(addressKind("0x8ba1f109551bd432803012645ac136ddd64dba72", "allo")).to.equal("evm");
    refused(() => addressKind("bob", "allo"), /neither an EVM address/);
    expect(checkRef("0x" + "a".repeat(64))).to.have.length(66);
    expect(checkRef("A".repeat(64))).to.have.length(64);
    refused(() => checkRef("0x1234"), /not a transfer reference/);
  });
});

describe("allo CLI: limits and pauses", () => {
  const state = (o: Partial<DirectionState> = {}): DirectionState => ({ enabled: true, paused: false, capacity: 1000n * ALLO, available: 100n * ALLO, window: 3600n, ...o });
  it("computes when an amount fits the linear refill, and never above the capacity", () => {
    expect(secondsUntilFits(state(), 50n * ALLO)).to.equal(0);
    // 100 missing of a 1000/3600 s refill: 360 s
    expect(secondsUntilFits(state(), 200n * ALLO)).to.equal(360);
    expect(secondsUntilFits(state(), 1001n * ALLO)).to.equal(undefined);
  });
  it("refuses over the outbound limit with the amount available now and the wait", () => {
    checkOutbound("base", "hub", state(), 100n * ALLO);
    const e = refused(() => checkOutbound("base", "hub", state(), 200n * ALLO), /200 ALLO is over base's outbound limit to hub: 100 ALLO available now/, /at most 100 ALLO now, or wait 6 min/);
    expect(e.exitCode).to.equal(EXIT.refused);
    refused(() => checkOutbound("base", "hub", state(), 2000n * ALLO), /over/, /at most 1000 ALLO per transfer/);
    refused(() => checkOutbound("base", "hub", state({ paused: true }), ALLO), /paused outbound/);
    refused(() => checkOutbound("base", "hub", state({ enabled: false }), ALLO), /not enabled/);
  });
  it("over the inbound limit the transfer is queued, not refused; paused or above capacity is refused", () => {
    expect(checkInbound("hub", "base", state(), ALLO)).to.deep.equal({ queued: false });
    const q = checkInbound("hub", "base", state({ window: 60n }), 200n * ALLO);
    expect(q.queued).to.equal(true);
    // the refill needs 12 s at 1000/60 s, but a queued transfer waits at least the window
    expect(q.releaseAfter).to.equal(60);
    expect(checkInbound("hub", "base", state({ window: 60n, available: 0n }), 1000n * ALLO).releaseAfter).to.equal(60);
    expect(checkInbound("hub", "base", state(), 200n * ALLO).releaseAfter).to.equal(3600);
    refused(() => checkInbound("hub", "base", state({ paused: true }), ALLO), /paused inbound/);
    refused(() => checkInbound("hub", "base", state(), 1001n * ALLO), /inbound capacity/, /at most 1000 ALLO/);
  });
});

describe("allo CLI: quotes and stage estimates", () => {
  const timeline = stageTimeline("evm->hub", "attested", { sourceBlock: 2, confirmations: 3, destinationBlock: 5, indexLagBlocks: 2, queuedFor: 0 });
  const input = (o: Partial<QuoteInput> = {}): QuoteInput => ({
    amount: 10n * ALLO,
    balance: 20n * ALLO,
    gasBalance: 10n ** 18n,
    gasCost: 10n ** 15n,
    feeInAllo: false,
    nativeSymbol: "ETH",
    from: "base",
    timeline,
    fundingHint: "mint more",
    ...o,
  });
  it("the timeline follows the route's blocks and confirmations", () => {
    expect(timeline).to.deep.equal([
      { stage: "sent", at: 2 },
      { stage: "confirmed", at: 8 },
      { stage: "released", at: 23 },
    ]);
    const queued = stageTimeline("hub->evm", "attested", { sourceBlock: 1, confirmations: 0, destinationBlock: 1, indexLagBlocks: 1, queuedFor: 60 });
    expect(queued.map((s) => s.stage)).to.deep.equal(["sent", "confirmed", "queued", "released"]);
    expect(queued[3].at).to.equal(1 + 2 + 2 + 60 + 1);
  });
  it("receives what is sent, lists the fees, refuses what the sender cannot pay", () => {
    const q = makeQuote(input());
    expect(q.receive).to.equal(q.send);
    expect(q.expectedSeconds).to.equal(23);
    expect(q.fees.map((f) => f.what)).to.deep.equal(["base gas (at most)", "bridge fee"]);
    refused(() => makeQuote(input({ balance: 5n * ALLO })), /insufficient ALLO on base: the sender holds 5 ALLO, the transfer needs 10/, /at most 5 ALLO, or mint more/);
    refused(() => makeQuote(input({ gasBalance: 1n })), /insufficient ETH for gas on base/, /add ETH/);
    refused(() => makeQuote(input({ axelarFee: 10n ** 18n })), /insufficient ETH for gas/);
    // On the hub the fee is ALLO too: amount + fee must fit the balance.
    refused(() => makeQuote(input({ feeInAllo: true, balance: 10n * ALLO, gasCost: 1n })), /needs 10 ALLO plus the 0.000000000000000001 ALLO fee/);
  });
  it("the rest never goes negative and shrinks as stages complete", () => {
    expect(remainingSeconds(timeline, new Set(), 0)).to.equal(23);
    expect(remainingSeconds(timeline, new Set(["sent"]), 5)).to.equal(18);
    expect(remainingSeconds(timeline, new Set(["sent", "confirmed"]), 100)).to.be.at.least(1);
    expect(remainingSeconds(timeline, new Set(["sent", "confirmed", "released"]), 100)).to.equal(0);
  });
  it("adds a margin to gas estimates", () => {
    expect(withGasMargin(100_000n)).to.equal(140_000n);
  });
});

describe("allo CLI: following a transfer", () => {
  const result = (confirmed: string, delivered: boolean): TrackResult => ({
    transferId: "0x" + "1".repeat(64),
    route: "base->bnb",
    amount: 2n * ALLO,
    recipient: "0xabc",
    final: delivered,
    stages: [
      { stage: "sent", done: true, detail: "burned on base", txHash: "0xaa" },
      { stage: "confirmed", done: confirmed === "3/3", detail: `${confirmed} blocks` },
      { stage: "delivered", done: delivered, detail: delivered ? "minted on bnb" : "waiting" },
    ],
  });
  it("emits each stage change once", () => {
    const seen = new Map<string, string>();
    expect(changedStages(seen, result("1/3", false)).map((s) => s.stage)).to.deep.equal(["sent", "confirmed", "delivered"]);
    expect(changedStages(seen, result("1/3", false))).to.deep.equal([]);
    expect(changedStages(seen, result("2/3", false)).map((s) => `${s.stage} ${s.detail}`)).to.deep.equal(["confirmed 2/3 blocks"]);
    expect(changedStages(seen, result("3/3", true)).map((s) => s.stage)).to.deep.equal(["confirmed", "delivered"]);
  });
  it("puts attested k/n after confirmed; a later stage done means attested even when the signatures expired", () => {
    const pending = withAttested(result("3/3", false), { signed: 1, threshold: 2, members: 3 });
    expect(pending.stages.map((s) => s.stage)).to.deep.equal(["sent", "confirmed", "attested", "delivered"]);
    expect(pending.stages[2]).to.deep.equal({ stage: "attested", done: false, detail: "1/3 attesters signed (2 needed)" });
    expect(withAttested(result("3/3", false), { signed: 2, threshold: 2, members: 3 }).stages[2].done).to.equal(true);
    expect(withAttested(result("3/3", true), { signed: 0, threshold: 2, members: 3 }).stages[2]).to.include({ done: true, detail: "2/3 attesters signed (carried by the delivery)" });
    // a forged flood in Redis cannot count more than the members
    expect(withAttested(result("3/3", false), { signed: 9, threshold: 2, members: 3 }).stages[2].detail).to.equal("3/3 attesters signed (2 needed)");
    expect(withAttested(result("3/3", false), undefined).stages).to.have.length(3);
  });
  it("shows the stages with the clock, and what is left and how to resume", () => {
    const lines = progressLines(result("2/3", false), 12, 30);
    expect(lines[0]).to.contain("base->bnb  2 ALLO -> 0xabc");
    expect(lines).to.include("  … confirmed  2/3 blocks");
    expect(lines[lines.length - 1]).to.equal("elapsed 12 s, about 30 s to go");
    expect(progressLines(result("3/3", true), 40, 3).at(-1)).to.equal("elapsed 40 s");
    expect(unfinishedAdvice(result("2/3", false), "allo track 0x11")).to.match(/next: confirmed.*relayer carries it.*allo track 0x11/);
    expect(unfinishedAdvice(undefined, "allo track 0x11")).to.match(/not seen yet.*allo track 0x11/);
  });
});

describe("allo CLI: networks", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "allo-cli-"));
    fs.writeFileSync(
      path.join(dir, "manifest.json"),
      JSON.stringify({
        hub: { rpc: "http://127.0.0.1:1", chainId: "allora-devnet-1", blockTimeMs: 1000, topics: [1, 2], escrow: hubAddr, denom: "uallo" },
        chains: [
          { name: "base", rpc: "http://127.0.0.1:2", chainId: 31339, blockTimeMs: 1000, contracts: { token: "0x" + "1".repeat(40), bridge: "0x" + "2".repeat(40), oracle: "0x" + "3".repeat(40), alloraFeedAdapter_topic1: "0x" + "4".repeat(40) } },
        ],
        redis: "redis://127.0.0.1:6379",
        metrics: "http://127.0.0.1:9464/metrics",
        namespace: "x",
        startedAt: "now",
      }),
    );
    fs.writeFileSync(path.join(dir, "relayer.yaml"), "chains:\n  - name: base\n    confirmations: 2\ntransfers:\n  startHeight: 5\n  indexLagBlocks: 1\n");
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads the local network from its manifest and relayer config", () => {
    const net = localNetwork(dir);
    expect(net.hub.prefix).to.equal("allo");
    expect(net.hub.startHeight).to.equal(5);
    expect(net.chains[0]).to.include({ name: "base", confirmations: 2, blockSeconds: 1 });
    expect(net.chains[0].feeds).to.deep.equal({ 1: "0x" + "4".repeat(40) });
    expect(feedRows(net)).to.deep.equal([
      { topic: 1, chain: "base", oracle: "0x" + "3".repeat(40), feedAdapter: "0x" + "4".repeat(40) },
      { topic: 2, chain: "base", oracle: "0x" + "3".repeat(40) },
    ]);
    expect(timelineOfRoute(net, "base->hub")?.map((s) => s.stage)).to.deep.equal(["sent", "confirmed", "released"]);
  });
  it("names a missing local network, an unknown network, an unknown chain and an unset variable", () => {
    const missing = refused(() => localNetwork(path.join(dir, "nope")), /no local network/, /npm start/);
    expect(missing.exitCode).to.equal(EXIT.unreachable);
    refused(() => loadNetwork({ network: "moon" }), /unknown network "moon"/, /sepolia, ethereum/);
    refused(() => endpoint(localNetwork(dir), "solana", "--to"), /unknown chain "solana" in --to/, /hub or one of base/);
    expect(endpoint(localNetwork(dir), "hub", "--to")).to.deep.equal({ kind: "hub" });
    refused(() => expandEnv("${NOPE_RPC}", "sepolia/sepolia", {}), /needs the environment variable NOPE_RPC/);
    expect(expandEnv("https://${HOST}/rpc", "x", { HOST: "node" })).to.equal("https://node/rpc");
    expect(feedsOf({ AlloraFeedAdapter_topic7: "0xa", AlloraOracle: "0xb" })).to.deep.equal({ 7: "0xa" });
  });
  it("a stopped local network is named, with how to start it (exit 3), before anything is signed", async () => {
    let caught: unknown;
    try {
      await bridgeCommand(localNetwork(dir), { from: "base", to: "hub", amount: "1", route: "attested", yes: true, timeout: "5" });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(CliError);
    expect((caught as CliError).exitCode).to.equal(EXIT.unreachable);
    expect((caught as CliError).problem).to.match(/base's RPC at http:\/\/127\.0\.0\.1:2 is not answering/);
    expect((caught as CliError).fix).to.match(/start the local network with `npm start`/);
  });
  it("a named network takes its addresses from the config and its RPC URLs from the environment", () => {
    const file = path.join(dir, "networks.json");
    const hub = { rpc: "${HUB_RPC}", chainId: "allora-testnet-1", escrow: hubAddr, denom: "uallo", startHeight: 1, blockSeconds: 5, gasPrice: "10uallo", indexLagBlocks: 2 };
    const chain = { name: "sepolia", rpc: "${SEPOLIA_RPC}", chainId: 11155111, contracts: { bridge: "0x" + "2".repeat(40), token: "0x" + "1".repeat(40) }, confirmations: 3, blockSeconds: 12, nativeSymbol: "ETH" };
    fs.writeFileSync(file, JSON.stringify({ testnet: { hub, chains: [chain], axelar: "testnet" } }));
    const env = { ALLO_NETWORKS_FILE: file, HUB_RPC: "http://hub", SEPOLIA_RPC: "http://sepolia" };
    const net = loadNetwork({ network: "testnet" }, env);
    expect(net).to.include({ live: true, axelarEnvironment: "testnet", selector: " --network testnet" });
    expect(net.chains[0]).to.include({ rpc: "http://sepolia", confirmations: 3 });
    refused(() => loadNetwork({ network: "testnet" }, { ALLO_NETWORKS_FILE: file, HUB_RPC: "x" }), /needs the environment variable SEPOLIA_RPC/, /export SEPOLIA_RPC/);
  });
});
