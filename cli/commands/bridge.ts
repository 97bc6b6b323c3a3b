/**
 * `allo bridge --from A --to B --amount X`: every check before anything is signed, a quote, a confirmation,
 * one transaction (an ERC-2612 permit with the send on EVM, a MsgSend with the bridge memo on the hub), then
 * the transfer followed through its stages.
 */
import readline from "node:readline/promises";
import { ethers } from "ethers";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { calculateFee, GasPrice, SigningStargateClient, coins } from "@cosmjs/stargate";
import { depositMemo } from "../../relayer/transfer/memo";
import { TRANSFER_SENT_TOPIC, bridgeEvents } from "../../relayer/transfer/evm-source";
import { ADAPTER_EXECUTE_GAS, type AxelarGmp } from "../../relayer/transfer/axelar/gmp";
import { EVM_CHAINS, type EvmChainName } from "../../lib/chains";
import { signPermit, TOKEN_ABI } from "../../scripts/lib/permit";
import { checkRecipient } from "../address";
import { parseAmount } from "../amount";
import { Clients, guard } from "../clients";
import { CliError, EXIT } from "../errors";
import { follow, resumeOnSigint } from "../follow";
import { checkInbound, checkOutbound, type DirectionState } from "../limits";
import { endpoint, evmSigner, hubMnemonic, type NetChain, type Network } from "../network";
import { makeQuote, quoteLines, stageTimeline, withGasMargin, type Quote, type Route } from "../quote";

export const BRIDGE_ABI = [
  "function sendToHubWithPermit(string recipient, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) payable returns (bytes32, uint64)",
  "function sendToChainWithPermit(uint64 destinationChain, address recipient, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) payable returns (bytes32, uint64)",
  "function limits(uint64 chain) view returns (uint256 outboundCapacity, uint256 outboundAvailable, uint256 inboundCapacity, uint256 inboundAvailable)",
  "function limitWindow() view returns (uint256)",
  "function remoteChain(uint64 chain) view returns ((bool outboundEnabled, bool inboundEnabled, bool outboundPaused, bool inboundPaused, uint64 lastOutboundSequence, int256 netBridgedIn, bytes32 sourceBridge, uint64 firstInboundSequence))",
  "error ZeroAmount()",
  "error AmountTooLarge(uint256 amount)",
  "error DirectionIsPaused(uint8 direction, uint64 chain)",
  "error OutboundLimitExceeded(uint64 chain, uint256 amount, uint256 available)",
  "error DestinationNotEnabled(uint64 chain)",
  "error InvalidDestination(uint64 chain)",
];
const ADAPTER_ABI = ["function send(uint64 destinationChain, address recipient, uint256 amount) payable", "function remote(uint64 chain) view returns ((string axelarChain, address adapter))", "function paused() view returns (bool)"];

/** Gas a permit + send takes at most, for the quote (measured ~110k; the real send uses the node's estimate plus a margin). */
const SEND_GAS_BOUND = 180_000n;
const HUB_SEND_GAS = 200_000n;

export interface BridgeOptions {
  from: string;
  to: string;
  amount: string;
  toAddress?: string;
  route: string;
  yes?: boolean;
  json?: boolean;
  timeout: string;
}

/** One direction of a remote chain on `bridge` (whose peer is `remote`). */
async function direction(bridge: ethers.Contract, remote: bigint, dir: "outbound" | "inbound"): Promise<DirectionState> {
  const [limits, view, window] = await Promise.all([bridge.limits(remote), bridge.remoteChain(remote), bridge.limitWindow()]);
  const l = limits as unknown as bigint[];
  const v = view as unknown as { outboundEnabled: boolean; inboundEnabled: boolean; outboundPaused: boolean; inboundPaused: boolean };
  return dir === "outbound"
    ? { enabled: v.outboundEnabled, paused: v.outboundPaused, capacity: l[0], available: l[1], window: window as bigint }
    : { enabled: v.inboundEnabled, paused: v.inboundPaused, capacity: l[2], available: l[3], window: window as bigint };
}

