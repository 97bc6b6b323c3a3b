import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Wallet, encryptKeystoreJson } from "ethers";
import { ConfigError, loadConfig, parseConfig } from "../../relayer/config/load";
import { gasCapOf } from "../../relayer/config/schema";
import { policyFor } from "../../relayer/config/schema";
import { loadWallet } from "../../relayer/config/keys";

const ORACLE = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

function base(): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    redis: { url: "redis://127.0.0.1:6379" },
    hub: { rpcUrls: ["http://127.0.0.1:26657"], chainId: "allora-devnet-1", topics: [1, 2] },
    chains: [
      {
        name: "ethereum",
        chainId: 31337,
        rpcUrls: ["http://127.0.0.1:8545"],
        oracle: ORACLE,
        fees: { strategy: "eip1559", maxFeePerGasGwei: 100, maxPriorityFeePerGasGwei: 2 },
        submitter: { env: "SUBMITTER" },
      },
    ],
    policy: { default: { deviationBps: 50, heartbeatSeconds: 3600 } },
  };
}

function issues(raw: unknown, env: Record<string, string> = {}, dir = os.tmpdir()): string[] {
  try {
    parseConfig(raw, env, "test.yaml", dir);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  return [];
}

describe("relayer config: validation", () => {
  it("accepts a minimal config and fills defaults", () => {
    const c = parseConfig(base(), {}, "t", os.tmpdir());
    expect(c.oracles.ethereum).to.equal(ORACLE);
    expect(c.chains[0].confirmations).to.equal(1);
    expect(c.chains[0].fees.bumpPercent).to.equal(12.5);
    expect(c.chains[0].maxGasPerTx).to.equal(undefined);
    expect(gasCapOf(c.chains[0]), "a full batch of first writes").to.equal(100 * 26_000 + 150_000);
    expect(c.chains[0].maxSpendPerHour).to.equal("1");
    expect(c.redis.prefix).to.equal("allora-relayer");
    expect(c.queue.attempts).to.be.greaterThan(1);
  });

  it("names the field and the fix for each problem", () => {
    const raw = base();
    raw.chains[0].oracle = "0x1234";
    raw.chains[0].fees.strategy = "fast";
    raw.chains[0].fees.bumpPercent = 5;
    raw.hub.topics = [1, 1];
    raw.redis.url = "localhost:6379";
    raw.policy.default.heartbeatSeconds = 0;
    raw.chains[0].maxSpendPerHour = "lots";
    raw.chains[0].maxGasPerTx = 50_000_000;
    const got = issues(raw);
    const has = (re: RegExp) => expect(got.some((l) => re.test(l)), `${re} in\n${got.join("\n")}`).to.equal(true);
    has(/^chains\[0\]\.oracle: must be a 0x-prefixed 20-byte hex address/);
    has(/^chains\[0\]\.fees\.strategy: fees\.strategy must be "eip1559" or "legacy"/);
    has(/^chains\[0\]\.fees\.bumpPercent: bumpPercent must be at least 12\.5/);
    has(/^hub\.topics\[1\]: hub topic 1 is listed twice \(also hub\.topics\[0\]\); topic ids must be unique/);
    has(/^redis\.url: must be a redis:\/\/ or rediss:\/\/ URL/);
    has(/^policy\.default\.heartbeatSeconds/);
    has(/^chains\[0\]\.maxSpendPerHour: maxSpendPerHour is a decimal in ether units, e\.g\. "0\.5"/);
    has(/^chains\[0\]\.maxGasPerTx/);
  });

  it("rejects unknown fields (typos) and a chain without an oracle", () => {
    const raw = base();
    raw.chains[0].confirmation = 3;
    delete raw.chains[0].oracle;
    const got = issues(raw);
    expect(got.join("\n")).to.match(/chains\[0\]: unknown field\(s\) confirmation/);
    expect(got.join("\n")).to.match(/chains\[0\]\.oracle: give either oracle: <address> or deployments:/);
  });

  it("refuses a key written into the file", () => {
    const raw = base();
    raw.chains[0].submitter = { privateKey: KEY };
    const got = issues(raw).join("\n");
    expect(got).to.match(/chains\[0\]\.submitter/);
    expect(got).to.not.include(KEY);
  });

  it("interpolates ${VAR} and ${VAR:-default}, typed, and names unset variables", () => {
    const raw = base();
    raw.redis.url = "${REDIS_URL:-redis://10.0.0.1:6379}";
    raw.http = { port: "${PORT}" };
    raw.chains[0].rpcUrls = ["${ETH_RPC}"];
    expect(issues(raw).sort()).to.deep.equal([
      "http.port: environment variable PORT is not set (export PORT=... or edit the file)",
      "chains[0].rpcUrls[0]: environment variable ETH_RPC is not set (export ETH_RPC=... or edit the file)",
    ].sort());
    const c = parseConfig(raw, { PORT: "9999", ETH_RPC: "https://rpc.example" }, "t", os.tmpdir());
    expect(c.http.port).to.equal(9999);
    expect(c.redis.url).to.equal("redis://10.0.0.1:6379");
    expect(c.chains[0].rpcUrls).to.deep.equal(["https://rpc.example"]);
  });

  it("applies RELAYER_* environment overrides over the file", () => {
    const env = {
      RELAYER_REDIS_URL: "redis://redis:6380",
      RELAYER_HUB_TOPICS: "4, 5",
      RELAYER_HUB_RPC_URLS: "http://a:26657,http://b:26657",
      RELAYER_CHAIN_ETHEREUM_RPC_URLS: "http://x:1,http://y:2",
      RELAYER_CHAIN_ETHEREUM_ORACLE: "0x0000000000000000000000000000000000000001",
      RELAYER_HTTP_PORT: "0",
      RELAYER_LOG_LEVEL: "debug",
    };
    const c = parseConfig(base(), env, "t", os.tmpdir());
    expect(c.redis.url).to.equal("redis://redis:6380");
    expect(c.hub.topics).to.deep.equal([4, 5]);
    expect(c.hub.rpcUrls).to.deep.equal(["http://a:26657", "http://b:26657"]);
    expect(c.chains[0].rpcUrls).to.deep.equal(["http://x:1", "http://y:2"]);
    expect(c.oracles.ethereum).to.equal("0x0000000000000000000000000000000000000001");
    expect(c.http.port).to.equal(0);
    expect(c.log.level).to.equal("debug");
  });

  it("the queue dashboard: off and read-only unless configured; RELAYER_HTTP_DASHBOARD[_PATH] override it", () => {
    const off = parseConfig(base(), {}, "t", os.tmpdir());
    expect(off.http.dashboard).to.deep.equal({ enabled: false, path: "/queues", readOnly: true });
    const raw = base();
    raw.http = { port: 9000, dashboard: { enabled: true } };
    expect(parseConfig(raw, {}, "t", os.tmpdir()).http.dashboard).to.deep.equal({ enabled: true, path: "/queues", readOnly: true });
    const env = { RELAYER_HTTP_DASHBOARD: "true", RELAYER_HTTP_DASHBOARD_PATH: "/ops/bull" };
    expect(parseConfig(base(), env, "t", os.tmpdir()).http.dashboard).to.deep.equal({ enabled: true, path: "/ops/bull", readOnly: true });
    raw.http.dashboard = { enabled: true, readOnly: false };
    expect(parseConfig(raw, { RELAYER_HTTP_DASHBOARD: "0" }, "t", os.tmpdir()).http.dashboard).to.deep.equal({ enabled: false, path: "/queues", readOnly: false });
    // a placeholder that is exactly true/false becomes a boolean
    raw.http.dashboard = { enabled: "${DASH:-false}" };
    expect(parseConfig(raw, { DASH: "true" }, "t", os.tmpdir()).http.dashboard.enabled).to.equal(true);
  });

  it("names the dashboard field that is wrong", () => {
    const raw = base();
    raw.http = { dashboard: { enabled: "yes", path: "queues/", readOnly: "no", title: "x" } };
    const got = issues(raw);
    const has = (re: RegExp) => expect(got.some((l) => re.test(l)), `${re} in\n${got.join("\n")}`).to.equal(true);
    has(/^http\.dashboard\.enabled: must be true or false/);
    has(/^http\.dashboard\.path: must be a URL path such as \/queues/);
    has(/^http\.dashboard\.readOnly: must be true or false/);
    has(/^http\.dashboard: unknown field\(s\) title/);
    raw.http = { dashboard: { enabled: true, path: "/metrics" } };
    expect(issues(raw)).to.deep.equal(["http.dashboard.path: must not be one of the server's own endpoints (/metrics, /healthz, /status, /explorer, /v1); e.g. /queues"]);
    raw.http = { dashboard: { path: "/status/queues" } };
    expect(issues(raw)[0]).to.match(/^http\.dashboard\.path: must not be one of the server's own endpoints/);
    raw.http = { dashboard: { path: "/explorer" } };
    expect(issues(raw)[0]).to.match(/^http\.dashboard\.path: must not be one of the server's own endpoints/);
    expect(issues(base(), { RELAYER_HTTP_DASHBOARD: "on" })).to.deep.equal(["http.dashboard.enabled: must be true or false (or set RELAYER_HTTP_DASHBOARD=true|false)"]);
    raw.http = { dashboard: true };
    expect(issues(raw, { RELAYER_HTTP_DASHBOARD: "true" })[0]).to.match(/^http\.dashboard: /);
  });

  it("reads the oracle from a deployments file and checks its chain id", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "relayer-cfg-"));
    fs.writeFileSync(path.join(dir, "eth.json"), JSON.stringify({ network: "x", chainId: 31337, contracts: { AlloraOracle: { address: ORACLE, blockNumber: 3 } } }));
    fs.writeFileSync(path.join(dir, "wrong.json"), JSON.stringify({ chainId: 1, contracts: { AlloraOracle: { address: ORACLE } } }));
    const raw = base();
    delete raw.chains[0].oracle;
    raw.chains[0].deployments = "eth.json";
    expect(parseConfig(raw, {}, "t", dir).oracles.ethereum).to.equal(ORACLE);
    raw.chains[0].deployments = "wrong.json";
    expect(issues(raw, {}, dir).join()).to.match(/chains\[0\]\.deployments: .*chain id 1 but chains\[0\]\.chainId is 31337/);
    raw.chains[0].deployments = "missing.json";
    expect(issues(raw, {}, dir).join()).to.match(/chains\[0\]\.deployments: cannot read .*missing\.json.*deploy first/);
  });

  it("checks policy overrides against chains and topics; the last matching override wins per field", () => {
    const raw = base();
    raw.policy.overrides = [{ chain: "solana" }, { topic: 9 }];
    expect(issues(raw)).to.deep.equal([
      'policy.overrides[0].chain: no chain named "solana" (known: ethereum)',
      "policy.overrides[1].topic: topic 9 is not in hub.topics",
    ]);
    raw.policy.overrides = [{ deviationBps: 10 }, { chain: "ethereum", topic: 2, heartbeatSeconds: 60 }];
    const c = parseConfig(raw, {}, "t", os.tmpdir());
    expect(policyFor(c, "ethereum", 1)).to.deep.equal({ deviationBps: 10, heartbeatSeconds: 3600 });
    expect(policyFor(c, "ethereum", 2)).to.deep.equal({ deviationBps: 10, heartbeatSeconds: 60 });
  });

  it("the shipped example configs are valid given their environment", () => {
    const dep = fs.mkdtempSync(path.join(os.tmpdir(), "relayer-dep-"));
    for (const [n, id] of [["ethereumLocal", 31337], ["bnbLocal", 31338], ["baseLocal", 31339]] as const) {
      fs.writeFileSync(path.join(dep, `${n}.json`), JSON.stringify({ chainId: id, contracts: { AlloraOracle: { address: ORACLE } } }));
    }
    const local = loadConfig("relayer/config/local.yaml", { RELAYER_DEPLOYMENTS_DIR: dep });
    expect(local.chains.map((c) => c.name)).to.deep.equal(["ethereum", "bnb", "base"]);
    expect(local.http.dashboard).to.deep.equal({ enabled: true, path: "/queues", readOnly: true });
    const env: Record<string, string> = { REDIS_URL: "redis://r:6379", ATTESTER_KEYSTORE: "/k/a.json", HUB_RPC_URL: "https://hub.example:26657" };
    for (const v of ["ETHEREUM", "BNB", "BASE", "SEPOLIA", "BNB_TESTNET", "BASE_SEPOLIA"]) env[`${v}_RPC_URL`] = "https://rpc.example";
    for (const v of ["ETHEREUM", "BNB", "BASE"]) env[`${v}_SUBMITTER_KEYSTORE`] = "/k/s.json";
    env.SUBMITTER_KEYSTORE = "/k/s.json";
    for (const n of ["ETHEREUM", "BNB", "BASE", "SEPOLIA", "BNB_TESTNET", "BASE_SEPOLIA"]) env[`RELAYER_CHAIN_${n}_ORACLE`] = ORACLE;
    for (const [file, chainId] of [["mainnet", "allora-mainnet-1"], ["testnet", "allora-testnet-1"]]) {
      const c = loadConfig(`relayer/config/${file}.yaml`, env);
      expect(c.hub.chainId).to.equal(chainId);
      // their port is exposed (host 0.0.0.0): no dashboard unless asked for, and then read-only
      expect(c.http.dashboard, file).to.deep.equal({ enabled: false, path: "/queues", readOnly: true });
      // turning it on there without a token is refused: the port is reachable from outside
      expect(() => loadConfig(`relayer/config/${file}.yaml`, { ...env, RELAYER_HTTP_DASHBOARD: "true" }), file).to.throw(/http\.dashboard: .* needs http\.dashboard\.tokenEnv/);
    }
  });

  describe("transfers.destinations", () => {
    /** A transfers section that passes on its own (an escrow of one member), with the given deposit schedule. */
    function withDestinations(destinations: { chainId: number; enabled: boolean; fromHeight: number }[]): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
      const raw = base();
      const member = Buffer.concat([Buffer.from([2]), Buffer.alloc(32, 7)]).toString("base64");
      raw.transfers = {
        startHeight: 1,
        escrow: { address: `allo1${"q".repeat(38)}`, threshold: 1, members: [member], fee: { amount: "3000000", gas: "300000" } },
        bridges: { ethereum: { address: ORACLE } },
        destinations,
      };
      return raw;
    }

    it("accepts one rule per chain and height: a chain's later change, and other chains from the same height", () => {
      const schedule = [
        { chainId: 31337, enabled: true, fromHeight: 0 },
        { chainId: 31337, enabled: false, fromHeight: 10 },
        { chainId: 8453, enabled: true, fromHeight: 10 },
      ];
      expect(issues(withDestinations(schedule))).to.deep.equal([]);
    });

    it("refuses two rules of one chain from the same height, naming both entries and the fix", () => {
      // the second rule of the pair would win only by its place in the list (destinationAt takes the later one)
      const schedule = [
        { chainId: 31337, enabled: true, fromHeight: 0 },
        { chainId: 31337, enabled: false, fromHeight: 10 },
        { chainId: 8453, enabled: true, fromHeight: 10 },
        { chainId: 31337, enabled: true, fromHeight: 10 },
      ];
      expect(issues(withDestinations(schedule))).to.deep.equal([
        "transfers.destinations[3].fromHeight: chain 31337 has two rules from hub height 10 (also destinations[1]), so which one applies is unclear; " +
          "keep one of them, or give the change a later fromHeight",
      ]);
      // the same pair with the same content is refused too: a copy-paste slip, harmless today, is still a second rule
      expect(issues(withDestinations([schedule[0], schedule[0]]))).to.have.length(1);
    });
  });
});

