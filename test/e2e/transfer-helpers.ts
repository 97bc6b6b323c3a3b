/**
 * Plumbing shared by the transfer e2e files: the network's chains with the user's bridge and token, hub
 * wallets, the relayer CLI, a SIGKILL, and exactly-once readings from the chains and the hub. Everything
 * talks to the real processes over RPC; nothing here is mocked.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { ethers } from "ethers";
import { Secp256k1HdWallet } from "@cosmjs/amino";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import type { LocalNetwork } from "../../scripts/devnet/network";
import type { RelayerHandle } from "../../scripts/devnet/relayer";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../../scripts/lib/dev-keys";
import { bridgeInterface } from "../../relayer/transfer/deliver";
import { scanEscrowSends } from "../../relayer/transfer/hub-ledger";
import { parseEscrowMemo, releasedTransferIds } from "../../relayer/transfer/memo";
import { mnemonicOf } from "../devnet/helpers";

export const ALLO = 10n ** 18n;
/**
 * The local chain ids the deploy stack wires the bridges' peers with (lib/chains.ts); another e2e file may
 * have set others in this process.
 */
export const E2E_ENV = { DEVNET_ETHEREUM_CHAIN_ID: "31337", DEVNET_BNB_CHAIN_ID: "31338", DEVNET_BASE_CHAIN_ID: "31339" };
const BRIDGE_ABI = [
  "function sendToChain(uint64 destinationChain, address recipient, uint256 amount) payable returns (bytes32, uint64)",
  "function sendToHub(string recipient, uint256 amount) payable returns (bytes32, uint64)",
  "function token() view returns (address)",
];
const TOKEN_ABI = ["function balanceOf(address) view returns (uint256)", "function totalSupply() view returns (uint256)"];

export type UserChain = ReturnType<TransferNet["chain"]>;

/** The user's view of the local network's transfers (Hardhat account `user` on the chains). */
export class TransferNet {
  readonly user = hardhatAccount(DEV_ACCOUNT_INDEX.user);
  private readonly providers: ethers.JsonRpcProvider[] = [];

  constructor(readonly net: LocalNetwork) {}

  chain(name: string) {
    const c = this.net.manifest.chains.find((x) => x.name === name)!;
    const provider = new ethers.JsonRpcProvider(c.rpc, c.chainId, { staticNetwork: true, cacheTimeout: -1 });
    provider.pollingInterval = 100;
    this.providers.push(provider);
    const bridge = new ethers.Contract(c.contracts.bridge, BRIDGE_ABI, new ethers.NonceManager(new ethers.Wallet(this.user.privateKey, provider)));
    const token = new ethers.Contract(c.contracts.token, TOKEN_ABI, provider);
    const balanceOf = async (who: string) => (await token.balanceOf(who)) as bigint;
    return { c, provider, bridge, token, balanceOf };
  }

  async hubClient(name: string) {
    const wallet = await Secp256k1HdWallet.fromMnemonic(mnemonicOf(name), { prefix: "allo" });
    const [acc] = await wallet.getAccounts();
    const client = await SigningStargateClient.connectWithSigner(this.net.manifest.hub.rpc, wallet, { gasPrice: GasPrice.fromString("10uallo"), broadcastPollIntervalMs: 200 });
    return { client, address: acc.address };
  }

  /** The `relayer` CLI against the network's relayer config (dist/ build). */
  cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, ["dist/relayer/cli.js", ...args, "-c", this.net.relayerConfigFile], { cwd: path.resolve(__dirname, "../.."), env: { ...process.env } }, (e, out, err) =>
        resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
      );
    });
  }

  destroy(): void {
    for (const p of this.providers) p.destroy();
  }
}

export async function newHubAddress(): Promise<string> {
  return (await (await Secp256k1HdWallet.generate(12, { prefix: "allo" })).getAccounts())[0].address;
}

/** SIGKILL, no goodbye: whatever it was doing stays half done. */
export async function sigkill(r: RelayerHandle): Promise<void> {
  r.child.signal("SIGKILL");
  await r.child.exited;
  r.log.close();
}

/** Transfer ids of the bridge's `event` logs (TransferDelivered, QueuedTransferReleased, ...) from `fromBlock`. */
export async function bridgeEventIds(chain: UserChain, event: string, fromBlock: number): Promise<string[]> {
  return (await bridgeEvents(chain, event, fromBlock)).map((e) => e.id);
}

/** The bridge's `event` logs since `fromBlock`: transfer id, block and (deliveries) recipient and amount. */
export async function bridgeEvents(chain: UserChain, event: string, fromBlock: number): Promise<{ id: string; block: number; args: string }[]> {
  const logs = await chain.provider.getLogs({ address: chain.c.contracts.bridge, fromBlock, toBlock: "latest", topics: [bridgeInterface.getEvent(event)!.topicHash] });
  return logs.map((l) => ({ id: l.topics[1].toLowerCase(), block: l.blockNumber, args: bridgeInterface.parseLog(l)?.args.toArray().map(String).join(",") ?? "" }));
}

/**
 * Successful escrow sends by memo kind: transfer ids released (single or batched release memos), deposit txs
 * refunded (with repeats, if any).
 */
export async function escrowPayments(comet: CometClient, escrow: string, hubChain: bigint): Promise<{ released: string[]; refunded: string[] }> {
  const released: string[] = [];
  const refunded: string[] = [];
  for (const s of await scanEscrowSends(comet, escrow)) {
    if (s.code !== 0) continue;
    const m = parseEscrowMemo(s.memo);
    released.push(...releasedTransferIds(m, hubChain).map((id) => id.toLowerCase()));
    if (m.kind === "refund") refunded.push(`${m.depositTxHash.toUpperCase()}:${m.msgIndex}`);
  }
  return { released, refunded };
}

/** Each of `ids` exactly once in `seen` (names the first that is missing or repeated). */
export function exactlyOnce(ids: readonly string[], seen: readonly string[]): string | undefined {
  for (const id of ids) {
    const n = seen.filter((s) => s === id.toLowerCase() || s === id).length;
    if (n !== 1) return `${id} seen ${n} times`;
  }
  return undefined;
}
