/**
 * Relayer instances of the local network, as child processes (relayer/cli.ts start), so that a stop is
 * a real signal to a real process (the e2e test SIGKILLs them) and RSS is the relayer's own. They run the
 * compiled JavaScript in dist/ (built first if missing or stale): no TypeScript compiler in their memory.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { hardhatAccountByAddress } from "../lib/dev-keys";
import { LogLine, LogWatcher } from "../lib/log-watch";
import { Manifest } from "../lib/manifest";
import { ensureRelayerBuildSync, RELAYER_CLI_JS, RELAYER_LAUNCHER_JS, relayerNodeFlags } from "../lib/relayer-build";

export { relayerNodeFlags };
import { SupervisedChild, Supervisor } from "../lib/supervisor";
import { relayerEnv } from "./relayer-config";

const ATTESTER_SET_ABI = [
  "function attesterSet() view returns (uint64 setId, address[] signers, uint8 threshold)",
];

/**
 * The private keys of the oracle's attester set, looked up among the PUBLIC Hardhat test accounts
 * (the local deploy parameters use them). Throws naming any signer whose key is not a devnet key.
 */
export async function localAttesterKeys(manifest: Manifest): Promise<{ keys: string[]; threshold: number }> {
  const chain = manifest.chains[0];
  if (!chain.contracts.oracle) throw new Error(`no oracle deployed on ${chain.name}`);
  const provider = new ethers.JsonRpcProvider(chain.rpc, chain.chainId, { staticNetwork: true });
  try {
    const oracle = new ethers.Contract(chain.contracts.oracle, ATTESTER_SET_ABI, provider);
    const [, signers, threshold] = (await oracle.attesterSet()) as [bigint, string[], bigint];
    const keys = signers.map((s) => {
      const w = hardhatAccountByAddress(s);
      if (!w) {
        throw new Error(
          `attester ${s} of the ${chain.name} oracle is not one of the Hardhat test accounts: ` +
            `the local deploy parameters must use devnet keys`,
        );
      }
      return w.privateKey;
    });
    return { keys, threshold: Number(threshold) };
  } finally {
    provider.destroy();
  }
}

/**
 * The attester keys the local deploy parameters name (deploy/parameters/local.json), known before anything
 * is deployed, so `npm start` can start its relayer early. Checked against the deployed oracle later.
 */
export function attesterKeysFromLocalParameters(repoRoot: string): string[] {
  const file = path.join(repoRoot, "deploy", "parameters", "local.json");
  const params = JSON.parse(fs.readFileSync(file, "utf8")) as { attesters: { signers: string[] } };
  return params.attesters.signers.map((s) => {
    const w = hardhatAccountByAddress(s);
    if (!w)
      throw new Error(`${file}: attester ${s} is not a Hardhat test account; the devnet needs their keys`);
    return w.privateKey;
  });
}

export interface RelayerHandle {
  instance: number;
  child: SupervisedChild;
  log: LogWatcher;
  httpPort: number;
  /** Resolves with the "relayer ready" line; rejects if the process exits first. */
  ready(timeoutMs?: number): Promise<LogLine>;
}

/** Starts relayer instance `instance` (1-based; its own submitter key and HTTP port). */
export function startRelayerProcess(opts: {
  supervisor: Supervisor;
  repoRoot: string;
  configFile: string;
  instance: number;
  attesterKeys: string[];
  httpPort: number;
  extraEnv?: Record<string, string>;
  /** the operators' member keys of the hub escrow (DEVNET ONLY public mnemonics), one per attester key */
  hubMnemonics?: readonly string[];
  /** Start through relayer-launcher: load now, run once `configFile` exists (npm start). */
  early?: boolean;
}): RelayerHandle {
  const name = `relayer-${opts.instance}`;
  // startLocalNetwork builds beforehand without blocking; this is then only an mtime check.
  ensureRelayerBuildSync(opts.repoRoot);
  const child = opts.supervisor.start({
    name,
    command: process.execPath,
    args: [
      // From the process's start (relayer/cli.ts sets the semi-space again at run time, for a relayer
      // started by hand without flags).
      ...relayerNodeFlags(),
      ...(opts.early ? [RELAYER_LAUNCHER_JS, opts.configFile] : [RELAYER_CLI_JS, "start", "-c", opts.configFile]),
    ],
    cwd: opts.repoRoot,
    env: { ...relayerEnv(opts.instance, opts.attesterKeys, opts.httpPort, opts.hubMnemonics), ...opts.extraEnv },
  });
  const log = new LogWatcher(child.logFile);
  return {
    instance: opts.instance,
    child,
    log,
    httpPort: opts.httpPort,
    ready: async (timeoutMs = 60_000) => {
      const died = child.exited.then(() => {
        throw new Error(
          `${name} ${child.exitReason()} before it was ready; log ${child.logFile}:\n${child.tail(20)}`,
        );
      });
      return Promise.race([
        log.waitFor((l) => l.msg === "relayer ready", timeoutMs, `"relayer ready"`),
        died,
      ]);
    },
  };
}
