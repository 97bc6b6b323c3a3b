/**
 * The Axelar GMP adapter's part of the deploy stack: checking the `axelar` parameters against the chain,
 * finding the other chains' adapters, and wiring the adapter's remotes idempotently. deploy/stack.ts deploys
 * the contract (CREATE2 through CreateX) and sets its limits on the token.
 *
 * Remote adapters. The adapter's address is create2(CreateX, salt, creation code ‖ gateway, gas service,
 * token, admin, guardian). Axelar's gateways differ between Ethereum, BNB Smart Chain and Base (see
 * AXELAR_PUBLISHED), so the adapter's address differs too, and a chain cannot assume its peers' addresses.
 * Each peer's address is therefore either written in `axelar.remotes.<chain>` or read from that chain's
 * deployments/<network>.json (`"record"`, the default): deploy on every chain, then run the stack once more on
 * the chains deployed first; the second run sends only the missing `setRemote` calls.
 */
import fs from "node:fs";
import { ethers } from "ethers";
import { EVM_CHAINS, EVM_PEERS, type EvmChain, type EvmChainName, type HubChainName } from "../lib/chains";
import { type DeployParameters, isLocalNetwork, resolveAccount } from "./parameters";
import { type DeploymentRecord, recordFile } from "./record";

export type AxelarParameters = NonNullable<DeployParameters["axelar"]>;

/**
 * Axelar's published gateway and gas service (the proxies) on the public chains we deploy to. Source:
 * Axelar's own deployment registry, axelarnetwork/axelar-contract-deployments,
 * axelar-chains-config/info/mainnet.json and testnet.json (`chains.<axelarId>.contracts.AxelarGateway.address`
 * and `.AxelarGasService.address`; all six gateways are of the "consensus" kind); the gateways also match
 * `AXELAR_GATEWAY` in @axelar-network/axelarjs-sdk 0.17.9 (node_modules). The stack refuses other addresses on
 * these chains, so a parameters file copied from another chain cannot point the adapter at the wrong gateway.
 */
export const AXELAR_PUBLISHED: Readonly<Partial<Record<EvmChainName, { gateway: string; gasService: string }>>> = {
  ethereum: {
    gateway: "0x4F4495243837681061C4743b74B3eEdf548D56A5",
    gasService: "0x2d5d7d31F671F86C782533cc367F14109a082712",
  },
  bnb: {
    gateway: "0x304acf330bbE08d1e512eefaa92F6a57871fD895",
    gasService: "0x2d5d7d31F671F86C782533cc367F14109a082712",
  },
  base: {
    gateway: "0xe432150cce91c13a887f7D836923d5597adD8E31",
    gasService: "0x2d5d7d31F671F86C782533cc367F14109a082712",
  },
  sepolia: {
    gateway: "0xe432150cce91c13a887f7D836923d5597adD8E31",
    gasService: "0xbE406F0189A0B4cf3A05C286473D23791Dd44Cc6",
  },
  bnbTestnet: {
    gateway: "0x4D147dCb984e6affEEC47e44293DA442580A3Ec0",
    gasService: "0xbE406F0189A0B4cf3A05C286473D23791Dd44Cc6",
  },
  baseSepolia: {
    gateway: "0xe432150cce91c13a887f7D836923d5597adD8E31",
    gasService: "0xbE406F0189A0B4cf3A05C286473D23791Dd44Cc6",
  },
};

/** The hub network whose EVM peers include `chain` (each chain belongs to exactly one). */
export function hubOf(chain: EvmChainName): HubChainName {
  const hub = (Object.keys(EVM_PEERS) as HubChainName[]).find((h) => EVM_PEERS[h].includes(chain));
  if (!hub) throw new Error(`chain "${chain}" is not an EVM peer of any hub network in lib/chains.ts`);
  return hub;
}

/** The chains whose adapters this chain's adapter talks to: the other EVM peers of its hub network. */
export function axelarPeers(chain: EvmChainName): EvmChainName[] {
  return EVM_PEERS[hubOf(chain)].filter((p) => p !== chain);
}

/**
 * The Hardhat network name (hardhat.config.ts, deployments/<network>.json) of a lib/chains.ts chain: the
 * chain's own name (one name per chain everywhere).
 */
export function networkOfChain(chain: EvmChainName): string {
  return chain;
}

/**
 * Checks what the schema cannot know: "local" only on local networks, Axelar's published addresses on the
 * public chains, remotes that are peers of this chain. Runs before anything is deployed. Throws naming the
 * field and the fix.
 */
export function checkAxelarParameters(network: string, chain: EvmChainName, axelar: AxelarParameters): void {
  const problems: string[] = [];
  if (axelar.gateway === "local" && !isLocalNetwork(network)) {
    problems.push(
      `axelar.gateway: "local" deploys Axelar's contracts with a DEVNET signer set and is only for local ` +
        `networks; on ${network} write Axelar's gateway address` +
        (AXELAR_PUBLISHED[chain] ? ` (${AXELAR_PUBLISHED[chain]!.gateway})` : ""),
    );
  }
  const published = AXELAR_PUBLISHED[chain];
  if (published) {
    for (const field of ["gateway", "gasService"] as const) {
      const value = axelar[field];
      if (value === "local" || value.toLowerCase() === published[field].toLowerCase()) continue;
      problems.push(
        `axelar.${field}: ${value} is not Axelar's published ${field === "gateway" ? "AxelarGateway" : "AxelarGasService"} ` +
          `on ${chain} (${published[field]}); write that one (if Axelar has moved it, update AXELAR_PUBLISHED in deploy/axelar.ts)`,
      );
    }
  }
  const peers = axelarPeers(chain);
  for (const key of Object.keys(axelar.remotes ?? {})) {
    if (key === chain) problems.push(`axelar.remotes.${key}: that is this chain; list the other chains (${peers.join(", ")})`);
    else if (!(peers as string[]).includes(key)) {
      problems.push(
        `axelar.remotes.${key}: not a peer of ${chain} (the EVM chains of ${hubOf(chain)} are ${[chain, ...peers].join(", ")})`,
      );
    }
  }
  if (problems.length) throw new Error(`invalid axelar parameters for ${network}:\n  ${problems.join("\n  ")}`);
}

