/**
 * Rules that make a config unsafe for real money although each field is valid on its own (issue 19
 * findings 3, 6 and 9). They apply to mainnet chain ids only, so local and test networks keep their
 * conveniences (hex keys in the environment, zero confirmations). Each issue names the field and the fix.
 */
import type { RelayerConfig } from "./schema";

/**
 * EVM chain ids of public mainnets (value-bearing networks). A chain id not listed here is treated as a
 * test network; add a mainnet before configuring it.
 */
export const MAINNET_EVM_CHAIN_IDS: ReadonlySet<number> = new Set([
  1, // Ethereum
  10, // OP Mainnet
  56, // BNB Smart Chain
  100, // Gnosis
  137, // Polygon PoS
  250, // Fantom
  324, // zkSync Era
  1101, // Polygon zkEVM
  5000, // Mantle
  8453, // Base
  42161, // Arbitrum One
  42220, // Celo
  43114, // Avalanche C-Chain
  59144, // Linea
  81457, // Blast
  534352, // Scroll
]);

/** Hub chain ids of the Allora mainnet. */
export const isMainnetHub = (chainId: string) => /^allora-mainnet(-\d+)?$/.test(chainId);

/**
 * Public, shared hub RPC hosts. An attester that checks reports against a node everyone uses is not an
 * independent check: whoever controls or intercepts that one endpoint gets every attester's signature on a
 * value the hub never produced (the Ronin/Harmony pattern). Mainnet attesters must name their own node.
 */
export const SHARED_HUB_RPC_HOSTS: ReadonlySet<string> = new Set(["allora-rpc.mainnet.allora.network", "allora-rpc.testnet.allora.network"]);

/** Whether an HTTP bind address is loopback only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

const hostOf = (url: string) => {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return "";
  }
};

/** The problems of a validated config, one line each ("field: problem (fix)"). */
export function safetyIssues(config: RelayerConfig): string[] {
  const issues: string[] = [];
  const mainnetHub = isMainnetHub(config.hub.chainId);
  if (mainnetHub && config.attesters.length > 0) {
    config.hub.rpcUrls.forEach((u, i) => {
      if (SHARED_HUB_RPC_HOSTS.has(hostOf(u))) {
        issues.push(
          `hub.rpcUrls[${i}]: an attester on ${config.hub.chainId} may not use the shared public node ${hostOf(u)}: its signatures would only be as independent as that one endpoint; run your own hub node and give its RPC URL (see "Threat model" in relayer/README.md)`,
        );
      }
    });
    config.attesters.forEach((a, i) => {
      if ("env" in a) issues.push(`attesters[${i}]: a plain hex key in ${a.env} is not accepted for ${config.hub.chainId}; use { keystore: file, passwordEnv: VAR }`);
    });
  }
  config.chains.forEach((c, i) => {
    if (!MAINNET_EVM_CHAIN_IDS.has(c.chainId)) return;
    if ("env" in c.submitter) issues.push(`chains[${i}].submitter: a plain hex key in ${c.submitter.env} is not accepted for mainnet chain id ${c.chainId}; use { keystore: file, passwordEnv: VAR }`);
    if (c.confirmations === 0) issues.push(`chains[${i}].confirmations: 0 is not accepted for mainnet chain id ${c.chainId} (a reorg would undo a job counted as done); give at least 1`);
  });
  const d = config.http.dashboard;
  if (d.enabled && !isLoopbackHost(config.http.host) && d.tokenEnv === undefined) {
    issues.push(
      `http.dashboard: the dashboard shows every job (signed transactions included) and Redis INFO; on ${config.http.host} (not loopback) it needs http.dashboard.tokenEnv naming a variable that holds an access token, or bind http.host: 127.0.0.1 and use an SSH tunnel`,
    );
  }
  return issues;
}
