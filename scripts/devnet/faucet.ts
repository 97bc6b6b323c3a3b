/**
 * DEVNET ONLY: ALLO for the local test accounts, the way ALLO reaches an EVM chain on the real network: bridged
 * from the hub. The hub's `faucet` account (devnet/hub.config.json, a PUBLIC test mnemonic) deposits uallo into
 * the bridge escrow with the bridge memo (relayer/transfer/README.md) for each chain; the relayer delivers it
 * (AlloraBridge.deliver mints). Nobody mints with an admin key, so the supply check holds from genesis: the
 * escrow's genesis balance is all fee float, and everything on the chains is backed by a deposit.
 *
 * `npm start` sends its deposits as soon as the hub is up (while the contracts deploy) and waits for their
 * delivery once a relayer is ready; `npm run faucet` (scripts/faucet.ts) sends one and waits.
 */
import fs from "node:fs";
import { ethers } from "ethers";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { coins, SigningStargateClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { DEFAULT_CONFIG_PATH, type HubConfigInput } from "../../devnet/hub/config";
import { cosmosBridgeChainId } from "../../lib/chains";
import { depositMemo } from "../../relayer/transfer/memo";
import { trackTransfer, type TrackResult } from "../../relayer/transfer/track";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../lib/dev-keys";
import type { Manifest, ManifestChain } from "../lib/manifest";

/** ALLO the user account gets on each chain at start. */
export const FAUCET_AMOUNT = ethers.parseUnits("1000", 18);

/** The hub account in devnet/hub.config.json the faucet pays from. */
export const FAUCET_ACCOUNT = "faucet";

/** A deposit's hub fee: the devnet's minimum gas price (10 uallo) x a gas limit well above a MsgSend's. */
const DEPOSIT_FEE = { amount: coins(2_000_000, "uallo"), gas: "200000" };

/** How long a delivery may take before the faucet says what to check. */
export const DELIVERY_TIMEOUT_MS = 90_000;

export interface FaucetRequest {
  chainId: number;
  /** 0x address on that chain (default: the devnet user account #5) */
  to?: string;
  amount?: bigint;
}

export interface FaucetDeposit {
  chainId: number;
  to: string;
  amount: bigint;
  /** the hub transaction (upper-case hex, as the relayer's `transfer` command takes it) */
  hubTxHash: string;
}

export interface HubTarget {
  rpc: string;
  chainId: string;
  /** the bridge escrow (bech32) */
  escrow: string;
  denom?: string;
}

/** The faucet account's mnemonic (PUBLIC test key) from the hub config, with an error naming the fix. */
export function faucetMnemonic(configFile = DEFAULT_CONFIG_PATH): string {
  const cfg = JSON.parse(fs.readFileSync(configFile, "utf8")) as HubConfigInput;
  const account = cfg.accounts?.find((a) => a.name === FAUCET_ACCOUNT);
  if (!account?.mnemonic) {
    throw new Error(`${configFile} has no "${FAUCET_ACCOUNT}" account with a mnemonic: the devnet faucet pays from it (add one with a balance)`);
  }
  return account.mnemonic;
}

/**
 * Sends one bridge deposit per request from the hub faucet account to the escrow. All are signed up front with
 * consecutive account sequences and broadcast at once (the hub checks each against the mempool), so they land
 * in one hub block; resolves when every one is committed.
 */
export async function sendFaucetDeposits(hub: HubTarget, requests: readonly FaucetRequest[], configFile = DEFAULT_CONFIG_PATH): Promise<FaucetDeposit[]> {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(faucetMnemonic(configFile), { prefix: hub.escrow.slice(0, hub.escrow.lastIndexOf("1")) });
  const [{ address }] = await wallet.getAccounts();
  const client = await SigningStargateClient.connectWithSigner(hub.rpc, wallet, { broadcastPollIntervalMs: 200 });
  try {
    const account = await client.getAccount(address);
    if (!account) throw new Error(`the hub faucet account ${address} does not exist on ${hub.rpc}: give it a balance in devnet/hub.config.json`);
    const deposits: FaucetDeposit[] = [];
    const raws: Uint8Array[] = [];
    for (const [i, r] of requests.entries()) {
      const to = ethers.getAddress(r.to ?? hardhatAccount(DEV_ACCOUNT_INDEX.user).address);
      const amount = r.amount ?? FAUCET_AMOUNT;
      const msg = { typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: address, toAddress: hub.escrow, amount: coins(amount.toString(), hub.denom ?? "uallo") } };
      const signed = await client.sign(address, [msg], DEPOSIT_FEE, depositMemo(r.chainId, to), {
        accountNumber: account.accountNumber,
        sequence: account.sequence + i,
        chainId: hub.chainId,
      });
      raws.push(TxRaw.encode(signed).finish());
      deposits.push({ chainId: r.chainId, to, amount, hubTxHash: "" });
    }
    for (const [i, raw] of raws.entries()) deposits[i].hubTxHash = (await client.broadcastTxSync(raw)).toUpperCase();
    for (const d of deposits) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const tx = await client.getTx(d.hubTxHash);
        if (tx) {
          if (tx.code !== 0) throw new Error(`the faucet's deposit ${d.hubTxHash} failed on the hub (code ${tx.code}): ${tx.rawLog}`);
          break;
        }
        if (Date.now() > deadline) throw new Error(`the faucet's deposit ${d.hubTxHash} was not committed on the hub (${hub.rpc}) within 30 s`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return deposits;
  } finally {
    client.disconnect();
  }
}

export interface WaitOptions {
  timeoutMs?: number;
  /** One line per change ("ethereum: delivered in 0x…"). */
  progress?: (line: string) => void;
  /** Where to look when a delivery does not arrive (the state directory of the network). */
  stateDir?: string;
}

/**
 * Waits until the relayer has delivered every deposit (minted on its chain), reading the chains and the hub as
 * `relayer transfer <hub tx>` does. A deposit the bridge queued (over its inbound limit) is reported as such.
 */
export async function waitForDeliveries(manifest: Manifest, deposits: readonly FaucetDeposit[], opts: WaitOptions = {}): Promise<void> {
  const escrow = manifest.hub.escrow;
  if (!escrow) throw new Error("the manifest names no hub escrow: the network runs without the bridge, so the faucet cannot bridge ALLO");
  const comet = await Comet38Client.connect(manifest.hub.rpc);
  const providers = manifest.chains.map((c) => new ethers.JsonRpcProvider(c.rpc, c.chainId, { staticNetwork: true, cacheTimeout: -1 }));
  const nameOf = (chainId: number) => manifest.chains.find((c) => c.chainId === chainId)?.name ?? `chain ${chainId}`;
  const input = {
    comet,
    hubChain: cosmosBridgeChainId(manifest.hub.chainId),
    hubPrefix: escrow.slice(0, escrow.lastIndexOf("1")),
    escrow,
    startHeight: 1n,
    rules: { denom: manifest.hub.denom ?? "uallo", destinations: manifest.chains.map((c) => ({ chainId: BigInt(c.chainId), enabled: true, fromHeight: 0n })) },
    chains: manifest.chains.map((c, i) => ({ name: c.name, chainId: BigInt(c.chainId), provider: providers[i], bridge: c.contracts.bridge, startBlock: 0, confirmations: 0 })),
  };
  const timeoutMs = opts.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const pending = new Map(deposits.map((d) => [d.hubTxHash, d]));
  const last = new Map<string, string>();
  try {
    while (pending.size > 0) {
      for (const d of [...pending.values()]) {
        const result: TrackResult | undefined = await trackTransfer(input, d.hubTxHash);
        const delivered = result?.stages.find((s) => (s.stage === "delivered" || s.stage === "released") && s.done);
        const state = delivered ? `delivered in ${delivered.txHash}` : result?.stages.some((s) => s.stage === "queued" && s.done) ? "queued by the bridge's inbound limit" : "waiting for the relayer";
        if (last.get(d.hubTxHash) !== state) opts.progress?.(`${nameOf(d.chainId)}: ${ethers.formatUnits(d.amount, 18).replace(/\.0$/, "")} ALLO for ${d.to}: ${state}`);
        last.set(d.hubTxHash, state);
        if (delivered) pending.delete(d.hubTxHash);
      }
      if (pending.size === 0) break;
      if (Date.now() > deadline) throw new Error(notDeliveredMessage([...pending.values()], nameOf, timeoutMs, opts.stateDir));
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    comet.disconnect();
    for (const p of providers) p.destroy();
  }
}

/** What to check when the relayer has not delivered a faucet deposit. */
export function notDeliveredMessage(pending: readonly FaucetDeposit[], nameOf: (chainId: number) => string, timeoutMs: number, stateDir = ".devnet"): string {
  const list = pending.map((d) => `${nameOf(d.chainId)} (hub deposit ${d.hubTxHash})`).join(", ");
  return (
    `the faucet's ALLO did not arrive within ${Math.round(timeoutMs / 1000)} s on ${list}: the hub deposit is made and the ` +
    `relayer delivers it. Check that a relayer with the transfers section runs (its log: ${stateDir}/logs/relayer-1.log), ` +
    `and ask it where the transfer is: npm run relayer -- transfer ${pending[0].hubTxHash} -c ${stateDir}/relayer.yaml`
  );
}

/**
 * `npm run faucet`: bridges `amount` ALLO (default 1,000) from the hub faucet account to `to` (default: the user
 * account #5) on `chain`, and waits for the relayer to deliver it. Returns the deposit.
 */
export async function fundUser(manifest: Manifest, chain: ManifestChain, amount = FAUCET_AMOUNT, to?: string, opts: WaitOptions = {}): Promise<FaucetDeposit> {
  if (!manifest.hub.escrow) throw new Error("the manifest names no hub escrow: start the network with its bridge (npm start) to use the faucet");
  if (!chain.contracts.bridge) throw new Error(`no AlloraBridge on ${chain.name}: the faucet bridges ALLO there, so it needs one`);
  const [deposit] = await sendFaucetDeposits({ rpc: manifest.hub.rpc, chainId: manifest.hub.chainId, escrow: manifest.hub.escrow, denom: manifest.hub.denom }, [{ chainId: chain.chainId, to, amount }]);
  opts.progress?.(`hub deposit ${deposit.hubTxHash}: ${ethers.formatUnits(amount, 18).replace(/\.0$/, "")} ALLO from the hub faucet account to the bridge escrow, for ${deposit.to} on ${chain.name}`);
  await waitForDeliveries(manifest, [deposit], opts);
  return deposit;
}
