/**
 * deployStack: the whole EVM side on one chain, idempotently. The token first, at its CREATE2 address
 * (same on every chain), then the oracle and the bridge modules when they exist in deploy/modules/, then
 * the token's roles and bridge limits, then the bridge's source bridges (deploy/bridge-sources.ts: the hub
 * escrow and the other EVM peers' bridges, read from their records), then deployments/<network>.json. With an
 * `axelar` section, also the
 * Axelar GMP adapter (CREATE2, like the token; on local networks `"gateway": "local"` first deploys Axelar's
 * own gateway and gas service, see deploy/local-axelar.ts), its limits on the token and its remote adapters
 * (deploy/axelar.ts).
 *
 * Idempotence: the token is skipped when its predicted address already has code (CREATE2 makes that
 * code exactly ours); the other modules rely on Ignition's journal (ignition/deployments/<network>-<Module>),
 * and on the in-process `hardhat` network (no journal) on the record; wiring compares on-chain state with
 * the parameters and sends only what differs. Local chains restart from genesis: a journal or record whose
 * contract has no code is stale and is dropped, then the contract is redeployed. The in-process network is
 * recognised by the runtime's network (`hre.network.name`), whatever name `opts.network` gives the files:
 * Ignition keeps no journal there, and the stack never touches the journals of a real node of that name.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import * as ignitionCore from "@nomicfoundation/ignition-core";
import type { IgnitionModule } from "@nomicfoundation/ignition-core";
import { HardhatArtifactResolver, errorDeploymentResultToExceptionMessage } from "@nomicfoundation/hardhat-ignition/helpers";
import { EVM_CHAINS, HUB_CHAINS, evmChainById, type EvmChainName, type HubChainName } from "../lib/chains";
import AlloTokenModule from "./modules/AlloToken";
import type { FeedAdapterSpec } from "./modules/AlloraOracle";
import type { AdminCall } from "./axelar";
import { peerChainIds, type PeerChainIds, resolveBridgeSources, wireBridgeSources } from "./bridge-sources";
import { ensureCreateX, predictCreate2Address, type RpcProvider } from "./createx";
import { type DeployParameters, isLocalNetwork, resolveAccount } from "./parameters";
import { type ContractRecord, type DeploymentRecord, findCreationBlock, readRecord, writeRecord } from "./record";

export interface DeployStackOptions {
  /** The network name used for file names; defaults to hre.network.name. */
  network?: string;
  /** Where deployments/<network>.json goes (tests use a temporary directory). */
  deploymentsDir?: string;
  /** Progress lines. */
  log?: (line: string) => void;
  /**
   * Which of the contracts after the token to deploy: "AlloraOracle", "AlloraBridge", "AlloraAxelarAdapter"
   * (default: the oracle and the bridge when their module files exist, the adapter when the parameters have an
   * `axelar` section). The bridge module sets its limits on the token itself, so it needs the deployer to be
   * the token admin.
   */
  modules?: readonly string[];
  /**
   * The chain restarts from genesis on every run (the devnet's chains): keep no Ignition journal there, as on
   * the in-process network; the deployment record stands in. Ignition's journal copies the whole compiler
   * output (build-info, ~12 MB) into every module's folder, which is most of a local deployment's time.
   */
  ephemeralChain?: boolean;
}

/**
 * A call an admin must still make because the deployer does not hold the role: the token's admin (roles,
 * bridge limits) or the Axelar adapter's admin (remotes); the description says which.
 */
export type PendingAdminCall = AdminCall;

export interface StackResult {
  record: DeploymentRecord;
  file: string;
  /** Names of the contracts this run deployed (empty on a repeat run). */
  deployed: string[];
  /** Wiring transactions this run sent. */
  sent: string[];
  /** Wiring the deployer could not do because it is not the token's (or the adapter's) admin. */
  pendingAdminCalls: PendingAdminCall[];
  /**
   * Peers whose Axelar adapter this run could not register yet (`"record"` and no adapter in their
   * deployments/<network>.json): deploy there, then run again here.
   */
  missingRemotes: string[];
  /**
   * Peers whose AlloraBridge this run could not register as a source bridge yet (no bridge in their
   * deployments/<network>.json): deploy there, then run again here. Until then their transfers do not mint here.
   */
  missingBridgeSources: string[];
}

