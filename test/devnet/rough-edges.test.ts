/**
 * Issue 15, the rough edges a newcomer hit, each checked against the real parts (real Redis, real ports, the
 * real scripts as child processes) without starting a whole network: a busy relayer port fails first and
 * clearly, dead runs' Redis namespaces go and live ones stay, logs rotate per run, the user scripts say that
 * a stopped network is stopped and honour DEVNET_STATE_DIR, amounts name ALLO's 18 decimals, the devnet
 * relayer config is usable from a shell, the paid-request policy, and one format for values in status --json.
 */
import { expect } from "chai";
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import Redis from "ioredis";
import { networkPorts, startLocalNetwork, UserFacingError } from "../../scripts/devnet/network";
import { resolveOptions, START_POLICY, startPolicy } from "../../scripts/devnet/options";
import { writeRelayerConfig, writeRelayerEnv } from "../../scripts/devnet/relayer-config";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../../scripts/lib/dev-keys";
import { Manifest, noContracts, writeManifest } from "../../scripts/lib/manifest";
import { devnetNamespaceOf, removeDeadDevnetNamespaces } from "../../scripts/lib/redis";
import { RELAYER_CLI_JS, ensureRelayerBuildSync } from "../../scripts/lib/relayer-build";
import { StatusSnapshot, statusJson } from "../../scripts/lib/status";
import { rotateLogs } from "../../scripts/lib/supervisor";
import { devnetPolicy, parseAllo, unpaidWait } from "../../scripts/request-inference";
import { splitEnvFile } from "../../scripts/relayer";

const REPO = path.resolve(__dirname, "..", "..");
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve) => {
    const s = net.createServer((c) => c.destroy());
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}

/** Runs a script of the repository with ts-node; resolves with its exit code and output. */
function runScript(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", ...args],
      { cwd: REPO, env: { ...process.env, ...env }, timeout: 60_000 },
      // a script killed by the timeout says so, instead of failing the assertions with an empty stderr
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr: (err as { killed?: boolean } | null)?.killed ? `${stderr}(killed: still running after 60 s)` : stderr }),
    );
  });
}

function tmpDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `n15-${name}-`));
}

/** A manifest of a network that is not running: every address is a port nothing listens on. */
async function stoppedManifest(): Promise<Manifest> {
  const ports = await Promise.all([0, 1, 2, 3].map(() => freePort()));
  return {
    hub: { rpc: `http://127.0.0.1:${ports[0]}`, chainId: "allora-devnet-1", blockTimeMs: 1000, topics: [1, 2] },
    chains: ["ethereum", "bnb", "base"].map((name, i) => ({
      name,
      rpc: `http://127.0.0.1:${ports[i + 1]}`,
      chainId: 31337 + i,
      blockTimeMs: 1000,
      contracts: {
        ...noContracts(),
        token: "0xF47f9e1E1588726FE1b75e7b76CE5AF60B87a77D",
        oracle: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
      },
    })),
    redis: REDIS_URL,
    metrics: "http://127.0.0.1:9464/metrics",
    namespace: "devnet-1-test",
    startedAt: "2026-12-06T10:00:00.000Z",
  };
}