describe("relayer config: keys", () => {
  it("loads a hex key from an environment variable and explains a bad one without echoing it", async () => {
    const w = await loadWallet({ env: "K" }, "attesters[0]", ".", { K: KEY });
    expect(w.address).to.equal(new Wallet(KEY).address);
    await loadWallet({ env: "K" }, "attesters[0]", ".", {}).then(
      () => expect.fail("should throw"),
      (e) => expect(e.message).to.equal("attesters[0]: environment variable K is not set (export K=0x<64 hex digits>)"),
    );
    await loadWallet({ env: "K" }, "attesters[0]", ".", { K: "0x1234zz" }).then(
      () => expect.fail("should throw"),
      (e) => expect(e.message).to.match(/does not hold a 32-byte hex private key/).and.not.include("1234zz"),
    );
  });

  it("decrypts an encrypted JSON keystore with the password from the environment", async function () {
    this.timeout(120_000);
    const w = new Wallet(KEY);
    const json = await encryptKeystoreJson({ address: w.address, privateKey: w.privateKey }, "pw", { scrypt: { N: 1024 } });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "relayer-ks-"));
    fs.writeFileSync(path.join(dir, "k.json"), json, { mode: 0o600 });
    const got = await loadWallet({ keystore: "k.json", passwordEnv: "PW" }, "chains[0].submitter", dir, { PW: "pw" });
    expect(got.address).to.equal(w.address);
    await loadWallet({ keystore: "k.json", passwordEnv: "PW" }, "chains[0].submitter", dir, { PW: "nope" }).then(
      () => expect.fail("should throw"),
      (e) => expect(e.message).to.match(/chains\[0\]\.submitter: cannot decrypt keystore .*check PW/),
    );
  });
});