/** How often Ignition looks for a new block on a local (automining) chain, in ms. */
const LOCAL_BLOCK_POLLING_MS = 50;

/** The modules that follow the token, in order; each is optional until its file exists. */
const FOLLOWING_MODULES = ["AlloraOracle", "AlloraBridge"] as const;
type FollowingModule = (typeof FOLLOWING_MODULES)[number];

export async function deployStack(
  hre: HardhatRuntimeEnvironment,
  params: DeployParameters,
  opts: DeployStackOptions = {},
): Promise<StackResult> {
  const network = opts.network ?? hre.network.name;
  const log = opts.log ?? (() => {});
  const local = isLocalNetwork(network);
  // Ignition keeps journals for every network but the in-process one and chains that restart from genesis;
  // journal paths use `network`.
  const journals = hre.network.name !== "hardhat" && !opts.ephemeralChain;
  const provider = hre.ethers.provider as unknown as RpcProvider;
  const chainId = Number((await provider.getNetwork()).chainId);
  const signers = await hre.ethers.getSigners();
  if (signers.length === 0) {
    throw new Error(`no deployer account for network ${network}: set DEPLOYER_PRIVATE_KEY in the environment`);
  }
  const deployer = signers[0];
  const previous = readRecord(network, chainId, opts.deploymentsDir);
  const contracts: Record<string, ContractRecord> = {};
  const deployed: string[] = [];
  // Ignition sleeps `blockPollingInterval` (default 1 s) before every check for the next block, so each
  // batch of a module costs at least that. Local chains automine during deployment: poll every 50 ms there.
  const ignitionConfig = local
    ? { requiredConfirmations: 1, blockPollingInterval: LOCAL_BLOCK_POLLING_MS }
    : { requiredConfirmations: params.confirmations ?? 5 };
  const ctx: DeployContext = { hre, provider, network, chainId, local, journals, ignitionConfig, previous, deployed, log };

  // The Axelar adapter's parameters are checked against the chain before anything is sent.
  const axelar = selectedAxelar(params, opts, log);
  const chainName = axelar ? evmChainName(network, chainId) : undefined;
  const ax = axelar ? axelarCode() : undefined;
  if (axelar && chainName && ax) {
    ax.checkAxelarParameters(network, chainName, axelar);
    for (const field of ["gateway", "gasService"] as const) {
      const address = axelar[field];
      if (address !== "local" && (await provider.getCode(address)) === "0x") {
        throw new Error(
          `axelar.${field}: no contract at ${address} on chain ${chainId}: write Axelar's ` +
            `${field === "gateway" ? "AxelarGateway" : "AxelarGasService"} address of this chain`,
        );
      }
    }
  }

  // ---- the token, at its CREATE2 address
  const initialAdmin = resolveAccount(params.token.admin, deployer.address);
  const tokenFactory = await hre.ethers.getContractFactory("AlloToken");
  const initCode = (await tokenFactory.getDeployTransaction(initialAdmin)).data;
  const tokenAddress = predictCreate2Address(params.token.salt, initCode, deployer.address, BigInt(chainId));
  contracts.AlloToken = await deployCreate2(ctx, {
    name: "AlloToken",
    module: AlloTokenModule,
    parameters: { initialAdmin },
    salt: params.token.salt,
    predicted: tokenAddress,
  });

  // ---- the oracle and the bridge, when their modules exist
  for (const name of FOLLOWING_MODULES) {
    if (opts.modules && !opts.modules.includes(name)) {
      log(`${name}: not selected, skipped`);
      continue;
    }
    const module = loadModule(name, network, chainId, params, hre.config.networks);
    if (!module) {
      log(`${name}: no deploy/modules/${name}.ts yet, skipped`);
      continue;
    }
    const parameters = moduleParameters(name, params, deployer.address, contracts);
    const results = Object.entries(module.results as Record<string, { contractName: string }>).map(([key, f]) => recordName(key, f.contractName));
    const recorded = results.map((n) => previous?.contracts[n]);
    const allLive = recorded.every((r) => r !== undefined) && (await allHaveCode(provider, recorded as ContractRecord[]));
    // The in-process network keeps no journal: the record stands in, for the same token only.
    if (!journals && allLive && previous?.contracts.AlloToken?.address === tokenAddress) {
      results.forEach((n, i) => (contracts[n] = recorded[i] as ContractRecord));
      log(`${name}: already deployed (record)`);
      continue;
    }
    if (local && journals) await dropStaleJournal(hre, provider, network, chainId, name);
    const before = await provider.getBlockNumber();
    const out = await ignitionDeploy(ctx, name, module, { parameters: { [name]: parameters } });
    const after = await provider.getBlockNumber();
    for (const [key, contract] of Object.entries(out)) {
      const contractName = recordName(key, (module.results as Record<string, { contractName: string }>)[key].contractName);
      const address = await contract.getAddress();
      const prior = previous?.contracts[contractName];
      const fresh = after > before && (await provider.getCode(address, before)) === "0x";
      contracts[contractName] = {
        address,
        blockNumber: fresh
          ? await findCreationBlock(provider, address, before, after)
          : await knownOrFoundBlock(provider, prior, address),
      };
      if (fresh) deployed.push(contractName);
      log(`${contractName}: ${fresh ? "deployed" : "already"} at ${address}`);
    }
  }

  // ---- the Axelar adapter (and, on a local network with "gateway": "local", Axelar's own contracts)
  if (axelar && ax) {
    let axelarContracts = { gateway: axelar.gateway, gasService: axelar.gasService };
    if (axelar.gateway === "local") {
      const before = await provider.getBlockNumber();
      const installed = await ax.ensureLocalAxelar(provider);
      axelarContracts = installed;
      const after = await provider.getBlockNumber();
      for (const [name, address] of [
        ["AxelarGateway", installed.gateway],
        ["AxelarGasService", installed.gasService],
      ] as const) {
        contracts[name] = {
          address,
          blockNumber: installed.installed
            ? await findCreationBlock(provider, address, before, after)
            : await knownOrFoundBlock(provider, previous?.contracts[name], address),
        };
        if (installed.installed) deployed.push(name);
      }
      log(
        `local Axelar (DEVNET signer set; live Axelar is not reachable here): gateway ${installed.gateway}, ` +
          `gas service ${installed.gasService}${installed.installed ? " deployed" : " already there"}`,
      );
    }
    const args = ax.adapterConstructorArgs(axelar, axelarContracts, tokenAddress, deployer.address);
    const adapterFactory = await hre.ethers.getContractFactory("AlloraAxelarAdapter");
    const adapterInitCode = (await adapterFactory.getDeployTransaction(...args)).data;
    const [gateway, gasService, token, admin, guardian] = args;
    contracts.AlloraAxelarAdapter = await deployCreate2(ctx, {
      name: "AlloraAxelarAdapter",
      module: ax.AlloraAxelarAdapterModule,
      parameters: { gateway, gasService, token, admin, guardian },
      salt: axelar.salt,
      predicted: predictCreate2Address(axelar.salt, adapterInitCode, deployer.address, BigInt(chainId)),
    });
  }

  // ---- wiring: guardians and bridge limits of the token (the adapter's limits come from its section)
  const tokenBridges = axelar
    ? [
        ...params.token.bridges,
        { bridge: "AlloraAxelarAdapter", mintingLimit: axelar.mintingLimit, burningLimit: axelar.burningLimit },
      ]
    : params.token.bridges;
  const { sent, pending } = await wireToken(hre, params, tokenBridges, tokenAddress, deployer, contracts, opts.modules, log);

  // ---- wiring: the adapter's remote adapters
  let missingRemotes: string[] = [];
  if (axelar && chainName && ax) {
    const { remotes, missing } = ax.resolveRemotes(chainName, axelar, opts.deploymentsDir);
    const adapter = await hre.ethers.getContractAt("AlloraAxelarAdapter", contracts.AlloraAxelarAdapter.address, deployer);
    const wired = await ax.wireAdapterRemotes(adapter as unknown as ethers.Contract, deployer, remotes, log);
    sent.push(...wired.sent);
    pending.push(...wired.pending);
    missingRemotes = missing;
    for (const peer of missing) {
      log(
        `AlloraAxelarAdapter: the adapter of ${peer} is not known yet (no address in axelar.remotes.${peer}, none in ` +
          `its deployment record): deploy on ${peer}, then run this again here`,
      );
    }
  }

  // ---- wiring: the bridge's source bridges (the hub escrow, the other peers' bridges)
  let missingBridgeSources: string[] = [];
  if (contracts.AlloraBridge && params.bridge) {
    const chain = evmChainName(network, chainId);
    const hub = bridgeHub(network, params);
    // Peers under the chain ids they actually have (local chains may run under others than the registry's).
    const resolved = resolveBridgeSources(chain, hub, params.bridge.hubEscrow, opts.deploymentsDir, peerChainIds(hub, hre.config.networks));
    const bridge = await hre.ethers.getContractAt("AlloraBridge", contracts.AlloraBridge.address, deployer);
    const wired = await wireBridgeSources(bridge as unknown as ethers.Contract, deployer, resolved.sources, log);
    sent.push(...wired.sent);
    pending.push(...wired.pending);
    missingBridgeSources = resolved.missing;
    for (const peer of resolved.missing) {
      log(
        `AlloraBridge: the bridge of ${peer} is not known yet (none in its deployment record): its transfers ` +
          `do not mint here until you deploy on ${peer} and run this again here`,
      );
    }
  }

  const record: DeploymentRecord = { network, chainId, contracts };
  const file = writeRecord(record, opts.deploymentsDir);
  log(`wrote ${path.relative(process.cwd(), file)}`);
  return { record, file, deployed, sent, pendingAdminCalls: pending, missingRemotes, missingBridgeSources };
}

