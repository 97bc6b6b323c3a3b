/**
 * `npm run bench:bridge [-- --transfers 1000]`: ALLO transfers through the relayer on the local network.
 *
 * Starts the local network on its own ports (hub devnet and three Hardhat chains with 1 s blocks, the deploy
 * stack's contracts), one relayer (confirmations 1 on every chain, inferences flowing at the same time with
 * deviation 0), funds EVM senders by bridging from the hub (warm-up, not measured), then sends N transfers
 * spread over every route and direction from several senders at once and waits for all of them. Writes
 * bench/results/bridge.json:
 *
 * - transfers, delivered, lost (sent, not delivered when the wait ended), duplicated (delivered more than once);
 * - latency_ms {p50, p99}: destination block time minus source block time, per transfer, matched by transfer id
 *   (hub deposits: the id the destination bridge computes from the deposit's sequence in hub order). A block's
 *   time is when this bench first saw it (block-clock.ts, every head polled each 100 ms), not its timestamp:
 *   the chains' timestamps run ahead of the wall clock by different amounts; clock_misses counts blocks left
 *   out because no sighting was recorded (0 expected);
 * - throughput_per_s: delivered / (last delivery's block time - first send's block time);
 * - gas_per_delivery: gasUsed of the EVM transactions that delivered, summed, over the deliveries they made
 *   (a multicall carries several); deliveries_per_evm_tx and transfers_per_escrow_tx: the batch sizes;
 * - reconciliation_delta: `relayer reconcile`'s delta at the end (must be 0);
 * - rss_mb: the relayer process group's resident set size, sampled every 500 ms, maximum;
 * - offered_per_s: the offered load. `--rate R` (default 25) sends transfer i at i / R seconds after the first,
 *   whatever the deliveries do (open loop, as load tests measure latency at a given rate); `--rate 0` sends all
 *   N at once (burst: then latency is mostly the queue in front of the relayer).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { groupCpuSeconds, groupRssMb, percentile } from "./measure";
import { ethers } from "ethers";
import YAML from "yaml";
import { Secp256k1HdWallet } from "@cosmjs/amino";
import { coins, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { LocalNetwork, REPO_ROOT, startLocalNetwork } from "../scripts/devnet/network";
import { resolveOptions } from "../scripts/devnet/options";
import { hardhatAccount } from "../scripts/lib/dev-keys";
import { deleteRedisNamespace } from "../scripts/lib/redis";
import { cosmosBridgeChainId } from "../lib/chains";
import { depositMemo, parseEscrowMemo, releasedTransferIds } from "../relayer/transfer/memo";
import { bridgeInterface } from "../relayer/transfer/deliver";
import { TRANSFER_SENT_TOPIC } from "../relayer/transfer/evm-source";
import { scanDeposits, scanEscrowSends } from "../relayer/transfer/hub-ledger";
import { assignSequences } from "../relayer/transfer/deposits";
import { hubBridgeId, transferId } from "../lib/eip712/bridge";
import { readReconciliation } from "../relayer/transfer/inflight";
import { BlockClock } from "./block-clock";

const ALLO = 10n ** 18n;
const BRIDGE_ABI = [
  "function sendToChain(uint64 destinationChain, address recipient, uint256 amount) payable returns (bytes32, uint64)",
  "function sendToHub(string recipient, uint256 amount) payable returns (bytes32, uint64)",
];
const SENDER_ACCOUNTS = [6, 7, 8, 9];
const SEND_GAS_LIMIT = 200_000;
const SEND_WAVE = 100;
const HUB_SENDERS = ["alice", "bob"];
/** The relayer's source and receipt polling in this bench (relayer config chains[].pollIntervalMs, transfers.pollIntervalMs). */
const POLL_MS = 250;
/**
 * The relayer's V8 young generation in this bench (RELAYER_SEMI_SPACE_MB; the daemon's default is 3 MB, sized for
 * the relay bench's 250 MB RSS target). A profile of this bench at 3 MB spent 28% of the relayer's ticks in GC
 * against 13% in JavaScript: a burst of transfers allocates far more than the inference relay does.
 */
const SEMI_SPACE_MB = process.env.RELAYER_SEMI_SPACE_MB ?? "16";

