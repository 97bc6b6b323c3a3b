/**
 * `npm run bench:gas`: runs every suite in bench/gas/*.suite.ts on the in-process Hardhat network,
 * prints a table and writes bench/results/gas.json (case name -> transaction gasUsed).
 */
import hre from "hardhat";
import fs from "node:fs";
import path from "node:path";
import type { GasSuite } from "./gas/types";

async function main(): Promise<void> {
  const dir = path.join(__dirname, "gas");
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".suite.ts")).sort();
  if (files.length === 0) throw new Error(`no gas suites (*.suite.ts) in ${dir}`);
  const results: Record<string, number> = {};
  for (const file of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const suite = (require(path.join(dir, file)) as { default: GasSuite }).default;
    const snapshot = (await hre.network.provider.send("evm_snapshot", [])) as string;
    const cases = await suite(hre);
    await hre.network.provider.send("evm_revert", [snapshot]);
    for (const [name, gas] of Object.entries(cases)) {
      if (name in results) throw new Error(`gas case ${name} is defined by two suites`);
      results[name] = Number(gas);
    }
    process.stderr.write(`gas: ${file}: ${Object.keys(cases).length} cases\n`);
  }
  const sorted = Object.fromEntries(Object.entries(results).sort(([a], [b]) => a.localeCompare(b)));
  const width = Math.max(...Object.keys(sorted).map((k) => k.length));
  console.log(`${"case".padEnd(width)}  gasUsed`);
  for (const [name, gas] of Object.entries(sorted)) console.log(`${name.padEnd(width)}  ${gas.toLocaleString("en-US").padStart(9)}`);
  const out = path.join(__dirname, "results", "gas.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(sorted, null, 2) + "\n");
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