/**
 * The adapter's deploy code (deploy/axelar.ts, deploy/local-axelar.ts and its module), loaded only when an
 * adapter is deployed: compiling those files under ts-node costs ~0.3 s on this machine, which a deployment
 * without the adapter (`npm start` by default) should not pay.
 */
function axelarCode() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    ...(require("./axelar") as typeof import("./axelar")),
    ...(require("./local-axelar") as typeof import("./local-axelar")),
    AlloraAxelarAdapterModule: (require("./modules/AlloraAxelarAdapter") as typeof import("./modules/AlloraAxelarAdapter"))
      .default,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** What the deploy steps share. */
interface DeployContext {
  hre: HardhatRuntimeEnvironment;
  provider: RpcProvider;
  network: string;
  chainId: number;
  local: boolean;
  /** Whether Ignition keeps journals here (every network but the in-process one). */
  journals: boolean;
  ignitionConfig: { requiredConfirmations: number; blockPollingInterval?: number };
  previous: DeploymentRecord | undefined;
  deployed: string[];
  log: (line: string) => void;
}

/** The `axelar` section when the adapter is to be deployed: present, and selected by `opts.modules`. */
function selectedAxelar(
  params: DeployParameters,
  opts: DeployStackOptions,
  log: (line: string) => void,
): DeployParameters["axelar"] {
  if (!params.axelar) {
    log("AlloraAxelarAdapter: the parameters have no axelar section, not deployed");
    return undefined;
  }
  if (opts.modules && !opts.modules.includes("AlloraAxelarAdapter")) {
    log("AlloraAxelarAdapter: not selected, skipped");
    return undefined;
  }
  return params.axelar;
}

