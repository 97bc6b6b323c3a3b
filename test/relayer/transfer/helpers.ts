/**
 * Test plumbing for the transfer pipeline: Hardhat nodes as child processes (one per chain id), and the
 * token + bridge deployed and wired as the deploy stack wires them (hub and peers enabled with limits, source
 * bridges registered, the bridge's token limits set). DEVNET/TEST ONLY keys (the public Hardhat mnemonic).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { Contract, ContractFactory, getAddress, JsonRpcProvider, NonceManager, Wallet, type InterfaceAbi } from "ethers";
import { hardhatAccount } from "../../../scripts/lib/dev-keys";

const ROOT = path.resolve(__dirname, "../../..");

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

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface TestChain {
  chainId: bigint;
  url: string;
  provider: JsonRpcProvider;
  child: ChildProcess;
  stop(): void;
}

/** A Hardhat node for `chainId`, a block per transaction. */
export async function startHardhat(chainId: number): Promise<TestChain> {
  const port = await freePort();
  const child = spawn(process.execPath, [require.resolve("hardhat/internal/cli/cli"), "node", "--port", String(port)], {
    cwd: ROOT,
    env: { ...process.env, HARDHAT_CHAIN_ID: String(chainId), HARDHAT_BLOCK_TIME_MS: "0" },
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}`;
  const provider = new JsonRpcProvider(url, chainId, { staticNetwork: true, cacheTimeout: -1 });
  provider.pollingInterval = 50;
  await waitFor("hardhat node", async () => ((await provider.getBlockNumber()) >= 0 ? true : undefined), 120_000, 300);
  return {
    chainId: BigInt(chainId),
    url,
    provider,
    child,
    stop() {
      provider.destroy();
      child.kill("SIGKILL");
    },
  };
}

function artifact(name: string): { abi: InterfaceAbi; bytecode: string } {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "artifacts/contracts", `${name}.json`), "utf8"));
}

export interface Deployed {
  token: Contract;
  bridge: Contract;
  admin: NonceManager;
}

/** AlloToken + AlloraBridge (set 1, `signers`, `threshold`) on `chain`; wire with {@link wireRemote}. */
export async function deployBridge(chain: TestChain, hubChain: bigint, signers: string[], threshold: number, limitWindow = 3600): Promise<Deployed> {
  const admin = new NonceManager(new Wallet(hardhatAccount(0).privateKey, chain.provider));
  const adminAddress = await admin.getAddress();
  const t = artifact("token/AlloToken.sol/AlloToken");
  const token = (await (await new ContractFactory(t.abi, t.bytecode, admin).deploy(adminAddress)).waitForDeployment()) as Contract;
  const b = artifact("bridge/AlloraBridge.sol/AlloraBridge");
  const sorted = signers.map((s) => getAddress(s)).sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
  const bridge = (await (
    await new ContractFactory(b.abi, b.bytecode, admin).deploy(await token.getAddress(), hubChain, limitWindow, adminAddress, adminAddress, 1, sorted, threshold)
  ).waitForDeployment()) as Contract;
  const cap = 10n ** 24n;
  await (await token.setBridgeLimits(await bridge.getAddress(), cap, cap)).wait();
  return { token, bridge, admin };
}

/** Enables `remote` both ways on `d.bridge` with `capacity` per direction and registers its source bridge. */
export async function wireRemote(d: Deployed, remote: bigint, sourceBridge: string, capacity = 10n ** 24n, inbound = capacity): Promise<void> {
  await (await d.bridge.setRemoteChainEnabled(remote, true, true)).wait();
  await (await d.bridge.setRemoteChainLimits(remote, capacity, inbound)).wait();
  await (await d.bridge.setRemoteSourceBridge(remote, sourceBridge)).wait();
}
