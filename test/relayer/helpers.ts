/**
 * Plumbing shared by the relayer tests that run on real parts: free ports, polling, a Hardhat node as a
 * child process, the real AlloraOracle deployed on it, a relayer started in-process with its log lines
 * captured, and Redis prefix cleanup.
 */
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { randomBytes } from "node:crypto";
import IORedis from "ioredis";
import pino from "pino";
import { ContractFactory, HDNodeWallet, InterfaceAbi, JsonRpcProvider, Mnemonic, NonceManager as EthersNonceManager, Wallet, ZeroAddress, getAddress } from "ethers";
import { oracleInterface } from "../../relayer/evm/oracle";
import type { ChainConfig } from "../../relayer/config/schema";

export const ROOT = path.resolve(__dirname, "../..");
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const MNEMONIC = "test test test test test test test test test test test junk"; // PUBLIC Hardhat test mnemonic
export const account = (i: number) => HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const uniquePrefix = (what: string) => `test-relayer-${what}-${randomBytes(5).toString("hex")}`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on("error", reject);
  });
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}

export interface HardhatNode {
  url: string;
  provider: JsonRpcProvider;
  child: ChildProcess;
  stop(): void;
}

/** A Hardhat node (automine) with the given chain id, on `port` (default: a free one). */
export async function startHardhat(chainId = 31337, port?: number): Promise<HardhatNode> {
  port ??= await freePort();
  const child = spawn(process.execPath, [require.resolve("hardhat/internal/cli/cli"), "node", "--port", String(port)], {
    cwd: ROOT,
    env: { ...process.env, HARDHAT_CHAIN_ID: String(chainId), HARDHAT_BLOCK_TIME_MS: "0" },
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}`;
  const provider = new JsonRpcProvider(url, chainId, { staticNetwork: true, cacheTimeout: -1 });
  await waitFor("hardhat node", async () => (await provider.getBlockNumber()) >= 0 || undefined, 120_000, 500);
  return {
    url,
    provider,
    child,
    stop: () => {
      provider.destroy();
      child.kill("SIGKILL");
    },
  };
}

/** A compiled contract from artifacts/contracts (e.g. "oracle/AlloraOracle.sol/AlloraOracle"). */
export function readArtifact(name: string): { abi: InterfaceAbi; bytecode: string } {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "artifacts/contracts", `${name}.json`), "utf8"));
}

/** Deploys ALLO (the real AlloToken, the fee token) and an AlloraOracle with `attesters` (threshold 2); returns the oracle address. */
export async function deployOracle(node: HardhatNode, attesters: readonly { address: string }[], threshold = 2): Promise<string> {
  const deployer = new EthersNonceManager(new Wallet(account(0).privateKey, node.provider));
  const tokenArtifact = readArtifact("token/AlloToken.sol/AlloToken");
  const token = await new ContractFactory(tokenArtifact.abi, tokenArtifact.bytecode, deployer).deploy(account(0).address);
  await token.waitForDeployment();
  const artifact = readArtifact("oracle/AlloraOracle.sol/AlloraOracle");
  const signers = attesters.map((a) => getAddress(a.address)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  const c = await new ContractFactory(artifact.abi, artifact.bytecode, deployer).deploy(account(0).address, account(0).address, await token.getAddress(), 1, signers, threshold, ZeroAddress, 0);
  await c.waitForDeployment();
  return c.getAddress();
}

/** InferenceUpdated and ReportSkipped events of an oracle. */
export async function oracleEvents(provider: JsonRpcProvider, address: string) {
  const logs = await provider.getLogs({ address, fromBlock: 0, toBlock: "latest" });
  const updated: Array<{ topic: number; nonce: bigint; tx: string; block: number }> = [];
  let skipped = 0;
  for (const l of logs) {
    const p = oracleInterface.parseLog(l);
    if (p?.name === "InferenceUpdated") updated.push({ topic: Number(p.args.topicId), nonce: BigInt(p.args.nonce), tx: l.transactionHash, block: l.blockNumber });
    if (p?.name === "ReportSkipped") skipped++;
  }
  return { updated, skipped };
}

/** The highest nonce of `topic` stored by the oracle (0n when none). */
export async function maxNonce(provider: JsonRpcProvider, address: string, topic: number): Promise<bigint> {
  return (await oracleEvents(provider, address)).updated.filter((u) => u.topic === topic).reduce((m, u) => (u.nonce > m ? u.nonce : m), 0n);
}

/** A pino logger at debug level whose JSON lines land in `lines`. */
export function captureLogger(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: "debug" }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

/** Deletes every Redis key under the given prefixes. */
export async function dropPrefixes(prefixes: readonly string[]): Promise<void> {
  const redis = new IORedis(REDIS_URL);
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}:*`);
    if (keys.length) await redis.del(...keys);
  }
  redis.disconnect();
}

/**
 * A chain config for TxSender tests against a Hardhat node (chain id 31337) at `url`: EIP-1559 fees with caps
 * far above Hardhat's, replacement after 400 ms, receipts awaited 20 s, polls every 50 ms, no confirmations.
 */
export function senderTestChain(url: string, over: Partial<ChainConfig> = {}): ChainConfig {
  return {
    name: "hh",
    chainId: 31337,
    rpcUrls: [url],
    oracle: undefined,
    deployments: undefined,
    confirmations: 0,
    fees: { strategy: "eip1559", maxFeePerGasGwei: "1000", maxPriorityFeePerGasGwei: "100", bumpPercent: 12.5, gasLimitMultiplier: 1.2 },
    submitter: { env: "X" },
    replaceAfterMs: 400,
    receiptTimeoutMs: 20_000,
    pollIntervalMs: 50,
    maxBatchSize: 100,
    maxInFlight: 1,
    maxGasPerTx: 2_000_000,
    maxSpendPerHour: "100",
    minBalance: "0",
    ...over,
  };
}
