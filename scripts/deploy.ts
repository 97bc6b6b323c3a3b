/**
 * `npx hardhat run scripts/deploy.ts --network <name>` (or `npm run deploy -- --network <name>`):
 * deploys the token, the oracle and the bridge with deploy/parameters/<name>.json (local networks fall
 * back to deploy/parameters/local.json) and writes deployments/<name>.json. Running it again with the
 * same parameters deploys nothing and rewrites the same file.
 *
 * DEPLOYMENTS_DIR (optional) writes the record elsewhere than deployments/ (the devnet's e2e test does).
 * DEVNET_FEEDS (set by the local network's deployer) replaces `oracle.feeds` with the feeds of its topics.
 * DEPLOY_MODULES (optional, comma-separated, e.g. "AlloraOracle") limits the contracts deployed after the
 * token (AlloraOracle, AlloraBridge, AlloraAxelarAdapter); "none" deploys the token alone. The Axelar adapter
 * is deployed when the parameters have an `axelar` section.
 *
 * Before anything connects or is sent (deploy/preflight.ts): the public network's RPC URL variable and
 * DEPLOYER_PRIVATE_KEY must be set, and CreateX must be on the chain.
 */
import hre from "hardhat";
import { loadParameters } from "../deploy/parameters";
import { checkCreateX, environmentProblems, withNetworkDefaults } from "../deploy/preflight";
import { deployStack } from "../deploy/stack";
import { withDevnetFeeds } from "./devnet/feeds";

async function main(): Promise<void> {
  const network = hre.network.name;
  // Hardhat's provider is created on first use, so a missing URL is reported here, by name, and not as HH117.
  const missing = environmentProblems(network);
  if (missing.length) throw new Error(`cannot deploy to ${network}:\n  ${missing.join("\n  ")}`);
  const { file, params: raw } = loadParameters(network);
  // DEVNET_FEEDS: the local network's deployer gives the feeds of the topics it relays.
  const params = withDevnetFeeds(withNetworkDefaults(raw, network));
  console.log(`deploying to ${network} with ${file}`);
  await checkCreateX(hre.ethers.provider, network);
  const result = await deployStack(hre, params, {
    deploymentsDir: process.env.DEPLOYMENTS_DIR || undefined,
    modules: process.env.DEPLOY_MODULES
      ? process.env.DEPLOY_MODULES.split(",")
          .map((m) => m.trim())
          .filter((m) => m && m !== "none")
      : undefined,
    log: (line) => console.log(`  ${line}`),
  });
  console.log(result.deployed.length === 0 ? "nothing to deploy" : `deployed ${result.deployed.join(", ")}`);
  for (const [name, c] of Object.entries(result.record.contracts)) {
    console.log(`  ${name.padEnd(19)} ${c.address}  (block ${c.blockNumber})`);
  }
  if (result.pendingAdminCalls.length > 0) {
    console.log(`\nThe deployer is not the admin of these contracts; the admin of the contract each line names must still send:`);
    for (const call of result.pendingAdminCalls)
      console.log(`  ${call.description}\n    to ${call.to}\n    data ${call.data}`);
  }
  if (result.missingRemotes.length > 0) {
    console.log(
      `\nAlloraAxelarAdapter: not yet registered as remotes: ${result.missingRemotes.join(", ")} (no address in ` +
        `axelar.remotes, no deployment record yet). Deploy there, then run this again on ${network}.`,
    );
  }
  if (result.missingBridgeSources.length > 0) {
    console.log(
      `\nAlloraBridge: the bridges of ${result.missingBridgeSources.join(", ")} are not registered as source bridges ` +
        `yet (no deployment record); their transfers do not mint here. Deploy there, then run this again on ${network}.`,
    );
  }
  console.log(`wrote ${result.file}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
