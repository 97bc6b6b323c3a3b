/**
 * Pay for a fresh inference: `npm run request -- --chain base --topic 1 --amount 2.5`
 *
 * Pays AMOUNT ALLO (pay what you want, above zero) to the chain's AlloraOracle for TOPIC with an ERC-2612
 * permit (one transaction, no approve), then follows the request until a newer inference for the topic
 * is stored on that chain, printing progress. Reads addresses from .devnet/manifest.json (npm start).
 *
 * The payer is the DEVNET ONLY public Hardhat test account #5 unless --key or REQUESTER_KEY gives one.
 */
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import YAML from "yaml";
import { ethers } from "ethers";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "./lib/dev-keys";
import { chainByName, defaultStateDir, isUnreachable, Manifest, notRunningMessage, readManifest } from "./lib/manifest";
import { formatValue, oracleAt, readInference } from "./lib/oracle";
import { signPermit, TOKEN_ABI } from "./lib/permit";

const program = new Command()
  .name("npm run request --")
  .description("Pay ALLO for a fresh inference on one topic of one chain, and follow it until it lands")
  .requiredOption("--chain <name>", "chain name from the manifest (ethereum, bnb, base)")
  .requiredOption("--topic <id>", "topic id")
  .requiredOption("--amount <ALLO>", "payment in ALLO, e.g. 2.5 (any amount above zero)")
  .option("--key <hex>", "payer private key (default: REQUESTER_KEY, else the devnet test account #5)")
  .option("--state-dir <dir>", "where the manifest is (env DEVNET_STATE_DIR)", defaultStateDir())
  .option("--timeout <s>", "how long to wait for the update", "60")
  .option("--no-wait", "return after the request is mined");

/** ALLO has 18 decimals: "2.5" -> 2.5e18 base units. Throws saying why a string is not an amount. */
export function parseAllo(raw: string): bigint {
  const m = /^\s*(\d*)(?:\.(\d*))?\s*$/.exec(raw);
  if (!m || (m[1] === "" && (m[2] ?? "") === "")) {
    throw new Error(`--amount "${raw}" is not an ALLO amount (use a decimal such as 2.5)`);
  }
  if ((m[2] ?? "").length > 18) {
    throw new Error(
      `--amount "${raw}" has ${m[2]!.length} decimal places, but ALLO has 18: the smallest amount is ` +
        `0.000000000000000001 ALLO (1 base unit)`,
    );
  }
  const amount = ethers.parseUnits(`${m[1] || "0"}.${m[2] || "0"}`, 18);
  if (amount <= 0n) throw new Error(`--amount must be above zero (the oracle rejects a zero payment)`);
  return amount;
}

/** How to get more ALLO for `payer` on the local network. */
function fundingHint(chain: string, payer: string, isDevUser: boolean, stateDir: string): string {
  const faucet = `npm run faucet -- --chain ${chain} --to ${payer}${stateDir === ".devnet" ? "" : ` --state-dir ${stateDir}`}`;
  return isDevUser
    ? `pay less, or mint more with the devnet faucet: ${faucet}`
    : `pay less, pay with the funded devnet account (leave out --key / REQUESTER_KEY), or mint ALLO to it with the devnet faucet: ${faucet}`;
}

export interface Policy {
  deviationBps: number;
  heartbeatSeconds: number;
}

/** The update policy of `chain`/`topic` in the relayer config npm start wrote (stateDir/relayer.yaml), if any. */
export function devnetPolicy(stateDir: string, chain: string, topic: number): Policy | undefined {
  const file = path.join(stateDir, "relayer.yaml");
  if (!fs.existsSync(file)) return undefined;
  const cfg = YAML.parse(fs.readFileSync(file, "utf8")) as {
    policy?: { default?: Policy; overrides?: (Partial<Policy> & { chain?: string; topic?: number })[] };
  };
  if (!cfg.policy?.default) return undefined;
  const p = { ...cfg.policy.default };
  for (const o of cfg.policy.overrides ?? []) {
    if ((o.chain === undefined || o.chain === chain) && (o.topic === undefined || o.topic === topic)) {
      if (o.deviationBps !== undefined) p.deviationBps = o.deviationBps;
      if (o.heartbeatSeconds !== undefined) p.heartbeatSeconds = o.heartbeatSeconds;
    }
  }
  return p;
}

/**
 * What the topic would have waited without the payment, said in a line: until the heartbeat (the stored
 * value's age against the policy's heartbeat, counted from when the request was mined), or a deviation.
 */
export function unpaidWait(policy: Policy, storedTimestamp: bigint, requestedAtSeconds: number): string {
  if (policy.deviationBps === 0) {
    return "without the payment it would have come as soon: this relayer posts every new inference (deviation 0)";
  }
  const age = Math.max(0, requestedAtSeconds - Number(storedTimestamp));
  const left = Math.max(0, policy.heartbeatSeconds - age);
  return (
    `without the payment it would have waited up to ${left} s more: the stored value was ${age} s old and the ` +
    `relayer posts after ${policy.heartbeatSeconds} s (heartbeat), or sooner if the value moves ` +
    `${policy.deviationBps / 100} %`
  );
}