const program = new Command()
  .name("npm run bench:bridge --")
  .option("--transfers <n>", "transfers sent in the measured phase", "1000")
  .option("--rate <per s>", "offered load: transfers sent per second, open loop (0 = burst: all at once)", "25")
  .option("--timeout <s>", "how long to wait for every delivery", "900")
  .option("--out <file>", "result file", "bench/results/bridge.json");

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


function mnemonicOf(name: string): string {
  const cfg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "devnet/hub.config.json"), "utf8")) as { accounts: { name: string; mnemonic?: string }[] };
  return cfg.accounts.find((a) => a.name === name)!.mnemonic!;
}

interface Sent {
  /** the transfer id, as the destination (bridge or escrow release memo) names it */
  key: string;
  route: string;
  sourceTime: number;
}

/**
 * Where the time goes, per transfer, from the relayer's log (one line per stage with the transfer id):
 * source block -> seen by its source watcher -> attested (threshold of signatures in hand) -> delivered or
 * released (the receipt or hub commit read by the relayer). Log times are the relayer's clock in ms; source
 * block times are first sightings (block-clock.ts), up to ~100 ms late, so source_to_seen can be slightly short.
 */
function stageLatencies(logFile: string, sent: Map<string, Sent>): Record<string, { n: number; p50: number; p99: number }> {
  const first = new Map<string, Map<string, number>>(); // stage -> id -> first time
  for (const line of fs.readFileSync(logFile, "utf8").split("\n")) {
    if (!line.includes('"stage"')) continue;
    let rec: { stage?: string; id?: string; time?: string | number };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      continue;
    }
    if (!rec.stage || !rec.id || rec.time === undefined) continue;
    const stage = rec.stage === "released" || rec.stage === "queued" ? "delivered" : rec.stage;
    const t = typeof rec.time === "number" ? rec.time : Date.parse(rec.time);
    const m = first.get(stage) ?? new Map<string, number>();
    const id = rec.id.toLowerCase();
    if (!m.has(id) || m.get(id)! > t) m.set(id, t);
    first.set(stage, m);
  }
  const span = (name: string, from: (id: string, s: Sent) => number | undefined, to: (id: string) => number | undefined) => {
    const xs: number[] = [];
    for (const [id, s] of sent) {
      const a = from(id, s);
      const b = to(id);
      if (a !== undefined && b !== undefined && Number.isFinite(b - a)) xs.push(b - a);
    }
    xs.sort((x, y) => x - y);
    return [name, { n: xs.length, p50: percentile(xs, 50), p99: percentile(xs, 99) }] as const;
  };
  const at = (stage: string) => (id: string) => first.get(stage)?.get(id);
  return Object.fromEntries([
    span("source_to_seen", (_, s) => s.sourceTime, at("seen")),
    span("seen_to_attested", at("seen"), at("attested")),
    span("attested_to_delivered", at("attested"), at("delivered")),
    span("seen_to_delivered", at("seen"), at("delivered")),
    span("source_to_delivered_log", (_, s) => s.sourceTime, at("delivered")),
  ]);
}

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{ transfers: string; rate: string; timeout: string; out: string }>();
  const n = Number(o.transfers);
  const rate = Number(o.rate);
  if (!Number.isFinite(rate) || rate < 0) throw new Error(`--rate ${o.rate}: give transfers per second (> 0), or 0 for a burst`);
  for (const [k, v] of Object.entries({ DEVNET_ETHEREUM_CHAIN_ID: "31337", DEVNET_BNB_CHAIN_ID: "31338", DEVNET_BASE_CHAIN_ID: "31339" })) process.env[k] = v;
  const opts = resolveOptions({ chainPorts: "26545,26546,26547", hubPort: "26657", metricsPort: "26464", stateDir: ".devnet/bench-bridge", topics: "2", blockTime: "1000", hubBlockTime: "1000", relayer: false });
  opts.relayerConfig = { logLevel: "info", dashboard: false, deviationBps: 0, heartbeatSeconds: 60 };
  process.env.RELAYER_SEMI_SPACE_MB = SEMI_SPACE_MB; // read when the relayer process is started (relayerNodeFlags)
  const load0 = os.loadavg();
  let stopNetwork: (() => Promise<void>) | undefined;
  let net: LocalNetwork | undefined;
  const providers: ethers.JsonRpcProvider[] = [];
  try {
    console.log(`bench:bridge: ${n} transfers over every route, 3 chains + hub, 1 s blocks, confirmations 1`);
    net = await startLocalNetwork(opts, { log: (l) => console.log(`  ${l}`), onStopAvailable: (s) => (stopNetwork = s) });
    // The bench's relayer config: confirmations 1 everywhere (the setting).
    const cfg = YAML.parse(fs.readFileSync(net.relayerConfigFile, "utf8")) as { chains: { confirmations: number; pollIntervalMs?: number }[]; transfers: { pollIntervalMs?: number } };
    // Polling matched to 1 s blocks (the defaults, 1 s, suit 2-12 s chains): sources look for new transfers and
    // the submitter for receipts every POLL_MS; at 1 s each added ~0.5 s on average to every stage it sits in.
    for (const c of cfg.chains) {
      c.confirmations = 1;
      c.pollIntervalMs = POLL_MS;
    }
    cfg.transfers.pollIntervalMs = POLL_MS;
    const benchConfig = path.join(net.stateDir, "relayer-bench.yaml");
    fs.writeFileSync(benchConfig, YAML.stringify(cfg));
    const relayer = net.startRelayer(1, { configFile: benchConfig });
    let rssMax = 0;
    const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, groupRssMb(relayer.child.pid))), 500);
    // The relayer's event-loop delay (prom-client's monitor, reset at each scrape): a loop held up for more than
    // half the queue lock (5 s) loses job locks, and the jobs are taken again. The sample carries the default
    // label (instance="local-1"): relayer_process_nodejs_eventloop_lag_max_seconds{instance="local-1"} 0.16.
    let loopLagMaxS: number | undefined; // undefined: no scrape had the metric (reported as null, not 0)
    const lagTimer = setInterval(() => {
      fetch(`http://127.0.0.1:${relayer.httpPort}/metrics`)
        .then((r) => r.text())
        .then((t) => {
          const m = /^relayer_process_nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(t);
          if (m) loopLagMaxS = Math.max(loopLagMaxS ?? 0, Number(m[1]));
        })
        .catch(() => undefined);
    }, 2_000);
    await relayer.ready(120_000);

    const comet = await Comet38Client.connect(net.manifest.hub.rpc);
    const escrow = net.manifest.hub.escrow!;
    const hubChain = cosmosBridgeChainId(net.manifest.hub.chainId);
    const chains = net.manifest.chains.map((c) => {
      const provider = new ethers.JsonRpcProvider(c.rpc, c.chainId, { staticNetwork: true, cacheTimeout: -1 });
      provider.pollingInterval = 200;
      providers.push(provider);
      return { c, provider, token: new ethers.Contract(c.contracts.token, ["function balanceOf(address) view returns (uint256)"], provider) };
    });
    const hubClients = await Promise.all(
      HUB_SENDERS.map(async (name) => {
        const wallet = await Secp256k1HdWallet.fromMnemonic(mnemonicOf(name), { prefix: "allo" });
        const [acc] = await wallet.getAccounts();
        return { address: acc.address, client: await SigningStargateClient.connectWithSigner(net!.manifest.hub.rpc, wallet, { gasPrice: GasPrice.fromString("10uallo"), broadcastPollIntervalMs: 200 }) };
      }),
    );
    const evmSenders = SENDER_ACCOUNTS.map((i) => hardhatAccount(i));

    // Warm-up: fund every EVM sender on every chain by bridging from the hub (one tx per chain, a MsgSend per sender).
    const fund = 1_000n * ALLO;
    for (const ch of chains) {
      // the memo names the recipient: one deposit tx per sender
      for (const s of evmSenders) {
        const r = await hubClients[0].client.sendTokens(hubClients[0].address, escrow, coins(fund.toString(), "uallo"), "auto", depositMemo(ch.c.chainId, s.address));
        if (r.code !== 0) throw new Error(`warm-up deposit failed: ${r.rawLog}`);
      }
    }
    const funded = async () => {
      for (const ch of chains) for (const s of evmSenders) if (((await ch.token.balanceOf(s.address)) as bigint) < fund) return false;
      return true;
    };
    const warmDeadline = Date.now() + 180_000;
    while (!(await funded())) {
      if (Date.now() > warmDeadline) throw new Error("warm-up: senders not funded by the bridge within 180 s");
      await sleep(1000);
    }
    console.log("  warm-up: every EVM sender funded by bridging from the hub");

    // Measured phase: N transfers, round-robin over routes.
    const hubRecipients = await Promise.all(Array.from({ length: 8 }, async () => (await (await Secp256k1HdWallet.generate(12, { prefix: "allo" })).getAccounts())[0].address));
    const routes: string[] = [];
    for (const a of chains) {
      routes.push(`hub->${a.c.name}`, `${a.c.name}->hub`);
      for (const b of chains) if (a !== b) routes.push(`${a.c.name}->${b.c.name}`);
    }
    const plan = Array.from({ length: n }, (_, i) => routes[i % routes.length]);
    const amount = ALLO / 100n;
    const startBlocks = new Map(await Promise.all(chains.map(async (ch) => [ch.c.name, await ch.provider.getBlockNumber()] as const)));
    const hubStart = BigInt((await comet.status()).syncInfo.latestBlockHeight);
    // Every block's time on one clock (block-clock.ts): the chains' own timestamps drift apart.
    const clock = new BlockClock({
      hub: async () => Number((await comet.status()).syncInfo.latestBlockHeight),
      ...Object.fromEntries(chains.map((ch) => [ch.c.name, () => ch.provider.getBlockNumber()])),
    });
    clock.start();
    const t0 = Date.now();
    const cpu0 = groupCpuSeconds(relayer.child.pid);
    const evmSends: { i: number; send: () => Promise<unknown> }[] = [];
    const managers = new Map<string, ethers.NonceManager>();
    const signer = (chainName: string, i: number) => {
      const key = `${chainName}:${i}`;
      let m = managers.get(key);
      if (!m) {
        const ch = chains.find((x) => x.c.name === chainName)!;
        m = new ethers.NonceManager(new ethers.Wallet(evmSenders[i].privateKey, ch.provider));
        managers.set(key, m);
      }
      return m;
    };
    // Fees fixed once per chain (10x the current suggestion: base fees rise under the burst), so a send is one
    // signature and one eth_sendRawTransaction, not three fee reads first: the bench's own send rate must not be
    // what the throughput measures.
    const feesOf = new Map(
      await Promise.all(
        chains.map(async (ch) => {
          const f = await ch.provider.getFeeData();
          return [ch.c.name, { maxFeePerGas: (f.maxFeePerGas ?? f.gasPrice ?? 10n ** 9n) * 10n, maxPriorityFeePerGas: f.maxPriorityFeePerGas ?? 10n ** 9n, type: 2 }] as const;
        }),
      ),
    );
    const expectedNonce = new Map<string, number>(); // "<chain>:<sender>" -> nonce after the measured sends
    const hubDeposits: { i: number; route: string; chainId: number; recipient: string }[] = [];
    plan.forEach((route, i) => {
      const [from, to] = route.split("->");
      if (from === "hub") {
        const dest = chains.find((x) => x.c.name === to)!;
        // At a fixed rate the deposits of each destination share one recipient (one memo): a hub sender's tx then
        // carries every deposit due for that destination since its previous tx.
        const recipient = rate > 0 ? evmSenders[chains.indexOf(dest) % evmSenders.length].address : evmSenders[i % evmSenders.length].address;
        hubDeposits.push({ i, route, chainId: dest.c.chainId, recipient });
        return;
      }
      const src = chains.find((x) => x.c.name === from)!;
      const bridge = new ethers.Contract(src.c.contracts.bridge, BRIDGE_ABI, signer(from, i % evmSenders.length));
      const nonceKey = `${from}:${i % evmSenders.length}`;
      expectedNonce.set(nonceKey, (expectedNonce.get(nonceKey) ?? 0) + 1);
      const fees = feesOf.get(from)!;
      // An explicit gas limit, as wallets add a margin: with ethers' exact estimate, 29 of 30 sends from one
      // account landing in one block ran out of gas (measured; the estimate is made against the state before
      // the account's earlier sends of that block).
      if (to === "hub") evmSends.push({ i, send: () => bridge.sendToHub(hubRecipients[i % hubRecipients.length], amount, { gasLimit: SEND_GAS_LIMIT, ...fees }) });
      else evmSends.push({ i, send: () => bridge.sendToChain(chains.find((x) => x.c.name === to)!.c.chainId, evmSenders[(i + 1) % evmSenders.length].address, amount, { gasLimit: SEND_GAS_LIMIT, ...fees }) });
    });
    // Hub deposits: batched per (sender, destination, recipient): one tx with a MsgSend per transfer.
    const groups = new Map<string, { chainId: number; recipient: string; count: number }>();
    for (const d of hubDeposits) {
      const k = `${d.chainId}|${d.recipient}`;
      const g = groups.get(k) ?? { chainId: d.chainId, recipient: d.recipient, count: 0 };
      g.count++;
      groups.set(k, g);
    }
    const hubSends = [...groups.values()].map((g, gi) => {
      const sender = hubClients[gi % hubClients.length];
      const msg = { typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: MsgSend.fromPartial({ fromAddress: sender.address, toAddress: escrow, amount: coins(amount.toString(), "uallo") }) };
      return { sender, msgs: Array.from({ length: g.count }, () => msg), memo: depositMemo(g.chainId, g.recipient) };
    });
    // The sender nonces before the measured phase: the sends are mined when every sender's nonce has moved on by its count.
    const nonceBase = new Map(
      await Promise.all(
        [...expectedNonce.keys()].map(async (k) => {
          const [chainName, i] = k.split(":");
          return [k, await chains.find((x) => x.c.name === chainName)!.provider.getTransactionCount(evmSenders[Number(i)].address, "latest")] as const;
        }),
      ),
    );
    // Transfer i is due at t0 + i / rate (open loop: the schedule does not wait for deliveries), or at once in
    // burst mode. Hub deposits go out alongside the EVM sends, each hub sender's txs in order (one account
    // sequence): a tx carries the sender's due deposits of one memo (up to 50), the oldest group first.
    const tSend = Date.now();
    const dueAt = (i: number) => (rate > 0 ? tSend + (i * 1000) / rate : tSend);
    const hubPending = new Map(hubClients.map((h) => [h, [] as { i: number; memo: string }[]]));
    hubDeposits.forEach((d, k) => hubPending.get(hubClients[k % hubClients.length])!.push({ i: d.i, memo: depositMemo(d.chainId, d.recipient) }));
    const depositMsg = (h: (typeof hubClients)[number]) => ({ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: MsgSend.fromPartial({ fromAddress: h.address, toAddress: escrow, amount: coins(amount.toString(), "uallo") }) });
    const hubSending =
      rate > 0
        ? Promise.all(
            hubClients.map(async (h) => {
              const pending = hubPending.get(h)!;
              while (pending.length > 0) {
                const wait = dueAt(pending[0].i) - Date.now();
                if (wait > 0) await sleep(wait);
                const memo = pending[0].memo;
                const now = Date.now();
                const take = pending.filter((p) => p.memo === memo && dueAt(p.i) <= now).slice(0, 50);
                if (take.length === 0) continue; // a timer that fired a millisecond early: nothing is due yet
                for (const t of take) pending.splice(pending.indexOf(t), 1);
                const r = await h.client.signAndBroadcast(h.address, take.map(() => depositMsg(h)), "auto", memo);
                if (r.code !== 0) throw new Error(`deposit failed: ${r.rawLog}`);
              }
            }),
          )
        : Promise.all(
            hubClients.map(async (h) => {
              for (const hs of hubSends.filter((x) => x.sender === h)) {
                for (let i = 0; i < hs.msgs.length; i += 50) {
                  const r = await hs.sender.client.signAndBroadcast(hs.sender.address, hs.msgs.slice(i, i + 50), "auto", hs.memo);
                  if (r.code !== 0) throw new Error(`deposit failed: ${r.rawLog}`);
                }
              }
            }),
          );
    // Handled here and awaited below: a hub send failing while the EVM sends run must end the run through the
    // finally (which stops the network), not as an unhandled rejection that leaves the chains running.
    hubSending.catch(() => undefined);
    const evmTxs: unknown[] = [];
    if (rate > 0) {
      // Each send leaves when it is due; the sends of one tick go together (a NonceManager per sender orders them).
      const inFlight: Promise<unknown>[] = [];
      for (const e of evmSends) {
        const wait = dueAt(e.i) - Date.now();
        if (wait > 0) await sleep(wait);
        inFlight.push(e.send());
      }
      evmTxs.push(...(await Promise.all(inFlight)));
    } else {
      // In waves of SEND_WAVE: 750 requests at once made the chains' HTTP server hang up a socket (measured).
      for (let i = 0; i < evmSends.length; i += SEND_WAVE) evmTxs.push(...(await Promise.all(evmSends.slice(i, i + SEND_WAVE).map((e) => e.send()))));
    }
    await hubSending;
    // Mined: one nonce read per (chain, sender), not a receipt poll per transaction (750 pollers load the machine).
    for (const [k, count] of expectedNonce) {
      const [chainName, i] = k.split(":");
      const ch = chains.find((x) => x.c.name === chainName)!;
      while ((await ch.provider.getTransactionCount(evmSenders[Number(i)].address, "latest")) < nonceBase.get(k)! + count) await sleep(250);
    }
    const sendSeconds = (Date.now() - t0) / 1000;
    console.log(`  sent ${n} transfers in ${sendSeconds.toFixed(1)} s (${evmTxs.length} EVM txs, ${hubDeposits.length} hub deposits)`);

    // Collect sources and destinations from the chains and the hub until every transfer is delivered.
    // A block's time: when the bench first saw it (block-clock.ts). Every block of the measured phase is seen;
    // one that was not (a poll failed) counts as a miss and is left out of the latencies rather than guessed.
    let clockMisses = 0;
    const seenAt = (chain: string, height: number): number => {
      const t = clock.at(chain, height);
      if (t === undefined) clockMisses++;
      return t ?? NaN;
    };
    const evmTime = async (ch: (typeof chains)[number], block: number) => seenAt(ch.c.name, block);
    const hubTime = async (height: number) => seenAt("hub", height);
    const sent = new Map<string, Sent>(); // by EVM transfer id or hub "<tx>:<msg>"
    for (const ch of chains) {
      const logs = await ch.provider.getLogs({ address: ch.c.contracts.bridge, fromBlock: startBlocks.get(ch.c.name)! + 1, toBlock: "latest", topics: [TRANSFER_SENT_TOPIC] });
      for (const l of logs) {
        const dest = BigInt(l.topics[2]);
        const to = dest === hubChain ? "hub" : chains.find((x) => BigInt(x.c.chainId) === dest)!.c.name;
        sent.set(l.topics[1].toLowerCase(), { key: l.topics[1].toLowerCase(), route: `${ch.c.name}->${to}`, sourceTime: await evmTime(ch, l.blockNumber) });
      }
    }
    // Hub deposits: the destination's transfer id is derived from hub history (lib: transferId over the deposit's
    // sequence), so each hub -> EVM transfer is matched with its own deposit block.
    const hubHead = BigInt((await comet.status()).syncInfo.latestBlockHeight);
    const { decided } = assignSequences(
      (await scanDeposits(comet, escrow, 1n, hubHead)).deposits,
      { denom: "uallo", destinations: chains.map((ch) => ({ chainId: BigInt(ch.c.chainId), enabled: true, fromHeight: 0n })) },
    );
    let hubDepositCount = 0;
    for (const d of decided) {
      if (d.kind !== "transfer" || d.deposit.height <= hubStart) continue;
      hubDepositCount++;
      const to = chains.find((x) => BigInt(x.c.chainId) === d.destinationChain)!.c.name;
      const id = transferId(hubChain, hubBridgeId(escrow), d.destinationChain, d.sequence).toLowerCase();
      sent.set(id, { key: id, route: `hub->${to}`, sourceTime: await hubTime(Number(d.deposit.height)) });
    }
    const deliveries = new Map<string, number[]>(); // id -> destination times (several = duplicated)
    const gas: bigint[] = [];
    let evmDeliveries = 0;
    let escrowReleaseTxs = 0;
    let escrowReleases = 0;
    const seenTx = new Set<string>();
    const deadline = Date.now() + Number(o.timeout) * 1000;
    const evmScanned = new Map(chains.map((ch) => [ch.c.name, startBlocks.get(ch.c.name)!]));
    for (;;) {
      for (const ch of chains) {
        const head = await ch.provider.getBlockNumber();
        const from = evmScanned.get(ch.c.name)! + 1;
        if (head < from) continue;
        const logs = await ch.provider.getLogs({ address: ch.c.contracts.bridge, fromBlock: from, toBlock: head, topics: [[bridgeInterface.getEvent("TransferDelivered")!.topicHash, bridgeInterface.getEvent("TransferQueued")!.topicHash]] });
        for (const l of logs) {
          const id = l.topics[1].toLowerCase();
          deliveries.set(id, [...(deliveries.get(id) ?? []), await evmTime(ch, l.blockNumber)]);
          evmDeliveries++;
          if (!seenTx.has(l.transactionHash)) {
            seenTx.add(l.transactionHash);
            gas.push((await ch.provider.getTransactionReceipt(l.transactionHash))!.gasUsed);
          }
        }
        evmScanned.set(ch.c.name, head);
      }
      // hub side: releases by transfer id
      const releases = (await scanEscrowSends(comet, escrow, hubStart)).filter((s) => s.code === 0);
      for (const r of releases) {
        const ids = releasedTransferIds(parseEscrowMemo(r.memo), hubChain);
        if (ids.length === 0 || seenTx.has(r.txHash)) continue;
        seenTx.add(r.txHash);
        escrowReleaseTxs++;
        escrowReleases += ids.length;
        for (const id of ids) deliveries.set(id, [...(deliveries.get(id) ?? []), await hubTime(Number(r.height))]);
      }
      const done = [...sent.keys()].filter((id) => deliveries.has(id)).length;
      process.stdout.write(`\r  delivered ${done}/${n} after ${((Date.now() - t0) / 1000).toFixed(0)} s   `);
      if (done >= n || Date.now() > deadline) break;
      await sleep(1000);
    }
    process.stdout.write("\n");
    clearInterval(rssTimer);
    clock.stop();
    clearInterval(lagTimer);
    // The relayer's CPU over the measured phase: on a shared 2-core machine this is what bounds it first.
    const wallSeconds = (Date.now() - t0) / 1000;
    const cpuSeconds = groupCpuSeconds(relayer.child.pid) - cpu0;

    // Latency per transfer: its first destination record's block time minus its source block's time.
    const latencies: number[] = [];
    let lastDelivery = 0;
    for (const [id, src] of sent) {
      const d = deliveries.get(id);
      if (!d) continue;
      if (!Number.isFinite(d[0] - src.sourceTime)) continue; // a block the clock missed (clock_misses)
      latencies.push(d[0] - src.sourceTime);
      lastDelivery = Math.max(lastDelivery, d[0]);
    }
    latencies.sort((x, y) => x - y);
    const firstSend = Math.min(...[...sent.values()].map((x) => x.sourceTime).filter(Number.isFinite));
    const delivered = [...sent.keys()].filter((id) => deliveries.has(id)).length;
    const duplicated = [...sent.keys()].filter((id) => (deliveries.get(id)?.length ?? 0) > 1).length;
    const byRoute: Record<string, { sent: number; delivered: number; p50_ms?: number; p99_ms?: number }> = {};
    const routeLatencies = new Map<string, number[]>();
    for (const [id, src] of sent) {
      const r = (byRoute[src.route] ??= { sent: 0, delivered: 0 });
      r.sent++;
      const d = deliveries.get(id);
      if (!d) continue;
      r.delivered++;
      if (Number.isFinite(d[0] - src.sourceTime)) routeLatencies.set(src.route, [...(routeLatencies.get(src.route) ?? []), d[0] - src.sourceTime]);
    }
    for (const [route, xs] of routeLatencies) {
      xs.sort((x, y) => x - y);
      Object.assign(byRoute[route], { p50_ms: percentile(xs, 50), p99_ms: percentile(xs, 99) });
    }

    const stages = stageLatencies(relayer.child.logFile, sent);
    const sourceTimes = [...sent.values()].map((x) => x.sourceTime).filter(Number.isFinite);
    const rcfg = YAML.parse(fs.readFileSync(benchConfig, "utf8")) as { transfers: { escrow: { float: string } } };
    const report = await readReconciliation({
      comet,
      hubChain,
      hubPrefix: "allo",
      escrow,
      denom: "uallo",
      startHeight: 1n,
      float: BigInt(rcfg.transfers.escrow.float),
      rules: { denom: "uallo", destinations: chains.map((ch) => ({ chainId: BigInt(ch.c.chainId), enabled: true, fromHeight: 0n })) },
      chains: chains.map((ch) => ({ name: ch.c.name, chainId: BigInt(ch.c.chainId), provider: ch.provider, bridge: ch.c.contracts.bridge, startBlock: 0 })),
    });
    const result = {
      transfers: n,
      transfers_seen_at_sources: sent.size,
      delivered,
      lost: n - delivered,
      duplicated,
      latency_ms: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      clock_misses: clockMisses,
      throughput_per_s: Number((delivered / Math.max(1, (lastDelivery - firstSend) / 1000)).toFixed(2)),
      gas_per_delivery: evmDeliveries ? Number(gas.reduce((a, b) => a + b, 0n) / BigInt(evmDeliveries)) : null,
      deliveries_per_evm_tx: gas.length ? Number((evmDeliveries / gas.length).toFixed(2)) : null,
      transfers_per_escrow_tx: escrowReleaseTxs ? Number((escrowReleases / escrowReleaseTxs).toFixed(2)) : null,
      reconciliation_delta: report.delta.toString(),
      in_flight_at_end: report.inFlightTransfers.length,
      rss_mb: Number(rssMax.toFixed(1)),
      relayer_event_loop_lag_max_ms: loopLagMaxS === undefined ? null : Math.round(loopLagMaxS * 1000),
      relayer_cpu: { seconds: Number(cpuSeconds.toFixed(1)), share_of_one_core: Number((cpuSeconds / wallSeconds).toFixed(2)), ms_per_transfer: Math.round((cpuSeconds * 1000) / Math.max(1, delivered)) },
      offered_per_s: rate > 0 ? rate : "burst",
      send: { seconds: Number(sendSeconds.toFixed(1)), source_span_ms: Math.max(...sourceTimes) - Math.min(...sourceTimes) },
      stages_ms: stages,
      routes: routes.length,
      per_route: byRoute,
      hub_deposit_txs: hubDepositCount,
      settings: { chain_block_ms: 1000, hub_block_ms: 1000, confirmations: 1, poll_ms: POLL_MS, relayer_semi_space_mb: Number(SEMI_SPACE_MB), evm_senders: evmSenders.length, hub_senders: hubClients.length, amount_allo: "0.01", inferences: "2 topics, deviation 0" },
      machine: { cpus: os.cpus().length, load_before: load0.map((x) => Number(x.toFixed(2))), load_after: os.loadavg().map((x) => Number(x.toFixed(2))) },
      measured_at: new Date().toISOString(),
    };
    console.log("\n| figure | value |\n|---|---:|");
    for (const [k, v] of Object.entries(result)) if (typeof v !== "object") console.log(`| ${k} | ${v} |`);
    console.log(`| latency_ms p50 / p99 | ${result.latency_ms.p50} / ${result.latency_ms.p99} |`);
    for (const [k, v] of Object.entries(stages)) console.log(`| stage ${k} p50 / p99 (n) | ${v.p50} / ${v.p99} (${v.n}) |`);
    fs.mkdirSync(path.dirname(o.out), { recursive: true });
    fs.writeFileSync(o.out, JSON.stringify(result, null, 2) + "\n");
    console.log(`wrote ${o.out}`);
    hubClients.forEach((h) => h.client.disconnect());
    comet.disconnect();
  } finally {
    for (const p of providers) p.destroy();
    await stopNetwork?.();
    if (net) await deleteRedisNamespace(net.manifest.redis, net.manifest.namespace).catch(() => 0);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench:bridge failed: ${(e as Error).message}`);
    process.exit(1);
  },
);
