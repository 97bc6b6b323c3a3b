/**
 * The mutation areas: `npm run test:mutation -- <area>...` runs the named ones (none: all of them).
 * A Solidity area mutates contracts with tools/mutation/sol; a TypeScript area runs StrykerJS
 * (stryker.config.mjs reads the same table through MUTATION_AREA).
 *
 * Test files are listed fastest and most direct first: the runner stops a mutant's run at its first failure.
 */

import tsAreas from "./ts-areas.json";

export interface SolArea {
  kind: "solidity";
  files: string[];
  tests: string[];
  /**
   * The contracts the tests deploy: only these (and their imports) are compiled for each mutant. Leave it
   * out to compile everything; name them when a mutated library is also imported by a contract these tests
   * never deploy (the bridge takes minutes to compile on a busy machine).
   */
  compile?: string[];
}

export interface TsArea {
  kind: "typescript";
  mutate: string[];
  tests: string[];
  /** false: Stryker runs without the TypeScript checker (where it dominated the run time; "//" says why). */
  typeCheck?: boolean;
}

export const SOL_AREAS: Record<string, SolArea> = {
  token: { kind: "solidity", files: ["contracts/token/AlloToken.sol"], tests: ["test/contracts/token/AlloToken.ts"] },
  ratelimit: {
    kind: "solidity",
    files: ["contracts/utils/RateLimit.sol"],
    tests: ["test/contracts/utils/RateLimit.mutation.test.ts", "test/contracts/utils/RateLimit.property.ts", "test/contracts/token/AlloToken.ts"],
    compile: ["contracts/test/FlaggedRateLimitHarness.sol", "contracts/token/AlloToken.sol"],
  },
  attestation: {
    kind: "solidity",
    files: ["contracts/attestation/AttesterSets.sol"],
    tests: ["test/contracts/attestation/AttesterSets.test.ts", "test/contracts/attestation/AttesterSets.mutation.test.ts"],
    compile: ["contracts/test/OracleAttesterSetsHarness.sol"],
  },
  oracle: {
    kind: "solidity",
    files: ["contracts/oracle/AlloraOracle.sol", "contracts/oracle/AlloraFeedAdapter.sol"],
    tests: [
      "test/contracts/oracle/AlloraOracle.test.ts",
      "test/contracts/oracle/AlloraFeedAdapter.test.ts",
      "test/contracts/oracle/sequencer-guard.test.ts",
      "test/contracts/oracle/eip712.test.ts",
      "test/contracts/oracle/monotonicity.property.test.ts",
      "test/contracts/oracle/OracleConsumerExample.test.ts",
      "test/contracts/oracle/chainlink-published.test.ts",
      "test/contracts/oracle/deploy.test.ts",
      "test/contracts/oracle/AlloraOracle.mutation.test.ts",
    ],
    // Everything that imports the oracle, but the lending example (its tests are not in this area).
    compile: [
      "contracts/oracle/AlloraOracle.sol",
      "contracts/oracle/AlloraFeedAdapter.sol",
      "contracts/test/OracleConsumerExample.sol",
      "contracts/test/ChainlinkPublishedConsumer.sol",
      "contracts/test/ChainlinkStyleConsumer.sol",
      "contracts/test/ChainlinkV2StyleConsumer.sol",
      "contracts/test/SequencerUptimeFeedMock.sol",
      "contracts/test/OracleMockAllo.sol",
    ],
  },
  bridge: {
    kind: "solidity",
    files: ["contracts/bridge/AlloraBridge.sol", "contracts/bridge/HubAddress.sol"],
    tests: [
      // Fast and aimed at mutants that survived once: first (the runner then puts the files that kill most first).
      "test/contracts/bridge/AlloraBridge.mutation.test.ts",
      "test/contracts/bridge/AlloraBridge.test.ts",
      "test/contracts/bridge/AlloraBridge.batch.test.ts",
      "test/contracts/bridge/AlloraBridge.sources.test.ts",
      "test/contracts/bridge/AlloraBridge.packing.test.ts",
      "test/contracts/bridge/AlloraBridge.bitmap.test.ts",
      "test/contracts/bridge/HubAddress.test.ts",
      "test/contracts/bridge/chains.test.ts",
      "test/contracts/bridge/AlloraBridge.property.test.ts",
    ],
    // What these tests deploy: not the Axelar adapter, which also imports HubAddress (the adapter area's).
    compile: [
      "contracts/bridge/AlloraBridge.sol",
      "contracts/test/BridgeSimulatedChain.sol",
      "contracts/test/BridgeHubAddressHarness.sol",
      "contracts/test/BridgeRejectEther.sol",
      "contracts/token/AlloToken.sol",
    ],
  },
  adapter: {
    kind: "solidity",
    files: ["contracts/bridge/AlloraAxelarAdapter.sol"],
    tests: ["test/contracts/bridge/AlloraAxelarAdapter.test.ts", "test/contracts/bridge/AlloraAxelarAdapter.mutation.test.ts", "test/contracts/admin-rules.test.ts"],
  },
};

/** Kept as JSON because stryker.config.mjs reads the same table. */
export const TS_AREAS: Record<string, TsArea> = Object.fromEntries(
  Object.entries(tsAreas as Record<string, Omit<TsArea, "kind">>).map(([name, a]) => [name, { kind: "typescript" as const, ...a }]),
);

export const ALL_AREAS = [...Object.keys(SOL_AREAS), ...Object.keys(TS_AREAS)];
