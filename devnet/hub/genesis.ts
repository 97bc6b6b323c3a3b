/**
 * Genesis: derives the configured accounts (mnemonic, address or threshold multisig) and funds them.
 * DEVNET ONLY: config mnemonics are public test keys.
 */
import { createMultisigThresholdPubkey, pubkeyToAddress, Secp256k1HdWallet, SinglePubkey } from "@cosmjs/amino";
import { toBase64 } from "@cosmjs/encoding";
import { ChainState } from "./chain/state";
import { HubConfig } from "./config";
import { addressProblem } from "./modules/auth";
import { ConfigError } from "./config";

export interface GenesisAccount {
  name: string;
  address: string;
  /** for multisig accounts: the amino multisig public key (as cosmjs builds it) */
  multisig?: ReturnType<typeof createMultisigThresholdPubkey>;
  balance: bigint;
}

export async function buildGenesis(cfg: HubConfig, state: ChainState): Promise<GenesisAccount[]> {
  const out: GenesisAccount[] = [];
  const pubkeys = new Map<string, SinglePubkey>();
  for (const a of cfg.accounts) {
    if (a.mnemonic) {
      let wallet: Secp256k1HdWallet;
      try {
        wallet = await Secp256k1HdWallet.fromMnemonic(a.mnemonic, { prefix: cfg.bech32Prefix });
      } catch (e) {
        throw new ConfigError("(accounts)", [`accounts.${a.name}.mnemonic: ${(e as Error).message} (fix: use a valid BIP-39 mnemonic)`]);
      }
      const [acc] = await wallet.getAccounts();
      pubkeys.set(a.name, { type: "tendermint/PubKeySecp256k1", value: toBase64(acc.pubkey) });
      out.push({ name: a.name, address: acc.address, balance: BigInt(a.balance) });
    } else if (a.address) {
      const bad = addressProblem(a.address, cfg.bech32Prefix);
      if (bad) throw new ConfigError("(accounts)", [`accounts.${a.name}.address: ${bad} (fix: give a ${cfg.bech32Prefix}1... address)`]);
      out.push({ name: a.name, address: a.address, balance: BigInt(a.balance) });
    }
  }
  for (const a of cfg.accounts) {
    if (!a.multisig) continue;
    const keys = a.multisig.members.map((m) => pubkeys.get(m)!);
    const pk = createMultisigThresholdPubkey(keys, a.multisig.threshold);
    out.push({ name: a.name, address: pubkeyToAddress(pk, cfg.bech32Prefix), multisig: pk, balance: BigInt(a.balance) });
  }
  for (const g of out) {
    state.ensureAccount(g.address);
    if (g.balance > 0n) state.setBalance(g.address, cfg.denom, state.balance(g.address, cfg.denom) + g.balance);
  }
  return out;
}
