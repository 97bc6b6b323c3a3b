/**
 * DEVNET ONLY: the transfer pipeline's settings for the local network: the hub escrow (the `bridge-escrow`
 * 2-of-3 multisig of devnet/hub.config.json, whose members are the attesters' PUBLIC test mnemonics), its fee
 * float (the escrow's genesis balance: it backs nothing at start, since the chains start with no ALLO and the
 * faucet bridges what it gives), each chain's bridge and, with --axelar, each chain's Axelar adapter. The relayer reads the member mnemonics from RELAYER_HUB_KEY_<i>.
 */
import fs from "node:fs";
import { createMultisigThresholdPubkey, pubkeyToAddress, Secp256k1HdWallet } from "@cosmjs/amino";
import { DEFAULT_CONFIG_PATH, type HubConfigInput } from "../../devnet/hub/config";
import type { Manifest } from "../lib/manifest";

export const hubKeyEnv = (i: number): string => `RELAYER_HUB_KEY_${i + 1}`;

export interface DevnetEscrow {
  address: string;
  threshold: number;
  /** compressed secp256k1 public keys, base64 */
  members: string[];
  /** the members' mnemonics, in the same order (PUBLIC test keys) */
  mnemonics: string[];
  /** uallo at genesis */
  genesisBalance: string;
  denom: string;
  prefix: string;
}

export async function devnetEscrow(configFile = DEFAULT_CONFIG_PATH): Promise<DevnetEscrow> {
  const cfg = JSON.parse(fs.readFileSync(configFile, "utf8")) as HubConfigInput;
  const prefix = cfg.bech32Prefix ?? "allo";
  const escrow = cfg.accounts?.find((a) => a.multisig);
  if (!escrow?.multisig) throw new Error(`${configFile} has no multisig account to use as the bridge escrow`);
  const mnemonics = escrow.multisig.members.map((m) => {
    const acc = cfg.accounts!.find((a) => a.name === m);
    if (!acc?.mnemonic) throw new Error(`${configFile}: escrow member ${m} has no mnemonic`);
    return acc.mnemonic;
  });
  const members: string[] = [];
  for (const mnemonic of mnemonics) {
    const [acc] = await (await Secp256k1HdWallet.fromMnemonic(mnemonic, { prefix })).getAccounts();
    members.push(Buffer.from(acc.pubkey).toString("base64"));
  }
  const pk = createMultisigThresholdPubkey(
    members.map((value) => ({ type: "tendermint/PubKeySecp256k1", value })),
    escrow.multisig.threshold,
  );
  return {
    address: pubkeyToAddress(pk, prefix),
    threshold: escrow.multisig.threshold,
    members,
    mnemonics,
    genesisBalance: String(escrow.balance ?? "0"),
    denom: cfg.denom ?? "uallo",
    prefix,
  };
}

/**
 * The relayer config's `transfers` section for the local network. The escrow's genesis balance is all fee float:
 * it backs nothing at genesis (the chains start with no ALLO), and the devnet faucet puts ALLO on the chains by
 * bridging it from a hub account (scripts/devnet/faucet.ts), so reconciliation balances from the start.
 * With `axelarStatusUrl` (npm start -- --axelar): route 4 through the stand-in, with each chain's adapter.
 */
export function devnetTransfersConfig(manifest: Manifest, escrow: DevnetEscrow, hubSigners: number, axelarStatusUrl?: string): Record<string, unknown> {
  const adapters = manifest.chains.filter((c) => c.contracts.axelarAdapter);
  return {
    enabled: true,
    denom: escrow.denom,
    startHeight: 1,
    indexLagBlocks: 1,
    pollIntervalMs: 250,
    escrow: {
      address: escrow.address,
      threshold: escrow.threshold,
      members: escrow.members,
      fee: { amount: "3000000", gas: "300000" },
      float: escrow.genesisBalance,
    },
    bridges: Object.fromEntries(
      manifest.chains.filter((c) => c.contracts.bridge).map((c) => [c.name, { address: c.contracts.bridge, startBlock: 0 }]),
    ),
    hubSigners: Array.from({ length: Math.min(hubSigners, escrow.mnemonics.length) }, (_, i) => ({ env: hubKeyEnv(i) })),
    ...(axelarStatusUrl && adapters.length >= 2
      ? {
          axelar: {
            environment: "local",
            statusUrl: axelarStatusUrl,
            adapters: Object.fromEntries(adapters.map((c) => [c.name, { address: c.contracts.axelarAdapter, startBlock: 0 }])),
          },
        }
      : {}),
  };
}