/**
 * A contract at its CREATE2 address through CreateX: skipped when `predicted` already has code (CREATE2
 * makes that code exactly this contract with these arguments), else deployed with Ignition's create2
 * strategy and checked to have landed at `predicted`.
 */
async function deployCreate2(
  ctx: DeployContext,
  c: {
    name: string;
    module: IgnitionModule;
    parameters: Record<string, ModuleParameterValue>;
    salt: string;
    predicted: string;
  },
): Promise<ContractRecord> {
  const { provider, log } = ctx;
  if ((await provider.getCode(c.predicted)) !== "0x") {
    log(`${c.name}: already at ${c.predicted}`);
    return { address: c.predicted, blockNumber: await knownOrFoundBlock(provider, ctx.previous?.contracts[c.name], c.predicted) };
  }
  if (ctx.local && ctx.journals) dropJournal(ctx.hre, ctx.network, ctx.chainId, c.name);
  const installed = await ensureCreateX(provider, ctx.local);
  if (installed === "installed") log(`CreateX: installed at its canonical address on local chain ${ctx.chainId}`);
  const before = await provider.getBlockNumber();
  const out = await ignitionDeploy(ctx, c.name, c.module, {
    parameters: { [c.name]: c.parameters },
    strategy: "create2",
    strategyConfig: { salt: c.salt },
  });
  const address = await Object.values(out)[0].getAddress();
  if (address !== c.predicted) {
    throw new Error(`${c.name} landed at ${address}, not at the predicted ${c.predicted}: check the CreateX salt rules`);
  }
  const blockNumber = await findCreationBlock(provider, address, before, await provider.getBlockNumber());
  ctx.deployed.push(c.name);
  log(`${c.name}: deployed at ${address} (block ${blockNumber})`);
  return { address, blockNumber };
}

