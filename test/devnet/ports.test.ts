/**
 * Listening ports and the kernel's ephemeral range. A test network listening on a port inside the range can lose
 * it to an outgoing connection made a moment before (CI saw `listen EADDRINUSE 127.0.0.1:34464` for the
 * explorer test's relayer), so every suite's own ports stay below it.
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { ephemeralPortRange, ephemeralPortWarnings } from "../../scripts/lib/ports";

const ROOT = path.resolve(__dirname, "..", "..");
// Linux's default low end; a machine may set it higher, never lower without saying so.
const LINUX_EPHEMERAL_LOW = 32768;

/** The ports a file starts a network on: resolveOptions fields and start flags, plus relayer-2's (metrics + 1). */
function portsIn(source: string): number[] {
  const ports: number[] = [];
  const lists = [...source.matchAll(/(?:chainPorts:\s*|"--chain-ports",\s*)"([\d,]+)"/g)].map((m) => m[1]);
  for (const list of lists) ports.push(...list.split(",").map(Number));
  for (const m of source.matchAll(/(?:hubPort:\s*|"--hub-port",\s*)"(\d+)"/g)) ports.push(Number(m[1]));
  for (const m of source.matchAll(/(?:metricsPort:\s*|"--metrics-port",\s*)"(\d+)"/g)) ports.push(Number(m[1]), Number(m[1]) + 1);
  return ports;
}

describe("ports: the ephemeral range", () => {
  it("reads the kernel's range, and falls back to IANA's when it cannot", () => {
    expect(ephemeralPortRange(() => "32768\t60999\n")).to.deep.equal({ low: 32768, high: 60999 });
    expect(ephemeralPortRange(() => "garbage")).to.deep.equal({ low: 49152, high: 65535 });
    expect(
      ephemeralPortRange(() => {
        throw new Error("ENOENT");
      }),
    ).to.deep.equal({ low: 49152, high: 65535 });
  });

  it("warns for each listening port inside the range, naming the flag that moves it", () => {
    const range = { low: 32768, high: 60999 };
    const ports = [
      { port: 8545, what: "ethereum chain", flag: "--chain-ports" },
      { port: 34464, what: "relayer metrics and dashboard", flag: "--metrics-port" },
      { port: 32768, what: "hub devnet", flag: "--hub-port" },
      { port: 61000, what: "bnb chain", flag: "--chain-ports" },
    ];
    const warnings = ephemeralPortWarnings(ports, range);
    expect(warnings).to.have.length(2);
    expect(warnings[0]).to.contain("port 34464 (relayer metrics and dashboard)").and.contain("--metrics-port").and.contain("below 32768");
    expect(warnings[1]).to.contain("port 32768 (hub devnet)");
  });

  it("every test and benchmark network listens below the ephemeral range", () => {
    const files = ["test/e2e", "test/chaos", "bench"].flatMap((dir) =>
      fs
        .readdirSync(path.join(ROOT, dir))
        .filter((f) => f.endsWith(".ts"))
        .map((f) => path.join(dir, f)),
    );
    const found: string[] = [];
    const offenders: string[] = [];
    for (const file of files) {
      const ports = portsIn(fs.readFileSync(path.join(ROOT, file), "utf8"));
      if (ports.length) found.push(file);
      for (const p of ports) if (p >= LINUX_EPHEMERAL_LOW) offenders.push(`${file}: ${p}`);
    }
    // The scan must see the suites it guards, or it would pass by finding nothing.
    expect(found).to.include.members(["test/e2e/explorer.test.ts", "test/chaos/chains.test.ts", "test/e2e/transfers.test.ts", "bench/relay.ts", "bench/bridge.ts"]);
    expect(offenders, "move these ports below 32768").to.deep.equal([]);
  });
});
