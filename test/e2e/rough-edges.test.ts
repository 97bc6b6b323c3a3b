/**
 * Issue 15 on a whole `npm start` (scripts/devnet/start.ts as a child process, on the test's own ports, chain
 * ids and state directory): a killed earlier run's Redis namespace is removed at start and the run's own at a
 * clean stop; the previous run's logs are kept as .1; the paid request shows what it saved under the devnet's
 * policy; an underfunded payer is pointed at the faucet, which works; the relayer config is usable from a
 * shell with relayer.env; status --json gives every value in one format.
 */
import { expect } from "chai";
import { ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Redis from "ioredis";
import { ethers } from "ethers";
import { Manifest } from "../../scripts/lib/manifest";
import { sleep, until } from "./helpers";

const REPO = path.resolve(__dirname, "..", "..");
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const ENV = {
  // the test's own ports and chain ids: never those of `npm start` or the other e2e test
  DEVNET_ETHEREUM_CHAIN_ID: "71337",
  DEVNET_BNB_CHAIN_ID: "71338",
  DEVNET_BASE_CHAIN_ID: "71339",
};
const PORTS = ["--chain-ports", "27545,27546,27547", "--hub-port", "27657", "--metrics-port", "27464"];

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", ...args],
      { cwd: REPO, env: { ...process.env, ...env }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("e2e: issue 15 on a whole npm start", function () {
  this.timeout(300_000);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "n15-e2e-"));
  const env = { ...ENV, DEVNET_STATE_DIR: stateDir };
  let start: ChildProcess | undefined;
  let output = "";
  let exited: Promise<number | null>;
  let manifest: Manifest;
  const redis = new Redis(REDIS_URL);
  let deadKey = "";

  before(async function () {
    // What an earlier run left: its relayer log, and the Redis keys of a run whose process is gone.
    fs.mkdirSync(path.join(stateDir, "logs"), { recursive: true });
    fs.writeFileSync(path.join(stateDir, "logs", "relayer-1.log"), "a line of the previous run\n");
    const deadPid = await new Promise<number>((resolve) => {
      const p = spawn(process.execPath, ["-e", ""]);
      p.on("exit", () => resolve(p.pid!));
    });
    deadKey = `devnet-${deadPid}-${Date.now().toString(36)}:post-base:1`;
    await redis.set(deadKey, "left by a killed run");

    start = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/devnet/start.ts", ...PORTS], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    start.stdout!.on("data", (d) => (output += d));
    start.stderr!.on("data", (d) => (output += d));
    exited = new Promise((r) => start!.on("exit", (code) => r(code)));
    await until("npm start to be ready", async () => {
      if (start!.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
      return /Ready in/.test(output) ? true : undefined;
    }, 240_000, 250);
    manifest = JSON.parse(fs.readFileSync(path.join(stateDir, "manifest.json"), "utf8")) as Manifest;
  });

  after(async function () {
    if (start && start.exitCode === null) {
      start.kill("SIGINT");
      await Promise.race([exited, sleep(30_000)]);
    }
    if (manifest) {
      const keys = await redis.keys(`${manifest.namespace}*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("removed the killed run's namespace at start, and started fresh logs keeping the previous as .1", async function () {
    expect(await redis.exists(deadKey)).to.equal(0);
    expect(output).to.match(/removed \d+ Redis keys of \d+ earlier run\(s\) that did not stop cleanly: .*devnet-/);
    expect(fs.readFileSync(path.join(stateDir, "logs", "relayer-1.log.1"), "utf8")).to.equal("a line of the previous run\n");
    expect(fs.readFileSync(path.join(stateDir, "logs", "relayer-1.log"), "utf8")).to.not.include("previous run");
  });

  it("the relayer config works from a shell with relayer.env (the command npm start prints)", async function () {
    expect(output).to.include(`npm run relayer -- --env-file ${path.join(stateDir, "relayer.env")} status -c ${path.join(stateDir, "relayer.yaml")}`);
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("RELAYER_")));
    const r = await run(
      ["scripts/relayer.ts", "--env-file", path.join(stateDir, "relayer.env"), "check-config", "--keys", "-c", path.join(stateDir, "relayer.yaml")],
      clean,
    );
    expect(r.stderr).to.equal("");
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/policy 1:100bps\/300s 2:100bps\/300s/);
  });

  it("a paid request lands and says how long the topic would otherwise have waited", async function () {
    await until("topic 1 on base", async () => {
      const s = await run(["scripts/status.ts", "--json"], env);
      const j = JSON.parse(s.stdout) as { topics: { chains: Record<string, { nonce: string } | undefined> }[] };
      return j.topics[0].chains.base ? true : undefined;
    }, 60_000, 1000);
    const r = await run(["scripts/request-inference.ts", "--chain", "base", "--topic", "1", "--amount", "2.5"], env);
    expect(r.stderr).to.equal("");
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/updated after \d+\.\d s: nonce \d+/);
    expect(r.stdout).to.match(/without the payment it would have waited up to \d+ s more: the stored value was \d+ s old and the relayer posts after 300 s \(heartbeat\), or sooner if the value moves 1 %/);
  });

  it("an underfunded payer is pointed at the faucet, and the faucet funds it", async function () {
    const payer = ethers.Wallet.createRandom();
    const poor = await run(["scripts/request-inference.ts", "--chain", "bnb", "--topic", "1", "--amount", "1", "--key", payer.privateKey], env);
    expect(poor.code).to.equal(1);
    expect(poor.stderr).to.include(`holds 0.0 ALLO on bnb, less than 1: pay less, pay with the funded devnet account`);
    expect(poor.stderr).to.include(`npm run faucet -- --chain bnb --to ${payer.address}`);
    for (let i = 0; i < 2; i++) {
      const f = await run(["scripts/faucet.ts", "--chain", "bnb", "--to", payer.address, "--amount", "600"], env);
      expect(f.stderr).to.equal("");
      expect(f.stdout).to.include(`minted 600 ALLO to ${payer.address} on bnb`);
    }
    const token = new ethers.Contract(
      manifest.chains.find((c) => c.name === "bnb")!.contracts.token,
      ["function balanceOf(address) view returns (uint256)"],
      new ethers.JsonRpcProvider(manifest.chains[1].rpc, manifest.chains[1].chainId, { staticNetwork: true }),
    );
    expect(await token.balanceOf(payer.address)).to.equal(ethers.parseUnits("1200", 18));
  });

  it("status --json gives the hub's and the chains' values in one format", async function () {
    const s = await run(["scripts/status.ts", "--json"], env);
    const j = JSON.parse(s.stdout) as {
      topics: { hub: { value: string; fixed18: string }; chains: Record<string, { value: string; fixed18: string } | undefined> }[];
    };
    const t1 = j.topics[0];
    expect(t1.hub.value).to.match(/^-?\d+\.\d+$/);
    expect(t1.hub.fixed18).to.match(/^-?\d+$/);
    expect(t1.chains.base!.value).to.match(/^-?\d+(\.\d+)?$/);
    expect(Number(t1.chains.base!.value)).to.be.within(Number(t1.hub.value) * 0.5, Number(t1.hub.value) * 1.5);
    expect(BigInt(t1.chains.base!.fixed18)).to.equal(ethers.parseUnits(t1.chains.base!.value, 18));
  });

  it("Ctrl-C stops everything and removes the run's Redis namespace", async function () {
    expect((await redis.keys(`${manifest.namespace}:*`)).length).to.be.above(0);
    start!.kill("SIGINT");
    expect(await exited).to.equal(0);
    expect(await redis.keys(`${manifest.namespace}*`)).to.deep.equal([]);
  });
});