/**
 * hre.ignition.deploy under this network's journal. A journal that no longer matches the module (changed
 * contract or parameters) is an error on a real network (the old contract stays on chain; moving the journal
 * aside is the operator's decision) and is dropped on a local one (disposable), then the module is redeployed.
 */
async function ignitionDeploy(
  ctx: DeployContext,
  name: string,
  module: IgnitionModule,
  options: IgnitionDeployOptions,
): Promise<Record<string, ethers.BaseContract>> {
  const { hre, network, chainId } = ctx;
  const deploy = async () =>
    ctx.journals
      ? ((await hre.ignition.deploy(module, {
          ...options,
          deploymentId: deploymentId(network, chainId, name),
          config: ctx.ignitionConfig,
        })) as Record<string, ethers.BaseContract>)
      : deployWithoutJournal(ctx, module, options);
  try {
    return await deploy();
  } catch (err) {
    const message = (err as Error).message;
    if (!/reconciliation errors/.test(message) || !ctx.journals) throw err;
    if (!ctx.local) {
      throw new Error(
        `${name}: the contract or its parameters changed since ignition/deployments/` +
          `${deploymentId(network, chainId, name)} was recorded:\n${message}\nTo deploy a new version, ` +
          `move that folder aside deliberately (the old contract stays on chain) and run again.`,
      );
    }
    // A local chain is disposable: a changed contract or parameter means a fresh deployment of the module.
    ctx.log(`${name}: the module changed since its local journal, redeploying`);
    dropJournal(hre, network, chainId, name);
    return deploy();
  }
}