async function hubAccount(net: Network) {
  const mnemonic = hubMnemonic(net);
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: net.hub.prefix }).catch(() => {
    throw new CliError("ALLO_HUB_MNEMONIC is not a valid BIP-39 mnemonic", "set it to the hub account's 12 or 24 words");
  });
  const [acc] = await wallet.getAccounts();
  return { wallet, address: acc.address };
}

/** The default recipient: the signer's own account on the destination. */
async function defaultRecipient(net: Network, toHub: boolean): Promise<string> {
  if (toHub) return (await hubAccount(net)).address;
  return (await evmSigner(net, null)).address;
}

function fundingHint(net: Network, from: string, who: string): string {
  if (net.live) return from === "hub" ? "bridge ALLO to the hub first" : `bridge ALLO to ${who} on ${from} first`;
  return from === "hub"
    ? "use a funded devnet account (leave ALLO_HUB_MNEMONIC unset: alice)"
    : `mint more with the devnet faucet: npm run faucet -- --chain ${from} --to ${who}`;
}

async function confirm(o: BridgeOptions): Promise<void> {
  if (o.yes) return;
  if (!process.stdin.isTTY) throw new CliError("nothing was sent: confirmation needs a terminal", "add --yes to send without asking");
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question("send it? [y/N] ");
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError("cancelled: nothing was sent", "run the command again and answer y, or add --yes");
}

