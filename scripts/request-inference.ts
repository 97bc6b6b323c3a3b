/**
 * Pay for a fresh inference: `npm run request -- --chain base --topic 1 --amount 2.5`
 *
 * Pays AMOUNT ALLO (pay what you want, above zero) to the chain's AlloraOracle for TOPIC with an ERC-2612
 * permit (one transaction, no approve), then follows the request until a newer inference for the topic
 * is stored on that chain, printing progress. Reads addresses from .devnet/manifest.json (npm start).
 *
 * The payer is the DEVNET ONLY public Hardhat test account #5 unless --key or REQUESTER_KEY gives one.
 */
import { Command } from "commander";
import { ethers } from "ethers";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "./lib/dev-keys";
import { chainByName, readManifest } from "./lib/manifest";
import { formatValue, oracleAt, readInference } from "./lib/oracle";
import { signPermit, TOKEN_ABI } from "./lib/permit";

const program = new Command()
  .name("npm run request --")
  .description("Pay ALLO for a fresh inference on one topic of one chain, and follow it until it lands")
  .requiredOption("--chain <name>", "chain name from the manifest (ethereum, bnb, base)")
  .requiredOption("--topic <id>", "topic id")
  .requiredOption("--amount <ALLO>", "payment in ALLO, e.g. 2.5 (any amount above zero)")
  .option("--key <hex>", "payer private key (default: REQUESTER_KEY, else the devnet test account #5)")
  .option("--state-dir <dir>", "where the manifest is", ".devnet")
  .option("--timeout <s>", "how long to wait for the update", "60")
  .option("--no-wait", "return after the request is mined");

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{
    chain: string;
    topic: string;
    amount: string;
    key?: string;
    stateDir: string;
    timeout: string;
    wait: boolean;
  }>();
  const manifest = readManifest(o.stateDir);
  const chain = chainByName(manifest, o.chain);
  const topicId = Number(o.topic);
  if (!Number.isInteger(topicId) || topicId <= 0)
    throw new Error(`--topic "${o.topic}" is not a positive integer`);
  if (!manifest.hub.topics.includes(topicId)) {
    throw new Error(
      `topic ${topicId} is not relayed on this network (topics: ${manifest.hub.topics.join(", ")})`,
    );
  }
  let amount: bigint;
  try {
    amount = ethers.parseUnits(o.amount, 18);
  } catch {
    throw new Error(`--amount "${o.amount}" is not an ALLO amount (use a decimal such as 2.5)`);
  }
  if (amount <= 0n) throw new Error(`--amount must be above zero (the oracle rejects a zero payment)`);
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
        `pay less or fund the account`,
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

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`request-inference: ${err.message}`);
    process.exit(1);
  },
);
