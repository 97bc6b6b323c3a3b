import { subtask } from "hardhat/config";
import {
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  TASK_COMPILE_SOLIDITY_GET_SOURCE_PATHS,
  TASK_TEST_GET_TEST_FILES,
} from "hardhat/builtin-tasks/task-names";
import fs from "node:fs";
import type { HardhatUserConfig, NetworkUserConfig } from "hardhat/types";
import "@nomicfoundation/hardhat-toolbox";
import path from "node:path";
import { publicEvmChains } from "./lib/chains";

/**
 * The compiler version. It must equal the version of the npm package `solc` pinned in
 * package.json: compiles use that package's solcjs build and never download a compiler.
 */
const SOLC_VERSION = "0.8.30";

/** Optimizer runs of the AlloraBridge (everything else: 10,000); see `overrides` below. */
const BRIDGE_OPTIMIZER_RUNS = 2_000;

// Hardhat would download the native compiler; this machine (and CI) has no internet. Serve the
// solcjs build shipped in the `solc` npm package instead, after checking it is the configured one.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  const longVersion = solc.version();
  if (!longVersion.startsWith(`${SOLC_VERSION}+`)) {
    throw new Error(
      `npm package solc is ${longVersion}, hardhat.config wants ${SOLC_VERSION}: run npm ci (package.json pins solc@${SOLC_VERSION})`,
    );
  }
  return {
    compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
    isSolcJs: true,
    version: args.solcVersion,
    longVersion: longVersion.replace(/\.Emscripten\.clang$/, ""),
  };
});

/** Files under examples/<name>/<dir>/ whose names end with `suffix`, recursively. */
function exampleFiles(dir: "contracts" | "test", suffix: string): string[] {
  const root = path.join(__dirname, "examples");
  if (!fs.existsSync(root)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(suffix)) out.push(p);
    }
  };
  for (const example of fs.readdirSync(root, { withFileTypes: true })) {
    const d = path.join(root, example.name, dir);
    if (example.isDirectory() && fs.existsSync(d)) walk(d);
  }
  return out.sort();
}

// The integrators' examples (examples/<name>/contracts, examples/<name>/test) compile and run with the project,
// so `npm test` keeps them working against the contracts they import.
subtask(TASK_COMPILE_SOLIDITY_GET_SOURCE_PATHS, async (_args, _hre, runSuper) => [
  ...((await runSuper()) as string[]),
  ...exampleFiles("contracts", ".sol"),
]);
subtask(TASK_TEST_GET_TEST_FILES, async (args: { testFiles: string[] }, _hre, runSuper) => {
  const files = (await runSuper(args)) as string[];
  return args.testFiles.length > 0 ? files : [...files, ...exampleFiles("test", ".test.ts")];
});

/**
 * A public network, named as in lib/chains.ts, whose URL (and deployer key) come only from the environment.
 * An unset URL stays empty here (Hardhat loads this file for every task); scripts/deploy.ts names the
 * missing variable before anything connects (deploy/preflight.ts).
 */
function remote(urlVar: string, chainId: number): NetworkUserConfig {
  const key = process.env.DEPLOYER_PRIVATE_KEY;
  return {
    url: process.env[urlVar] ?? "",
    chainId,
    accounts: key ? [key] : [],
  };
}

/**
 * The three local chains of the devnet (`npm start`); ports and chain ids match scripts/devnet, and the
 * same DEVNET_<CHAIN>_PORT variables move them (so deploy scripts reach chains started on other ports).
 */
function local(portVar: string, port: number, chainId: number): NetworkUserConfig {
  return { url: `http://127.0.0.1:${Number(process.env[portVar] ?? port)}`, chainId };
}

const config: HardhatUserConfig = {
  solidity: {
    compilers: [{ version: SOLC_VERSION, settings: { optimizer: { enabled: true, runs: 10_000 }, evmVersion: "cancun" } }],
    // The bridge at 10,000 runs was 24,379 bytes, 197 under EIP-170's 24,576. At 2,000 runs it was 22,706
    // bytes for +24 gas on a delivery and +13 on a send (bench:gas); 1,000 runs would save 900 more bytes for
    // +210 gas. The test harness that inherits it compiles the same way.
    overrides: Object.fromEntries(
      ["contracts/bridge/AlloraBridge.sol", "contracts/test/BridgeSimulatedChain.sol"].map((file) => [
        file,
        { version: SOLC_VERSION, settings: { optimizer: { enabled: true, runs: BRIDGE_OPTIMIZER_RUNS }, evmVersion: "cancun" } },
      ]),
    ),
  },
  networks: {
    // `hardhat node` serves this network; the local devnet starts one node per chain and sets
    // HARDHAT_CHAIN_ID and HARDHAT_BLOCK_TIME_MS per process (0 = a block per transaction).
    hardhat: {
      chainId: Number(process.env.HARDHAT_CHAIN_ID ?? 31337),
      mining: Number(process.env.HARDHAT_BLOCK_TIME_MS ?? 0) > 0
        ? { auto: false, interval: Number(process.env.HARDHAT_BLOCK_TIME_MS) }
        : { auto: true },
    },
    localhost: { url: "http://127.0.0.1:8545", chainId: 31337 },
    ethereumLocal: local("DEVNET_ETHEREUM_PORT", 8545, 31337),
    bnbLocal: local("DEVNET_BNB_PORT", 8546, 31338),
    baseLocal: local("DEVNET_BASE_PORT", 8547, 31339),
    // ethereum, bnb, base, sepolia, bnbTestnet, baseSepolia: one name per chain, lib/chains.ts's.
    ...Object.fromEntries(publicEvmChains().map((c) => [c.name, remote(c.rpcUrlEnv!, c.chainId)])),
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  gasReporter: { enabled: process.env.REPORT_GAS === "true", offline: true },
  paths: { tests: "test/contracts" },
  mocha: { timeout: 120_000 },
};

export default config;