/** Grants missing guardian roles and sets bridge limits that differ from the parameters. */
async function wireToken(
  hre: HardhatRuntimeEnvironment,
  params: DeployParameters,
  bridges: DeployParameters["token"]["bridges"],
  tokenAddress: string,
  deployer: ethers.Signer & { address: string },
  contracts: Record<string, ContractRecord>,
  modules: readonly string[] | undefined,
  log: (line: string) => void,
): Promise<{ sent: string[]; pending: PendingAdminCall[] }> {
  const token = await hre.ethers.getContractAt("AlloToken", tokenAddress, deployer);
  const isAdmin = await token.hasRole(await token.DEFAULT_ADMIN_ROLE(), deployer.address);
  const sent: string[] = [];
  const pending: PendingAdminCall[] = [];
  const apply = async (description: string, data: string): Promise<void> => {
    if (!isAdmin) {
      pending.push({ to: tokenAddress, data, description });
      log(`pending (needs the token admin): ${description}`);
      return;
    }
    const tx = await deployer.sendTransaction({ to: tokenAddress, data });
    const receipt = await tx.wait();
    if (receipt?.status !== 1) throw new Error(`${description}: transaction ${tx.hash} failed`);
    sent.push(description);
    log(description);
  };

  const guardianRole = await token.GUARDIAN_ROLE();
  for (const ref of params.token.guardians) {
    const guardian = resolveAccount(ref, deployer.address);
    if (await token.hasRole(guardianRole, guardian)) continue;
    await apply(`AlloToken: grant GUARDIAN_ROLE to ${guardian}`, token.interface.encodeFunctionData("grantRole", [guardianRole, guardian]));
  }
  for (const entry of bridges) {
    const bridge = ethers.isAddress(entry.bridge) ? ethers.getAddress(entry.bridge) : contracts[entry.bridge]?.address;
    if (!bridge && (FOLLOWING_MODULES as readonly string[]).includes(entry.bridge) && !moduleExists(entry.bridge)) {
      log(`AlloToken: limits for ${entry.bridge} not set: deploy/modules/${entry.bridge}.ts does not exist yet`);
      continue;
    }
    if (!bridge && (FOLLOWING_MODULES as readonly string[]).includes(entry.bridge) && modules && !modules.includes(entry.bridge)) {
      log(`AlloToken: limits for ${entry.bridge} not set: ${entry.bridge} is not selected in this run`);
      continue;
    }
    if (!bridge) {
      throw new Error(
        `token.bridges: "${entry.bridge}" is neither an address nor a contract of this deployment ` +
          `(${Object.keys(contracts).join(", ")}); write its address or deploy its module first`,
      );
    }
    const [minting, burning] = await Promise.all([token.mintingMaxLimitOf(bridge), token.burningMaxLimitOf(bridge)]);
    if (minting === entry.mintingLimit && burning === entry.burningLimit) continue;
    await apply(
      `AlloToken: set limits of bridge ${entry.bridge} (${bridge}) to mint ${ethers.formatUnits(entry.mintingLimit, 18)} / ` +
        `burn ${ethers.formatUnits(entry.burningLimit, 18)} ALLO per day`,
      token.interface.encodeFunctionData("setBridgeLimits", [bridge, entry.mintingLimit, entry.burningLimit]),
    );
  }
  return { sent, pending };
}

/**
 * Ignition module parameters for the modules after the token, from the stack's parameters. Modules read
 * the names they declare (m.getParameter) and ignore the rest.
 */
function moduleParameters(
  name: FollowingModule,
  params: DeployParameters,
  deployer: string,
  contracts: Record<string, ContractRecord>,
): Record<string, ModuleParameterValue> {
  const section = name === "AlloraOracle" ? params.oracle : params.bridge;
  if (!section) {
    throw new Error(`deploy/modules/${name}.ts exists but the parameters have no "${name === "AlloraOracle" ? "oracle" : "bridge"}" section`);
  }
  // The feeds shape the oracle's module (one adapter each) rather than parameterise it; the sequencer guard
  // becomes the oracle's two constructor parameters.
  const { admin, guardian, feeds: _feeds, sequencerUptimeFeed: guard, ...rest } = section as typeof section & {
    feeds?: unknown;
    sequencerUptimeFeed?: { address: string; gracePeriod: number };
  };
  // Module-specific extras pass through; amounts written as "<n> ALLO" become base units.
  const extra: Record<string, ModuleParameterValue> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (typeof value === "string") extra[key] = amountOrString(value);
    else if (typeof value === "number" || typeof value === "boolean" || Array.isArray(value)) {
      extra[key] = value as ModuleParameterValue;
    }
  }
  // The bridge module may set its own limits on the token: give it the ones the token section asks for,
  // so that it and the wiring below agree.
  if (guard) {
    extra.sequencerUptimeFeed = ethers.getAddress(guard.address);
    extra.sequencerGracePeriod = guard.gracePeriod;
  }
  const tokenLimits = params.token.bridges.find((b) => b.bridge === name);
  if (tokenLimits) {
    extra.tokenMintLimit = tokenLimits.mintingLimit;
    extra.tokenBurnLimit = tokenLimits.burningLimit;
  }
  return {
    ...extra,
    admin: resolveAccount(admin, deployer),
    guardian: resolveAccount(guardian, deployer),
    token: contracts.AlloToken.address,
    paymentToken: contracts.AlloToken.address,
    attesterSetId: params.attesters.setId,
    signers: [...params.attesters.signers].map((s) => ethers.getAddress(s)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
    threshold: params.attesters.threshold,
  };
}