describe("relayer CLI: check-config", function () {
  this.timeout(120_000);
  it("exits 1 with one line per problem naming the field, and 0 for a valid file", async () => {
    const { spawnSync } = await import("node:child_process");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "relayer-cli-"));
    const bad = base();
    bad.chains[0].fees.strategy = "fast";
    fs.writeFileSync(path.join(dir, "bad.yaml"), JSON.stringify(bad));
    fs.writeFileSync(path.join(dir, "good.yaml"), JSON.stringify(base()));
    const run = (file: string, ...extra: string[]) =>
      spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "relayer/cli.ts", "check-config", "-c", file, ...extra], {
        cwd: path.resolve(__dirname, "../.."),
        env: { ...process.env, SUBMITTER: KEY },
        encoding: "utf8",
      });
    const r1 = run(path.join(dir, "bad.yaml"));
    expect(r1.status).to.equal(1);
    expect(r1.stderr).to.match(/chains\[0\]\.fees\.strategy: fees\.strategy must be "eip1559" or "legacy"/);
    const r2 = run(path.join(dir, "good.yaml"), "--keys");
    expect(r2.status, r2.stderr).to.equal(0);
    expect(r2.stdout).to.include(`chains[0].submitter env SUBMITTER -> ${new Wallet(KEY).address}`);
    expect(r2.stdout + r2.stderr).to.not.include(KEY.slice(2));
  });
});