function printQuote(o: BridgeOptions, header: string, q: Quote): void {
  if (o.json) {
    const j = (v: unknown) => JSON.stringify(v, (_, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
    process.stdout.write(j({ event: "quote", route: header, send: q.send, receive: q.receive, fees: q.fees, expectedSeconds: q.expectedSeconds, notes: q.notes }) + "\n");
  } else {
    process.stderr.write([header, ...quoteLines(q).map((l) => `  ${l}`)].join("\n") + "\n");
  }
}

function sentLine(o: BridgeOptions, what: Record<string, unknown>, text: string): void {
  if (o.json) process.stdout.write(JSON.stringify({ event: "submitted", ...what }) + "\n");
  else process.stderr.write(text + "\n");
}

/** Decodes a bridge revert into a CliError when it is one we know. */
function revertError(err: unknown, from: string): CliError | undefined {
  const data = (err as { data?: string; info?: { error?: { data?: string } } }).data ?? (err as { info?: { error?: { data?: string } } }).info?.error?.data;
  if (typeof data !== "string") return undefined;
  const parsed = new ethers.Interface(BRIDGE_ABI).parseError(data);
  if (!parsed) return undefined;
  return new CliError(`${from}'s bridge refused the send: ${parsed.name}(${parsed.args.join(", ")})`, "nothing was sent; check the limits and pauses (`allo bridge` rechecks them) and retry");
}

export async function bridgeCommand(net: Network, o: BridgeOptions): Promise<void> {
  const from = endpoint(net, o.from, "--from");
  const to = endpoint(net, o.to, "--to");
  if (o.from === o.to) throw new CliError(`--from and --to are both ${o.from}`, "bridge between two different places (the hub and an EVM chain, or two EVM chains)");
  const route = o.route as Route;
  if (route !== "attested" && route !== "axelar") throw new CliError(`unknown --route "${o.route}"`, "use --route attested (the default) or --route axelar");
  if (route === "axelar" && (from.kind !== "evm" || to.kind !== "evm")) {
    throw new CliError("the Axelar route carries ALLO between EVM chains only", "use --route attested to or from the hub");
  }
  const amount = parseAmount(o.amount);
  const toHub = to.kind === "hub";
  const destName = to.kind === "hub" ? "hub" : to.chain.name;
  const recipient = checkRecipient(to.kind, o.toAddress ?? (await defaultRecipient(net, toHub)), net.hub.prefix, destName);
  const clients = new Clients(net);
  try {
    const timeoutS = Number(o.timeout);
    if (from.kind === "hub") {
      if (to.kind !== "evm") throw new CliError("--from hub --to hub is not a bridge transfer", "use a hub wallet to send on the hub");
      await bridgeFromHub(clients, o, to.chain, recipient, amount, timeoutS);
    } else {
      await bridgeFromEvm(clients, o, from.chain, to.kind === "evm" ? to.chain : undefined, recipient, amount, route, timeoutS);
    }
  } finally {
    await clients.close();
  }
}

async function bridgeFromHub(clients: Clients, o: BridgeOptions, dest: NetChain, recipient: string, amount: bigint, timeoutS: number): Promise<void> {
  const net = clients.net;
  const { wallet, address } = await hubAccount(net);
  const comet = await clients.hub();
  const destProvider = await clients.evm(dest);
  const destBridge = new ethers.Contract(dest.bridge, BRIDGE_ABI, destProvider);
  const query = await clients.hubQuery();
  const [balance, inbound] = await Promise.all([
    query.getBalance(address, net.hub.denom).then((c) => BigInt(c.amount)),
    guard(clients, `${dest.name}'s RPC`, dest.rpc, () => direction(destBridge, net.hub.bridgeChainId, "inbound")),
  ]);
  const outlook = checkInbound("the hub", dest.name, inbound, amount);
  const gasPrice = GasPrice.fromString(net.hub.gasPrice);
  const fee = calculateFee(Number(HUB_SEND_GAS), gasPrice);
  const feeUallo = BigInt(fee.amount[0].amount);
  const timeline = stageTimeline("hub->evm", "attested", {
    sourceBlock: net.hub.blockSeconds,
    confirmations: 0,
    destinationBlock: dest.blockSeconds,
    indexLagBlocks: net.hub.indexLagBlocks,
    queuedFor: outlook.releaseAfter ?? 0,
  });
  const quote = makeQuote({
    amount,
    balance,
    gasBalance: balance,
    gasCost: feeUallo,
    feeInAllo: true,
    nativeSymbol: "ALLO",
    from: "hub",
    timeline,
    notes: outlook.note ? [outlook.note] : [],
    fundingHint: fundingHint(net, "hub", address),
  });
  printQuote(o, `hub -> ${dest.name}: ${address} -> ${recipient}`, quote);
  await confirm(o);
  const client = await SigningStargateClient.createWithSigner(comet, wallet, { gasPrice });
  const memo = depositMemo(dest.chainId, recipient);
  const startedAt = Date.now();
  const res = await client.sendTokens(address, net.hub.escrow, coins(amount.toString(), net.hub.denom), fee, memo);
  if (res.code !== 0) {
    throw new CliError(`the hub refused the deposit (code ${res.code}): ${res.rawLog ?? ""}`, "nothing was sent; check the account's balance and fee, then retry");
  }
  const ref = res.transactionHash;
  const resume = `allo track ${ref}${net.selector}`;
  sentLine(o, { chain: "hub", txHash: ref, resume }, `deposit sent on the hub: ${ref} (follow it any time with \`${resume}\`)`);
  await follow(clients, { ref, json: Boolean(o.json), timeoutSeconds: timeoutS, startedAt, timeline, resume });
}

async function bridgeFromEvm(
  clients: Clients,
  o: BridgeOptions,
  src: NetChain,
  dest: NetChain | undefined,
  recipient: string,
  amount: bigint,
  route: Route,
  timeoutS: number,
): Promise<void> {
  const net = clients.net;
  const provider = await clients.evm(src);
  const signer = await evmSigner(net, provider);
  const destChainId = dest ? BigInt(dest.chainId) : net.hub.bridgeChainId;
  const destName = dest?.name ?? "hub";
  const token = new ethers.Contract(src.token, TOKEN_ABI, provider);
  const bridge = new ethers.Contract(src.bridge, BRIDGE_ABI, signer);
  const rpc = (fn: () => Promise<unknown>) => guard(clients, `${src.name}'s RPC`, src.rpc, fn);
  const [balance, gasBalance, feeData] = (await rpc(() =>
    Promise.all([token.balanceOf(signer.address), provider.getBalance(signer.address), provider.getFeeData()]),
  )) as [bigint, bigint, ethers.FeeData];
  const notes: string[] = [];
  let queuedFor = 0;
  let axelarFee: bigint | undefined;
  let gmp: AxelarGmp | undefined;
  if (route === "attested") {
    checkOutbound(src.name, destName, (await rpc(() => direction(bridge, destChainId, "outbound"))) as DirectionState, amount);
    if (dest) {
      const destBridge = new ethers.Contract(dest.bridge, BRIDGE_ABI, await clients.evm(dest));
      const outlook = checkInbound(src.name, dest.name, await guard(clients, `${dest.name}'s RPC`, dest.rpc, () => direction(destBridge, BigInt(src.chainId), "inbound")), amount);
      if (outlook.note) notes.push(outlook.note);
      queuedFor = outlook.releaseAfter ?? 0;
    }
  } else {
    if (!src.axelarAdapter || !dest?.axelarAdapter) {
      throw new CliError(`no Axelar adapter on ${src.axelarAdapter ? dest?.name : src.name} in this network`, net.live ? "use --route attested" : "start the local network with `npm start -- --axelar`, or use --route attested");
    }
    const adapter = new ethers.Contract(src.axelarAdapter, ADAPTER_ABI, provider);
    const [remote, paused] = (await rpc(() => Promise.all([adapter.remote(destChainId), adapter.paused()]))) as [{ adapter: string }, boolean];
    if (paused) throw new CliError(`${src.name}'s Axelar adapter is paused`, "wait until it is unpaused, or use --route attested");
    if (remote.adapter === ethers.ZeroAddress) throw new CliError(`${src.name}'s Axelar adapter has no route to ${destName}`, "use --route attested");
    gmp = await gmpFor(net);
    const q = await gmp.quoteFee({ sourceChain: registryName(src), destinationChain: registryName(dest), gasLimit: ADAPTER_EXECUTE_GAS }).catch((err: Error) => {
      throw new CliError(`the Axelar fee quote failed: ${err.message}`, "retry later, or use --route attested", EXIT.unreachable);
    });
    axelarFee = q.fee;
  }
  const maxFee = feeData.maxFeePerGas ?? feeData.gasPrice ?? 0n;
  const timeline = stageTimeline(dest ? "evm->evm" : "evm->hub", route, {
    sourceBlock: src.blockSeconds,
    confirmations: src.confirmations,
    destinationBlock: dest?.blockSeconds ?? net.hub.blockSeconds,
    indexLagBlocks: net.hub.indexLagBlocks,
    queuedFor,
  });
  const quote = makeQuote({
    amount,
    balance,
    gasBalance,
    gasCost: SEND_GAS_BOUND * maxFee,
    feeInAllo: false,
    nativeSymbol: src.nativeSymbol,
    axelarFee,
    from: src.name,
    timeline,
    notes,
    fundingHint: fundingHint(net, src.name, signer.address),
  });
  printQuote(o, `${src.name} -> ${destName}${route === "axelar" ? " over Axelar" : ""}: ${signer.address} -> ${recipient}`, quote);
  await confirm(o);

  let tx: ethers.TransactionResponse;
  const startedAt = Date.now();
  try {
    if (route === "axelar") {
      const adapter = new ethers.Contract(src.axelarAdapter!, ADAPTER_ABI, signer);
      const gas = withGasMargin(await adapter.send.estimateGas(destChainId, recipient, amount, { value: axelarFee }));
      tx = (await adapter.send(destChainId, recipient, amount, { value: axelarFee, gasLimit: gas })) as ethers.TransactionResponse;
    } else {
      const permit = await signPermit(token, signer, src.bridge, amount);
      const args = dest ? [destChainId, recipient, amount, permit.deadline, permit.v, permit.r, permit.s] : [recipient, amount, permit.deadline, permit.v, permit.r, permit.s];
      const fn = dest ? bridge.sendToChainWithPermit : bridge.sendToHubWithPermit;
      const gas = withGasMargin(await fn.estimateGas(...args));
      tx = (await fn(...args, { gasLimit: gas })) as ethers.TransactionResponse;
    }
  } catch (err) {
    throw revertError(err, src.name) ?? err;
  }
  const resume = `allo track ${tx.hash}${net.selector}`;
  sentLine(o, { chain: src.name, txHash: tx.hash, resume }, `sent on ${src.name}: ${tx.hash} (follow it any time with \`${resume}\`)`);
  const unguard = resumeOnSigint(Boolean(o.json), resume);
  const receipt = await tx.wait().finally(unguard);
  if (!receipt || receipt.status !== 1) throw new CliError(`the send ${tx.hash} failed on ${src.name}`, "nothing was burned; run `allo bridge` again to recheck and resend");
  if (route === "axelar") {
    await followAxelar(gmp!, tx.hash, o, startedAt, timeoutS, resume);
    return;
  }
  const log = receipt.logs.find((l) => l.topics[0] === TRANSFER_SENT_TOPIC);
  const id = log ? (bridgeEvents.parseLog(log)?.args.transferId as string) : tx.hash;
  await follow(clients, { ref: tx.hash, json: Boolean(o.json), timeoutSeconds: timeoutS, startedAt, timeline, resume: `allo track ${id}${net.selector}` });
}

/** The chain's name in lib/chains.ts (what AxelarGmp speaks): by chain id, the local entry for a local chain. */
function registryName(chain: NetChain): EvmChainName {
  const all = Object.values(EVM_CHAINS);
  const entry = all.find((e) => e.chainId === chain.chainId && e.name === chain.name) ?? all.find((e) => e.chainId === chain.chainId);
  if (!entry) throw new CliError(`${chain.name} (chain id ${chain.chainId}) is not in lib/chains.ts`, "use --route attested: Axelar needs a known chain");
  return entry.name;
}

export async function gmpFor(net: Network): Promise<AxelarGmp> {
  if (net.axelarEnvironment) {
    const { AxelarSdkGmp } = await import("../../relayer/transfer/axelar/sdk");
    return new AxelarSdkGmp({ environment: net.axelarEnvironment });
  }
  const { readManifest } = await import("../../scripts/lib/manifest");
  const { connectChain, standinChainsFromManifest } = await import("../../devnet/axelar/chains");
  const { LocalAxelarGmp } = await import("../../devnet/axelar/local-gmp");
  return new LocalAxelarGmp(standinChainsFromManifest(readManifest(net.stateDir)).map(connectChain));
}

/** Axelar carries this route: its GMP status is the truth (sent, confirmed, approved, executed). */
export async function followAxelar(gmp: AxelarGmp, txHash: string, o: { json?: boolean }, startedAt: number, timeoutS: number, resume: string): Promise<void> {
  let last = "";
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const s = await gmp.status(txHash);
    if (s.stage !== last) {
      last = s.stage;
      const line = { event: "stage", route: "axelar", stage: s.stage, raw: s.raw, txHash: s.executionTxHash ?? s.approvalTxHash ?? txHash, elapsedMs: Date.now() - startedAt, ...(s.error ? { error: s.error } : {}) };
      process.stdout.write(o.json ? JSON.stringify(line) + "\n" : `${s.stage === "executed" ? "✔" : "…"} axelar ${s.stage}${s.error ? `: ${s.error}` : ""}\n`);
    }
    if (s.stage === "executed") return;
    if (s.stage === "error" || s.stage === "insufficient_fee") throw new CliError(`Axelar reports ${s.stage} for ${txHash}: ${s.error ?? s.raw}`, "add gas or retry the execution on Axelar's explorer (axelarscan); the ALLO is burned on the source and waits for the execution", EXIT.unfinished);
    if (Date.now() > deadline) throw new CliError(`stopped following after ${timeoutS} s (Axelar stage: ${s.stage})`, `the transfer goes on; follow it with \`${resume}\``, EXIT.unfinished);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