type ModuleParameterValue = string | number | boolean | bigint | string[];

/** What the stack passes to Ignition for one module. */
interface IgnitionDeployOptions {
  parameters: Record<string, Record<string, ModuleParameterValue>>;
  strategy?: "create2";
  strategyConfig?: { salt: string };
}

/** "250000 ALLO" -> base units; anything else unchanged. */
function amountOrString(value: string): string | bigint {
  const tokens = /^\s*(\d+(?:\.\d+)?)\s*ALLO\s*$/.exec(value);
  return tokens ? ethers.parseUnits(tokens[1], 18) : value;
}

/**
 * The record's name of a module result: its contract name, except for the feed adapters, one per topic, which
 * keep their future id (`AlloraFeedAdapter_topic<N>`).
 */
export function recordName(key: string, contractName: string): string {
  return contractName === "AlloraFeedAdapter" ? key : contractName;
}

/** The topic of a feed adapter's record name, or undefined for any other contract. */
export function feedTopicOf(recordKey: string): string | undefined {
  return /^AlloraFeedAdapter_topic(\d+)$/.exec(recordKey)?.[1];
}

function moduleExists(name: string): boolean {
  return fs.existsSync(path.join(__dirname, "modules", `${name}.ts`));
}

/**
 * The module `name` for this chain. A module whose contracts depend on the chain exports a builder
 * (`buildAlloraBridgeModule(chain, hub)`: the bridge enables the hub and the other EVM peers of that hub);
 * the others are the default export.
 */
