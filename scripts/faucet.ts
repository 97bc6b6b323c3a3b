/**
 * DEVNET ONLY: `npm run faucet -- --chain base [--to 0x…] [--amount 1000]` bridges ALLO to a chain of the running
 * local network from the hub's faucet account (a deposit into the bridge escrow with the bridge memo, delivered
 * by the relayer; scripts/devnet/faucet.ts), as ALLO arrives on a real network. Default recipient: the devnet
 * user account #5, the one `npm run request` pays with. Any number of runs keep `relayer reconcile` exact.
 */
import { Command } from "commander";
import { ethers } from "ethers";
import { fundUser } from "./devnet/faucet";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "./lib/dev-keys";
import { chainByName, defaultStateDir, isUnreachable, notRunningMessage, readManifest } from "./lib/manifest";
import { parseAllo } from "./request-inference";

const program = new Command()
  .name("npm run faucet --")
  .description("DEVNET ONLY: bridge ALLO from the hub faucet account to an account on a chain of the local network")
  .requiredOption("--chain <name>", "chain name from the manifest (ethereum, bnb, base)")
  .option("--to <address>", "recipient (default: the devnet user account #5)")
  .option("--amount <ALLO>", "how much ALLO", "1000")
  .option("--state-dir <dir>", "where the manifest is (env DEVNET_STATE_DIR)", defaultStateDir());

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{ chain: string; to?: string; amount: string; stateDir: string }>();
  const manifest = readManifest(o.stateDir);
  const chain = chainByName(manifest, o.chain);
  const to = o.to ?? hardhatAccount(DEV_ACCOUNT_INDEX.user).address;
  if (!ethers.isAddress(to)) throw new Error(`--to "${to}" is not an 0x address`);
  const amount = parseAllo(o.amount);
  let deposit;
  try {
    deposit = await fundUser(manifest, chain, amount, ethers.getAddress(to), { stateDir: o.stateDir, progress: (line) => console.log(`  ${line}`) });
  } catch (err) {
    if (isUnreachable(err)) throw new Error(notRunningMessage(o.stateDir, manifest));
    throw err;
  }
  console.log(`minted ${o.amount} ALLO to ${ethers.getAddress(to)} on ${chain.name}, bridged from the hub (deposit ${deposit.hubTxHash})`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`faucet: ${err.message}`);
    process.exit(1);
  },
);