let manifestForErrors: { stateDir: string; manifest: Manifest } | undefined;

export interface RequestOptions {
  chain: string;
  topic: string;
  amount: string;
  key?: string;
  stateDir: string;
  timeout: string;
  wait: boolean;
}

async function main(): Promise<void> {
  program.parse();
  await requestInference(program.opts<RequestOptions>());
}

/** Pays for and follows one request (the body of `npm run request`, also `allo request`). */
export async function requestInference(o: RequestOptions): Promise<void> {
  const manifest = readManifest(o.stateDir);
  manifestForErrors = { stateDir: o.stateDir, manifest };
  const chain = chainByName(manifest, o.chain);
  const topicId = Number(o.topic);
  if (!Number.isInteger(topicId) || topicId <= 0)
    throw new Error(`--topic "${o.topic}" is not a positive integer`);
  if (!manifest.hub.topics.includes(topicId)) {
    throw new Error(
      `topic ${topicId} is not relayed on this network (topics: ${manifest.hub.topics.join(", ")})`,
    );
  }
  const amount = parseAllo(o.amount);
  const { token: tokenAddress, oracle: oracleAddress } = chain.contracts;
  if (!tokenAddress || !oracleAddress) {
    throw new Error(`the manifest has no token/oracle on ${chain.name}: is npm start done deploying?`);
  }

  const provider = new ethers.JsonRpcProvider(chain.rpc, chain.chainId, { staticNetwork: true });
  provider.pollingInterval = 250;
  const keyHex = o.key ?? process.env.REQUESTER_KEY;
  const payer = keyHex
    ? new ethers.Wallet(keyHex, provider)
    : hardhatAccount(DEV_ACCOUNT_INDEX.user).connect(provider);
  const token = new ethers.Contract(tokenAddress, TOKEN_ABI, provider);
  const oracle = oracleAt(oracleAddress, payer);

  const balance = (await token.balanceOf(payer.address)) as bigint;
  if (balance < amount) {
    throw new Error(
      `${payer.address} holds ${ethers.formatUnits(balance, 18)} ALLO on ${chain.name}, less than ${o.amount}: ` +
        fundingHint(chain.name, payer.address, !keyHex, o.stateDir),
    );
  }
  const before = await readInference(oracle, topicId);
  console.log(
    `topic ${topicId} on ${chain.name}: stored nonce ${before.nonce}, value ${formatValue(before.value)}` +
      (before.nonce > 0n ? `, ${Math.floor(Date.now() / 1000) - Number(before.timestamp)} s old` : ""),
  );
  console.log(`signing a permit for ${o.amount} ALLO from ${payer.address}...`);
  const permit = await signPermit(token, payer, oracleAddress, amount);
  const tx = (await oracle.requestInferenceWithPermit(
    topicId,
    amount,
    permit.deadline,
    permit.v,
    permit.r,
    permit.s,
  )) as ethers.ContractTransactionResponse;
  console.log(`request sent: ${tx.hash}`);
  const receipt = await tx.wait();
  const requested = receipt?.logs
    .map((l) => {
      try {
        return oracle.interface.parseLog(l);
      } catch {
        return null;
      }
    })
    .find((p) => p?.name === "InferenceRequested");
  const sentAt = Date.now();
  console.log(`request #${requested?.args.requestId ?? "?"} mined in block ${receipt?.blockNumber}`);
  if (!o.wait) return;

  const deadline = sentAt + Number(o.timeout) * 1000;
  let dots = 0;
  for (;;) {
    const now = await readInference(oracle, topicId);
    if (now.nonce > before.nonce) {
      if (dots > 0) process.stdout.write("\n");
      console.log(
        `updated after ${((Date.now() - sentAt) / 1000).toFixed(1)} s: nonce ${now.nonce}, value ${formatValue(now.value)}`,
      );
      const policy = devnetPolicy(o.stateDir, chain.name, topicId);
      if (policy && before.nonce > 0n) console.log(unpaidWait(policy, before.timestamp, Math.floor(sentAt / 1000)));
      return;
    }
    if (Date.now() > deadline) {
      if (dots > 0) process.stdout.write("\n");
      throw new Error(
        `no newer inference for topic ${topicId} on ${chain.name} within ${o.timeout} s: is the relayer running?`,
      );
    }
    process.stdout.write(dots++ === 0 ? "waiting for the relayer" : ".");
    await new Promise((r) => setTimeout(r, 500));
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: Error) => {
      const message =
        manifestForErrors && isUnreachable(err)
          ? `${notRunningMessage(manifestForErrors.stateDir, manifestForErrors.manifest)} (${err.message})`
          : err.message;
      console.error(`request-inference: ${message}`);
      process.exit(1);
    },
  );
}