function loadModule(
  name: string,
  network: string,
  chainId: number,
  params: DeployParameters,
  /** Hardhat's networks: the chain ids local peers actually run under. */
  hreNetworks: Readonly<Record<string, { chainId?: number } | undefined>>,
): IgnitionModule | undefined {
  if (!moduleExists(name)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = require(path.join(__dirname, "modules", `${name}.ts`)) as Record<string, unknown>;
  const builder = exported[`build${name}Module`];
  if (name === "AlloraOracle" && typeof builder === "function") {
    const feeds = params.oracle?.feeds ?? [];
    return (builder as (feeds: readonly FeedAdapterSpec[]) => IgnitionModule)(
      feeds.map((f) => ({ topicId: f.topic, decimals: f.decimals, description: f.description })),
    );
  }
  if (name === "AlloraBridge" && typeof builder === "function") {
    const hub = bridgeHub(network, params);
    return (builder as (chain: string, hub: string, peerIds: PeerChainIds) => IgnitionModule)(evmChainName(network, chainId), hub, peerChainIds(hub, hreNetworks));
  }
  return exported.default as IgnitionModule;
}

/** The hub network the bridge belongs to: `bridge.hub`, or the devnet's on local networks. */
function bridgeHub(network: string, params: DeployParameters): HubChainName {
  const hub = params.bridge?.hub ?? (isLocalNetwork(network) ? "allora-devnet" : "");
  if (!hub) {
    throw new Error(`parameters: bridge.hub is required on ${network} ("allora-mainnet" or "allora-testnet")`);
  }
  if (!(hub in HUB_CHAINS)) {
    throw new Error(`parameters: bridge.hub "${hub}" is not a hub network of lib/chains.ts (${Object.keys(HUB_CHAINS).join(", ")})`);
  }
  return hub as HubChainName;
}

/** lib/chains.ts's name of the chain behind a Hardhat network name. */
function evmChainName(network: string, chainId: number): EvmChainName {
  if (network in EVM_CHAINS) return network as EvmChainName;
  return evmChainById(chainId).name;
}

/**
 * Ignition's `deploy` with no deployment folder (what hre.ignition.deploy does on the in-process network),
 * on any network: the module runs the same, nothing is written to disk. For chains with no history to keep.
 */
async function deployWithoutJournal(
  ctx: DeployContext,
  module: IgnitionModule,
  options: IgnitionDeployOptions,
): Promise<Record<string, ethers.BaseContract>> {
  const { hre } = ctx;
  const accounts = (await hre.network.provider.request({ method: "eth_accounts" })) as string[];
  const result = await ignitionCore.deploy({
    config: ctx.ignitionConfig,
    artifactResolver: new HardhatArtifactResolver(hre),
    provider: hre.network.provider,
    ignitionModule: module,
    deploymentParameters: options.parameters as ignitionCore.DeploymentParameters,
    accounts,
    strategy: options.strategy,
    strategyConfig: options.strategyConfig,
  });
  if (result.type !== ignitionCore.DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    throw new Error(`${module.id}: ${errorDeploymentResultToExceptionMessage(result)}`);
  }
  const contracts: Record<string, ethers.BaseContract> = {};
  for (const [key, future] of Object.entries(module.results) as [string, { id: string; contractName: string }][]) {
    const deployed = result.contracts[future.id];
    contracts[key] = (await hre.ethers.getContractAt(deployed.contractName, deployed.address)) as unknown as ethers.BaseContract;
  }
  return contracts;
}

/**
 * Ignition's deployment id (its journal folder): per network name, chain id and module, so a test run on
 * other chain ids under the same network names never reads the journal of `npm start`'s chains.
 */
function deploymentId(network: string, chainId: number, module: string): string {
  return `${network}-${chainId}-${module}`;
}

function journalDir(hre: HardhatRuntimeEnvironment, network: string, chainId: number, module: string): string {
  return path.join(hre.config.paths.ignition, "deployments", deploymentId(network, chainId, module));
}

/** Forgets Ignition's journal of a module on a local chain (the chain restarted from genesis). */
function dropJournal(hre: HardhatRuntimeEnvironment, network: string, chainId: number, module: string): void {
  const dir = journalDir(hre, network, chainId, module);
  if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Drops a local module's journal if any address it recorded has no code now. */
async function dropStaleJournal(
  hre: HardhatRuntimeEnvironment,
  provider: ethers.Provider,
  network: string,
  chainId: number,
  module: string,
): Promise<void> {
  const file = path.join(journalDir(hre, network, chainId, module), "deployed_addresses.json");
  if (!fs.existsSync(file)) return dropJournal(hre, network, chainId, module);
  const addresses = Object.values(JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>);
  for (const address of addresses) {
    if ((await provider.getCode(address)) === "0x") return dropJournal(hre, network, chainId, module);
  }
}

async function allHaveCode(provider: ethers.Provider, records: ContractRecord[]): Promise<boolean> {
  for (const r of records) if ((await provider.getCode(r.address)) === "0x") return false;
  return true;
}

/** The creation block: from the previous record when it is for the same address, else searched. */
async function knownOrFoundBlock(
  provider: ethers.Provider,
  prior: ContractRecord | undefined,
  address: string,
): Promise<number> {
  if (prior && prior.address.toLowerCase() === address.toLowerCase()) return prior.blockNumber;
  try {
    return await findCreationBlock(provider, address, 0, await provider.getBlockNumber());
  } catch (err) {
    throw new Error(
      `cannot find the creation block of ${address} (${(err as Error).message}): use an archive RPC URL, ` +
        `or restore deployments/<network>.json from git`,
    );
  }
}