/** Where each remote adapter is, as far as this run knows. */
export interface ResolvedRemote {
  chain: EvmChain;
  /** The adapter there; `null`: make sure none is registered ("none"). */
  adapter: string | null;
  /** Where the address came from (for the log). */
  source: string;
}

/**
 * The remote adapters for `chain`: from `axelar.remotes` (default: every peer, "record"). A "record" peer
 * without a record (or whose record has no adapter yet) is returned in `missing`.
 */
export function resolveRemotes(
  chain: EvmChainName,
  axelar: AxelarParameters,
  deploymentsDir: string | undefined,
): { remotes: ResolvedRemote[]; missing: EvmChainName[] } {
  const wanted: Partial<Record<EvmChainName, string>> =
    axelar.remotes ?? Object.fromEntries(axelarPeers(chain).map((p) => [p, "record"]));
  const remotes: ResolvedRemote[] = [];
  const missing: EvmChainName[] = [];
  for (const [name, ref] of Object.entries(wanted) as [EvmChainName, string][]) {
    const peer = EVM_CHAINS[name];
    if (ref === "none") {
      remotes.push({ chain: peer, adapter: null, source: "axelar.remotes" });
    } else if (ref !== "record") {
      remotes.push({ chain: peer, adapter: ethers.getAddress(ref), source: "axelar.remotes" });
    } else {
      const network = networkOfChain(name);
      const file = recordFile(network, deploymentsDir);
      const record = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as DeploymentRecord) : undefined;
      // Local chains may run under other chain ids (the e2e test's); a real chain's record must be its own.
      if (record && !isLocalNetwork(network) && record.chainId !== peer.chainId) {
        throw new Error(
          `axelar.remotes.${name}: ${file} is for chain id ${record.chainId}, not ${name} (${peer.chainId}); ` +
            `fix the record or write the adapter's address in axelar.remotes.${name}`,
        );
      }
      const address = record?.contracts.AlloraAxelarAdapter?.address;
      if (address) remotes.push({ chain: peer, adapter: ethers.getAddress(address), source: file });
      else missing.push(name);
    }
  }
  return { remotes, missing };
}

/** A call that an admin must still make (the deployer does not hold the role). */
export interface AdminCall {
  to: string;
  data: string;
  description: string;
}

/**
 * Registers each resolved remote adapter whose on-chain registration differs (adapter, Axelar name, or the
 * reverse name -> chain mapping), or removes it ("none"). Sends when the deployer holds the adapter's admin
 * role, else returns the calls for the admin.
 */
export async function wireAdapterRemotes(
  adapter: ethers.Contract,
  deployer: ethers.Signer & { address: string },
  remotes: ResolvedRemote[],
  log: (line: string) => void,
): Promise<{ sent: string[]; pending: AdminCall[] }> {
  const sent: string[] = [];
  const pending: AdminCall[] = [];
  const adapterAddress = await adapter.getAddress();
  const isAdmin = (await adapter.getFunction("hasRole")(ethers.ZeroHash, deployer.address)) as boolean;
  for (const r of remotes) {
    const id = BigInt(r.chain.chainId);
    const [current, mapped] = await Promise.all([
      adapter.getFunction("remote")(id) as Promise<{ axelarChain: string; adapter: string }>,
      adapter.getFunction("chainOfAxelarName")(r.chain.axelarName) as Promise<bigint>,
    ]);
    const registered = current.adapter !== ethers.ZeroAddress;
    const upToDate =
      r.adapter === null
        ? !registered
        : current.adapter === r.adapter && current.axelarChain === r.chain.axelarName && mapped === id;
    if (upToDate) continue;
    const description =
      r.adapter === null
        ? `AlloraAxelarAdapter: remove the adapter of ${r.chain.name} (chain ${id})`
        : `AlloraAxelarAdapter: register the adapter of ${r.chain.name} (chain ${id}, Axelar "${r.chain.axelarName}") ` +
          `at ${r.adapter} (from ${r.source})`;
    const data = adapter.interface.encodeFunctionData("setRemote", [
      id,
      r.chain.axelarName,
      r.adapter ?? ethers.ZeroAddress,
    ]);
    if (!isAdmin) {
      pending.push({ to: adapterAddress, data, description });
      log(`pending (needs the adapter admin): ${description}`);
      continue;
    }
    const tx = await deployer.sendTransaction({ to: adapterAddress, data });
    const receipt = await tx.wait();
    if (receipt?.status !== 1) throw new Error(`${description}: transaction ${tx.hash} failed`);
    sent.push(description);
    log(description);
  }
  return { sent, pending };
}

/** The adapter's constructor arguments, in order. */
export function adapterConstructorArgs(
  axelar: AxelarParameters,
  axelarContracts: { gateway: string; gasService: string },
  token: string,
  deployer: string,
): [string, string, string, string, string] {
  return [
    ethers.getAddress(axelarContracts.gateway),
    ethers.getAddress(axelarContracts.gasService),
    token,
    resolveAccount(axelar.admin, deployer),
    resolveAccount(axelar.guardian, deployer),
  ];
}
