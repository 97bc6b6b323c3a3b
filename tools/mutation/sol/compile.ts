/**
 * A mutant's compile inside a worker: one solc standard-JSON run over the sources a mutated file can change,
 * asking only for what the tests load (ABI and bytecode), then those contracts' artifacts rewritten in place.
 *
 * Why not `hardhat compile`: for a bridge mutant it asked solc for every output of every contract in the job,
 * the ASTs of all 33 sources among them, then wrote a 10 MB build-info; the bytecode the tests need is a
 * seventh of that solc time (measured: 7.5 s -> 1.1 s of solcjs for the bridge's job), and Hardhat's own
 * bookkeeping roughly doubled the rest. Which sources a mutant can change comes from Hardhat's dependency
 * graph of the sandbox (taken once per worker): the mutated file and every file that imports it, directly
 * or not, among the sources the area compiles (see `compile` in areas.ts).
 *
 * Errors are solc's: a mutant that does not type-check, or whose code generation fails, is a compile error.
 */
import fs from "node:fs";
import path from "node:path";
import {
  TASK_COMPILE_SOLIDITY_GET_DEPENDENCY_GRAPH,
  TASK_COMPILE_SOLIDITY_GET_SOURCE_NAMES,
  TASK_COMPILE_SOLIDITY_GET_SOURCE_PATHS,
} from "hardhat/builtin-tasks/task-names";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

interface Solc {
  compile(input: string): string;
  version(): string;
}

/** What the tests read from an artifact; nothing else is asked of solc. */
const OUTPUTS = [
  "abi",
  "evm.bytecode.object",
  "evm.bytecode.linkReferences",
  "evm.deployedBytecode.object",
  "evm.deployedBytecode.linkReferences",
];

interface ContractOutput {
  abi: unknown[];
  evm: {
    bytecode: { object: string; linkReferences: Record<string, unknown> };
    deployedBytecode: { object: string; linkReferences: Record<string, unknown> };
  };
}

interface SolcOutput {
  errors?: Array<{ severity: string; formattedMessage?: string; message: string }>;
  contracts?: Record<string, Record<string, ContractOutput>>;
}

export interface MutantCompiler {
  /**
   * Compiles what the `changed` sources (project-relative paths, e.g. contracts/bridge/HubAddress.sol,
   * rewritten on disk since the last call) can change, and rewrites those artifacts. Throws with solc's
   * errors when it does not compile; the artifacts are then left as they were, and the next call compiles
   * what these sources change too (restoring a file is a change: its dependents' artifacts hold the mutant).
   */
  compile(changed: string[]): Promise<void>;
}

export async function mutantCompiler(hre: HardhatRuntimeEnvironment): Promise<MutantCompiler> {
  // The same solcjs build the project compiles with (hardhat.config.ts pins it to the `solc` package).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as Solc;
  const compilers = hre.config.solidity.compilers;
  if (compilers.length !== 1 || Object.keys(hre.config.solidity.overrides).length > 0) {
    throw new Error("the mutation sandbox compiles with one set of solc settings (tools/mutation/sol/sandbox.ts)");
  }
  if (!solc.version().startsWith(`${compilers[0].version}+`)) {
    throw new Error(`npm package solc is ${solc.version()}, the sandbox compiles with ${compilers[0].version}`);
  }
  const settings = compilers[0].settings as Record<string, unknown>;

  // Hardhat's view of the sources (the sandbox's source paths, i.e. the area's `compile` list) and imports.
  const sourcePaths = (await hre.run(TASK_COMPILE_SOLIDITY_GET_SOURCE_PATHS)) as string[];
  const sourceNames = (await hre.run(TASK_COMPILE_SOLIDITY_GET_SOURCE_NAMES, { rootPath: hre.config.paths.root, sourcePaths })) as string[];
  const graph = (await hre.run(TASK_COMPILE_SOLIDITY_GET_DEPENDENCY_GRAPH, { rootPath: hre.config.paths.root, sourceNames })) as {
    getResolvedFiles(): Array<{ sourceName: string; absolutePath: string }>;
    getDependencies(file: { sourceName: string }): Array<{ sourceName: string }>;
  };
  const files = graph.getResolvedFiles();
  const absolute = new Map(files.map((f) => [f.sourceName, f.absolutePath]));
  const imports = new Map(files.map((f) => [f.sourceName, graph.getDependencies(f).map((d) => d.sourceName)]));

  const closure = (roots: string[]): Set<string> => {
    const seen = new Set<string>();
    const visit = (s: string): void => {
      if (seen.has(s)) return;
      seen.add(s);
      for (const d of imports.get(s) ?? []) visit(d);
    };
    roots.forEach(visit);
    return seen;
  };
  /** Sources whose contracts change with `sourceName`: it and every source importing it, transitively. */
  const affected = new Map<string, string[]>();
  const affectedBy = (sourceName: string): string[] => {
    if (!affected.has(sourceName)) {
      if (!absolute.has(sourceName)) throw new Error(`${sourceName} is not among the sources the sandbox compiles`);
      affected.set(sourceName, [...imports.keys()].filter((s) => closure([s]).has(sourceName)));
    }
    return affected.get(sourceName)!;
  };

  /** Sources changed on disk since the last successful compile. */
  const stale = new Set<string>();
  return {
    async compile(changed: string[]): Promise<void> {
      changed.forEach((s) => stale.add(s));
      const targets = [...new Set([...stale].flatMap(affectedBy))];
      const sources: Record<string, { content: string }> = {};
      for (const s of closure(targets)) sources[s] = { content: fs.readFileSync(absolute.get(s)!, "utf8") };
      const input = {
        language: "Solidity",
        sources,
        settings: { ...settings, outputSelection: Object.fromEntries(targets.map((s) => [s, { "*": OUTPUTS }])) },
      };
      const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
      const errors = (output.errors ?? []).filter((e) => e.severity === "error");
      if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage ?? e.message).join("\n"));
      for (const [source, contracts] of Object.entries(output.contracts ?? {})) {
        for (const [name, c] of Object.entries(contracts)) writeArtifact(hre.config.paths.artifacts, source, name, c);
      }
      stale.clear();
    },
  };
}

/** Rewrites the compiled parts of an existing Hardhat artifact (its debug file and build-info stay the baseline's). */
function writeArtifact(artifactsDir: string, sourceName: string, contractName: string, c: ContractOutput): void {
  const file = path.join(artifactsDir, sourceName, `${contractName}.json`);
  if (!fs.existsSync(file)) throw new Error(`no artifact ${path.relative(artifactsDir, file)}: the sandbox's build lacks it`);
  const artifact = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  const hex = (o: string): string => (o ? `0x${o}` : "0x");
  fs.writeFileSync(
    file,
    JSON.stringify(
      {
        ...artifact,
        abi: c.abi,
        bytecode: hex(c.evm.bytecode.object),
        deployedBytecode: hex(c.evm.deployedBytecode.object),
        linkReferences: c.evm.bytecode.linkReferences,
        deployedLinkReferences: c.evm.deployedBytecode.linkReferences,
      },
      null,
      2,
    ),
  );
}
