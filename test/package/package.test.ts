/**
 * The integrators' package as they get it: built from this repository's artifacts, packed with `npm pack`,
 * unpacked into a fresh project's node_modules, then used from there as Hardhat/Foundry and ethers users would:
 * a Solidity consumer importing the interfaces by package path compiles, the CommonJS entry gives ABIs,
 * deployments and working TypeChain factories, and its type declarations type-check a TypeScript consumer.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildPackage, PACKAGE_ABIS, PACKAGE_DIR } from "../../scripts/build-package";

const ROOT = path.join(__dirname, "..", "..");

describe("packages/contracts: @allora-evm/contracts, packed and used from another project", function () {
  this.timeout(240_000);
  let project: string;
  let files: string[];

  before(async function () {
    await buildPackage();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "allora-package-"));
    const out = execFileSync("npm", ["pack", "--json", "--pack-destination", tmp], { cwd: PACKAGE_DIR, encoding: "utf8" });
    const [packed] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    files = packed.files.map((f) => f.path);
    project = path.join(tmp, "consumer");
    const installed = path.join(project, "node_modules", "@allora-evm", "contracts");
    fs.mkdirSync(installed, { recursive: true });
    execFileSync("tar", ["-xzf", path.join(tmp, path.basename(packed.filename)), "-C", installed, "--strip-components=1"]);
    // The peer dependency, as the consumer's own install would provide it.
    fs.symlinkSync(path.join(ROOT, "node_modules", "ethers"), path.join(project, "node_modules", "ethers"), "dir");
  });

  it("ships the interfaces, ABIs, compiled entry with declarations and README, and no sources of the build", function () {
    expect(files).to.include.members([
      "src/interfaces/IAlloraOracle.sol",
      "src/interfaces/AggregatorV2V3Interface.sol",
      "src/interfaces/IAlloraBridge.sol",
      "abi/IAlloraOracle.json",
      "abi/AlloraFeedAdapter.json",
      "dist/index.js",
      "dist/index.d.ts",
      "README.md",
      "package.json",
    ]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).to.deep.equal([]);
    expect(files.filter((f) => f.startsWith("abi/"))).to.have.length(PACKAGE_ABIS.length);
  });

  it("lets a Solidity consumer import IAlloraOracle and AggregatorV2V3Interface by package path", function () {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const solc = require("solc") as { compile(input: string, opts: { import(p: string): { contents?: string; error?: string } }): string };
    const source = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
import {IAlloraOracle} from "@allora-evm/contracts/src/interfaces/IAlloraOracle.sol";
import {AggregatorV2V3Interface} from "@allora-evm/contracts/src/interfaces/AggregatorV2V3Interface.sol";
contract Consumer {
    function both(IAlloraOracle oracle, AggregatorV2V3Interface feed, uint64 topic) external view returns (int256, int256) {
        (int256 value, , ) = oracle.latestInferenceNoOlderThan(topic, 600);
        return (value, feed.latestAnswer());
    }
}`;
    const input = { language: "Solidity", sources: { "Consumer.sol": { content: source } }, settings: { outputSelection: { "*": { "*": ["evm.bytecode.object"] } } } };
    const output = JSON.parse(
      solc.compile(JSON.stringify(input), {
        import: (p) => {
          const file = path.join(project, "node_modules", p);
          return fs.existsSync(file) ? { contents: fs.readFileSync(file, "utf8") } : { error: `not found: ${p}` };
        },
      }),
    ) as { errors?: { severity: string; formattedMessage: string }[]; contracts: Record<string, Record<string, { evm: { bytecode: { object: string } } }>> };
    const errors = (output.errors ?? []).filter((e) => e.severity === "error");
    expect(errors.map((e) => e.formattedMessage)).to.deep.equal([]);
    expect(output.contracts["Consumer.sol"].Consumer.evm.bytecode.object.length).to.be.greaterThan(100);
  });

  it("gives CommonJS users ABIs, deployments and TypeChain factories that build ethers v6 contracts", function () {
    const script = `
      const p = require("@allora-evm/contracts");
      const { JsonRpcProvider } = require("ethers");
      const oracle = p.IAlloraOracle__factory.connect("0x${"11".repeat(20)}", new JsonRpcProvider("http://127.0.0.1:1"));
      console.log(JSON.stringify({
        abis: Object.keys(p.abis).sort(),
        strictRead: p.abis.IAlloraOracle.some((f) => f.name === "latestInferenceNoOlderThan"),
        feedV2: p.abis.AggregatorV2V3Interface.some((f) => f.name === "latestAnswer"),
        contract: typeof oracle.latestInferenceNoOlderThan,
        fragment: oracle.interface.getFunction("latestInferenceNoOlderThan").format(),
        deployments: typeof p.deployments,
        client: typeof new p.AlloraReportClient({ baseUrl: "http://127.0.0.1:1/" }).latest,
      }));`;
    const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: project, encoding: "utf8" })) as Record<string, unknown>;
    expect(out.abis).to.deep.equal([...PACKAGE_ABIS].sort());
    expect(out).to.deep.include({
      strictRead: true,
      feedV2: true,
      contract: "function",
      fragment: "latestInferenceNoOlderThan(uint64,uint256)",
      deployments: "object",
      client: "function",
    });
  });

  it("type-checks a TypeScript consumer against the declarations", function () {
    fs.writeFileSync(
      path.join(project, "consumer.ts"),
      `import { IAlloraOracle__factory, abis, deployments, type DeploymentRecord } from "@allora-evm/contracts";
import type { Provider } from "ethers";
export async function read(provider: Provider, address: string, topic: bigint): Promise<bigint> {
  const [value] = await IAlloraOracle__factory.connect(address, provider).latestInferenceNoOlderThan(topic, 600n);
  const record: DeploymentRecord | undefined = deployments.base;
  void record;
  void abis.AlloraFeedAdapter;
  return value;
}
`,
    );
    fs.writeFileSync(
      path.join(project, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { strict: true, module: "commonjs", target: "es2022", moduleResolution: "node", noEmit: true, skipLibCheck: false, types: [] }, files: ["consumer.ts"] }),
    );
    execFileSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], { cwd: project, encoding: "utf8" });
    // And a wrong use fails: the types are real, not any.
    fs.writeFileSync(path.join(project, "consumer.ts"), `import { IAlloraOracle__factory } from "@allora-evm/contracts";\nconst n: string = IAlloraOracle__factory.abi.length;\nvoid n;\n`);
    let failed = false;
    try {
      execFileSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], { cwd: project, encoding: "utf8" });
    } catch {
      failed = true;
    }
    expect(failed, "assigning a number to a string must not type-check").to.equal(true);
  });
});