describe("issue 15: rough edges of the local network", function () {
  this.timeout(120_000);

  describe("1. every port is checked before anything starts", function () {
    it("a busy relayer metrics port fails at once, naming --metrics-port, before any child starts", async function () {
      const [c1, c2, c3, hub, metrics] = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
      const busy = await listen(metrics);
      const stateDir = tmpDir("ports");
      try {
        const opts = resolveOptions({
          chainPorts: `${c1},${c2},${c3}`,
          hubPort: String(hub),
          metricsPort: String(metrics),
          stateDir,
        });
        let error: unknown;
        await startLocalNetwork(opts).catch((e: unknown) => (error = e));
        expect(error).to.be.instanceOf(UserFacingError);
        expect((error as Error).message).to.equal(
          `port ${metrics} (relayer metrics and dashboard) is already in use: stop what runs there (another npm start?) ` +
            `or choose another port with --metrics-port`,
        );
        // "At once": the check comes before anything starts; no child wrote a log. (How long it took is not
        // asserted: on a loaded machine that measures the machine.)
        expect(fs.readdirSync(path.join(stateDir, "logs"))).to.deep.equal([]);
      } finally {
        busy.close();
        fs.rmSync(stateDir, { recursive: true, force: true });
      }
    });

    it("npm start says so before it loads or starts anything, and exits 1", async function () {
      const [c1, c2, c3, hub, metrics] = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
      const busy = await listen(metrics);
      const stateDir = tmpDir("start-ports");
      try {
        const r = await runScript([
          "scripts/devnet/start.ts",
          "--chain-ports", `${c1},${c2},${c3}`, "--hub-port", String(hub), "--metrics-port", String(metrics),
          "--state-dir", stateDir,
        ]);
        expect(r.code).to.equal(1);
        expect(r.stderr.trim()).to.equal(
          `port ${metrics} (relayer metrics and dashboard) is already in use: stop what runs there (another npm start?) ` +
            `or choose another port with --metrics-port`,
        );
        expect(r.stdout).to.not.include("Starting the local network");
        expect(fs.existsSync(path.join(stateDir, "logs"))).to.equal(false);
      } finally {
        busy.close();
        fs.rmSync(stateDir, { recursive: true, force: true });
      }
    });

    it("checks the chains, the hub and, when it runs, the relayer's HTTP port", function () {
      const opts = resolveOptions({ chainPorts: "1001,1002,1003", hubPort: "1004", metricsPort: "1005" });
      expect(networkPorts(opts).map((p) => [p.port, p.flag])).to.deep.equal([
        [1001, "--chain-ports"],
        [1002, "--chain-ports"],
        [1003, "--chain-ports"],
        [1004, "--hub-port"],
        [1005, "--metrics-port"],
      ]);
      expect(networkPorts({ ...opts, relayer: false }).map((p) => p.port)).to.not.include(1005);
    });
  });

  describe("2. Redis namespaces and logs of earlier runs", function () {
    it("removes the namespaces of devnet runs whose process is gone, and nothing else", async function () {
      const dead = await new Promise<number>((resolve) => {
        const p = spawn(process.execPath, ["-e", ""]);
        p.on("exit", () => resolve(p.pid!));
      });
      const redis = new Redis(REDIS_URL);
      const tag = Date.now().toString(36);
      const deadKeys = [`devnet-${dead}-${tag}:post-base:1`, `devnet-${dead}-${tag}:hub:checkpoint`, `devnet-${dead}-${tag}-held:x`];
      const liveKeys = [`devnet-${process.pid}-${tag}:hub:checkpoint`];
      const otherKeys = [`n15-test-${tag}:devnet-${dead}-${tag}:x`, `devnetx-${dead}-${tag}:x`, `devnet-${tag}:x`];
      try {
        for (const k of [...deadKeys, ...liveKeys, ...otherKeys]) await redis.set(k, "1");
        const removed = await removeDeadDevnetNamespaces(REDIS_URL);
        expect(removed.namespaces).to.include(`devnet-${dead}-${tag}`);
        for (const k of deadKeys) expect(await redis.exists(k), k).to.equal(0);
        for (const k of [...liveKeys, ...otherKeys]) expect(await redis.exists(k), k).to.equal(1);
      } finally {
        await redis.del(...deadKeys, ...liveKeys, ...otherKeys);
        redis.disconnect();
      }
      expect(devnetNamespaceOf("devnet-12-abc:x")).to.deep.equal({ namespace: "devnet-12-abc", pid: 12 });
      expect(devnetNamespaceOf("relayer:devnet-12-abc:x")).to.equal(undefined);
    });

    it("each run starts fresh logs and keeps the previous run's as .1", function () {
      const dir = tmpDir("logs");
      try {
        fs.writeFileSync(path.join(dir, "relayer-1.log"), "run 2\n");
        fs.writeFileSync(path.join(dir, "relayer-1.log.1"), "run 1\n");
        fs.writeFileSync(path.join(dir, "chains.log"), "chains of run 2\n");
        expect(rotateLogs(dir).sort()).to.deep.equal(["chains.log", "relayer-1.log"]);
        expect(fs.readFileSync(path.join(dir, "relayer-1.log.1"), "utf8")).to.equal("run 2\n");
        expect(fs.existsSync(path.join(dir, "relayer-1.log"))).to.equal(false);
        expect(fs.readFileSync(path.join(dir, "chains.log.1"), "utf8")).to.equal("chains of run 2\n");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("3. a stopped network, and DEVNET_STATE_DIR", function () {
    let stateDir: string;
    let manifest: Manifest;
    before(async function () {
      stateDir = tmpDir("stopped");
      manifest = await stoppedManifest();
      writeManifest(stateDir, manifest);
    });
    after(() => fs.rmSync(stateDir, { recursive: true, force: true }));

    const notAnswering = (dir: string) =>
      `the local network in ${path.join(dir, "manifest.json")} (started 2026-12-06T10:00:00.000Z) is not answering: ` +
      "it has stopped. Start it with `npm start`";

    it("npm run status says the network is not answering and how to start it", async function () {
      const r = await runScript(["scripts/status.ts"], { DEVNET_STATE_DIR: stateDir });
      expect(r.code).to.equal(1);
      expect(r.stdout).to.include(notAnswering(stateDir));
      expect(r.stdout).to.not.include("ECONNREFUSED");
      const json = await runScript(["scripts/status.ts", "--json"], { DEVNET_STATE_DIR: stateDir });
      expect(json.code).to.equal(1);
      expect(JSON.parse(json.stdout).hub.down).to.equal(true);
      expect(json.stderr).to.include(notAnswering(stateDir));
    });

    it("npm run request says the same, reading the manifest from DEVNET_STATE_DIR", async function () {
      const r = await runScript(["scripts/request-inference.ts", "--chain", "base", "--topic", "1", "--amount", "1"], {
        DEVNET_STATE_DIR: stateDir,
      });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include(`request-inference: ${notAnswering(stateDir)}`);
    });

    it("--state-dir wins over DEVNET_STATE_DIR", async function () {
      const elsewhere = tmpDir("empty");
      try {
        const r = await runScript(["scripts/status.ts", "--state-dir", elsewhere], { DEVNET_STATE_DIR: stateDir });
        expect(r.code).to.equal(1);
        expect(r.stderr).to.include(`${path.join(elsewhere, "manifest.json")} not found: start the local network first`);
      } finally {
        fs.rmSync(elsewhere, { recursive: true, force: true });
      }
    });
  });

  describe("4. amounts", function () {
    it("names ALLO's 18 decimals for an amount finer than 1 base unit, apart from text that is no number", function () {
      expect(parseAllo("2.5")).to.equal(2_500_000_000_000_000_000n);
      expect(parseAllo("0.000000000000000001")).to.equal(1n);
      expect(parseAllo(".5")).to.equal(500_000_000_000_000_000n);
      expect(() => parseAllo("0.0000000000000000001")).to.throw(
        '--amount "0.0000000000000000001" has 19 decimal places, but ALLO has 18: the smallest amount is 0.000000000000000001 ALLO',
      );
      expect(() => parseAllo("abc")).to.throw('--amount "abc" is not an ALLO amount (use a decimal such as 2.5)');
      expect(() => parseAllo("-1")).to.throw("is not an ALLO amount");
      expect(() => parseAllo("0")).to.throw("--amount must be above zero");
    });
  });

  describe("6. the devnet relayer config from a shell", function () {
    before(function () {
      // A precondition, not what is tested: tsc builds dist/ when a source is newer (50 s of wall time on a
      // loaded 2-core machine, more under test:under-load). The hook ends when tsc exits, built or with its
      // errors, so no time limit is put on it: a limit would only measure the machine.
      this.timeout(0);
      ensureRelayerBuildSync(REPO);
    });
    it("relayer.env next to relayer.yaml makes check-config --keys pass; without it the keys are missing", async function () {
      const dir = tmpDir("relayer-env");
      try {
        const manifest = await stoppedManifest();
        const attesters = [15, 16, 17].map((i) => hardhatAccount(i).privateKey);
        const config = writeRelayerConfig(dir, manifest, attesters.length);
        const envFile = writeRelayerEnv(dir, attesters, 9999);
        expect(fs.readFileSync(config, "utf8")).to.include(`--env-file ${envFile} check-config --keys -c ${config}`);
        // A shell's environment: none of the relayer's keys.
        const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("RELAYER_")));
        const withEnv = await runScript(["scripts/relayer.ts", "--env-file", envFile, "check-config", "--keys", "-c", config], clean);
        expect(withEnv.stderr).to.equal("");
        expect(withEnv.code).to.equal(0);
        expect(withEnv.stdout).to.include(`-> ${hardhatAccount(DEV_ACCOUNT_INDEX.submitterBase + 1).address}`);
        expect(withEnv.stdout).to.include(`-> ${hardhatAccount(17).address}`);
        const without = await runScript(["scripts/relayer.ts", "check-config", "--keys", "-c", config], clean);
        expect(without.code).to.equal(1);
        expect(without.stderr).to.include("RELAYER_SUBMITTER_KEY");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("npm run relayer builds only when a source is newer than dist/", async function () {
      ensureRelayerBuildSync(REPO);
      const cli = path.join(REPO, RELAYER_CLI_JS);
      const before = fs.statSync(cli).mtimeMs;
      const r = await runScript(["scripts/relayer.ts", "--help"]);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.include("Allora hub -> EVM oracle relayer");
      expect(r.stderr).to.not.include("rebuilt");
      expect(fs.statSync(cli).mtimeMs).to.equal(before);
      expect(splitEnvFile(["--env-file=a.env", "status"])).to.deep.equal({ envFile: "a.env", rest: ["status"] });
      expect(splitEnvFile(["status", "-c", "x"])).to.deep.equal({ rest: ["status", "-c", "x"] });
    });
  });

  describe("7. a local policy where payment matters", function () {
    it("npm start's relayer waits for a 1 % move or 5 minutes; flags and environment change it", function () {
      expect(startPolicy({})).to.deep.equal({ deviationBps: 100, heartbeatSeconds: 300 });
      expect(START_POLICY).to.deep.equal({ deviationBps: 100, heartbeatSeconds: 300 });
      expect(startPolicy({ deviationBps: "0", heartbeat: "60" })).to.deep.equal({ deviationBps: 0, heartbeatSeconds: 60 });
      process.env.DEVNET_HEARTBEAT_SECONDS = "120";
      try {
        expect(startPolicy({}).heartbeatSeconds).to.equal(120);
      } finally {
        delete process.env.DEVNET_HEARTBEAT_SECONDS;
      }
    });

    it("npm run request reads the policy npm start wrote and says how long the topic would have waited", async function () {
      const dir = tmpDir("policy");
      try {
        writeRelayerConfig(dir, await stoppedManifest(), 3, START_POLICY);
        const policy = devnetPolicy(dir, "base", 1)!;
        expect(policy).to.deep.equal({ deviationBps: 100, heartbeatSeconds: 300 });
        expect(unpaidWait(policy, 1_000n, 1_060)).to.equal(
          "without the payment it would have waited up to 240 s more: the stored value was 60 s old and the relayer " +
            "posts after 300 s (heartbeat), or sooner if the value moves 1 %",
        );
        expect(unpaidWait({ deviationBps: 0, heartbeatSeconds: 60 }, 1_000n, 1_010)).to.match(/posts every new inference/);
        expect(devnetPolicy(path.join(dir, "nowhere"), "base", 1)).to.equal(undefined);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("9. status --json", function () {
    it("gives the hub's and the chains' values in one format: a decimal and the 18-decimal integer, labelled", async function () {
      const manifest = await stoppedManifest();
      const s: StatusSnapshot = {
        at: new Date(0),
        hubHeight: 12n,
        hub: new Map([
          [1, { topicId: 1, value: "3058.9946517561234567891234", height: 12n }],
          [2, { topicId: 2, value: "NaN", height: 12n }],
        ]),
        chains: new Map(
          manifest.chains.map((c) => [
            c.name,
            {
              block: 3,
              topics: new Map([[1, { value: 3058_994651756123456789n, nonce: 12n, timestamp: 1_700_000_000n }]]),
            },
          ]),
        ),
      };
      const json = statusJson(manifest, s) as {
        topics: { hub?: { value: string; fixed18: string | null }; chains: Record<string, { value: string; fixed18: string }> }[];
      };
      expect(json.topics[0].hub).to.deep.equal({
        nonce: "12",
        value: "3058.9946517561234567891234",
        fixed18: "3058994651756123456789",
      });
      expect(json.topics[0].chains.base).to.deep.include({ value: "3058.994651756123456789", fixed18: "3058994651756123456789" });
      expect(json.topics[1].hub).to.deep.equal({ nonce: "12", value: "NaN", fixed18: null });
    });
  });
});
