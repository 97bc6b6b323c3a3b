/**
 * The pure and local parts of the issue 19 hardening: config safety rules for mainnet chain ids (findings
 * 3, 6, 9), keystore permissions and key scrubbing, log sanitising, corrupt-state detectors, the hub
 * progress check, recurring-task error reporting and the process-level handlers.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { Writable } from "node:stream";
import { Wallet, encryptKeystoreJson } from "ethers";
import { ConfigError, parseConfig } from "../../relayer/config/load";
import { isLoopbackHost } from "../../relayer/config/safety";
import { loadWallet, scrubKeyEnv } from "../../relayer/config/keys";
import { createLogger, sanitize } from "../../relayer/log";
import { redactUrl, shortenHex } from "../../relayer/redact";
import { corruptCheckpoint } from "../../relayer/hub/checkpoint";
import { corruptClaim } from "../../relayer/queue/scheduler";
import { corruptReason } from "../../relayer/queue/quarantine";
import { HubProgress, hubStallLimitMs, withHubProgress } from "../../relayer/health/health";
import { background, every } from "../../relayer/tasks";
import { captureLogger, ROOT } from "./helpers";

const ORACLE = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"; // PUBLIC Hardhat account 0

function mainnet(): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    redis: { url: "redis://127.0.0.1:6379" },
    hub: { rpcUrls: ["https://hub.operator.example:26657"], chainId: "allora-mainnet-1", topics: [1] },
    chains: [
      {
        name: "ethereum",
        chainId: 1,
        rpcUrls: ["https://eth.example"],
        oracle: ORACLE,
        confirmations: 15,
        fees: { strategy: "eip1559", maxFeePerGasGwei: 100, maxPriorityFeePerGasGwei: 2 },
        submitter: { keystore: "/k/s.json", passwordEnv: "PW" },
      },
    ],
    policy: { default: { deviationBps: 50, heartbeatSeconds: 3600 } },
    attesters: [{ keystore: "/k/a.json", passwordEnv: "PW" }],
    http: { host: "0.0.0.0", port: 9464 },
  };
}

function issues(raw: unknown): string[] {
  try {
    parseConfig(raw, {}, "test.yaml", os.tmpdir());
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  return [];
}

describe("relayer hardening (issue 19): config safety for mainnet chain ids", () => {
  it("accepts a mainnet config with its own hub node, keystores and confirmations", () => {
    expect(issues(mainnet())).to.deep.equal([]);
  });

  it("refuses an attester on the shared public hub node for a mainnet hub, and says why", () => {
    const raw = mainnet();
    raw.hub.rpcUrls = ["https://allora-rpc.mainnet.allora.network"];
    const got = issues(raw);
    expect(got).to.have.length(1);
    expect(got[0]).to.match(/^hub\.rpcUrls\[0\]: an attester on allora-mainnet-1 may not use the shared public node allora-rpc\.mainnet\.allora\.network: .* run your own hub node/);
    // a submit-only instance may read it (it signs nothing), and a testnet attester may too
    expect(issues({ ...raw, attesters: [] })).to.deep.equal([]);
    expect(issues({ ...raw, hub: { ...raw.hub, chainId: "allora-testnet-1" } })).to.deep.equal([]);
  });

  it("refuses plain hex keys and zero confirmations on mainnet chain ids, accepts them on test chains", () => {
    const raw = mainnet();
    raw.attesters = [{ env: "ATTESTER_KEY" }];
    raw.chains[0].submitter = { env: "SUBMITTER_KEY" };
    raw.chains[0].confirmations = 0;
    const got = issues(raw).join("\n");
    expect(got).to.match(/attesters\[0\]: a plain hex key in ATTESTER_KEY is not accepted for allora-mainnet-1; use \{ keystore/);
    expect(got).to.match(/chains\[0\]\.submitter: a plain hex key in SUBMITTER_KEY is not accepted for mainnet chain id 1/);
    expect(got).to.match(/chains\[0\]\.confirmations: 0 is not accepted for mainnet chain id 1/);
    raw.hub.chainId = "allora-testnet-1";
    raw.chains[0].chainId = 11155111;
    expect(issues(raw)).to.deep.equal([]);
  });

  it("caps maxFeePerGasGwei", () => {
    const raw = mainnet();
    raw.chains[0].fees.maxFeePerGasGwei = 50_000;
    expect(issues(raw).join("\n")).to.match(/chains\[0\]\.fees\.maxFeePerGasGwei: must be at most 10000 gwei/);
  });

  it("refuses the dashboard on a non-loopback address without a token", () => {
    const raw = mainnet();
    raw.http.dashboard = { enabled: true };
    expect(issues(raw).join("\n")).to.match(/http\.dashboard: .* on 0\.0\.0\.0 \(not loopback\) it needs http\.dashboard\.tokenEnv/);
    expect(issues({ ...raw, http: { host: "0.0.0.0", dashboard: { enabled: true, tokenEnv: "DASH_TOKEN" } } })).to.deep.equal([]);
    expect(issues({ ...raw, http: { host: "127.0.0.1", dashboard: { enabled: true } } })).to.deep.equal([]);
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) expect(isLoopbackHost(h), h).to.equal(true);
    for (const h of ["0.0.0.0", "::", "10.0.0.5", "128.0.0.1", "example.com"]) expect(isLoopbackHost(h), h).to.equal(false);
  });
});

describe("relayer hardening (issue 19): keys", () => {
  it("refuses a keystore others can read, naming the fix", async function () {
    this.timeout(60_000);
    const w = new Wallet(KEY);
    const json = await encryptKeystoreJson({ address: w.address, privateKey: w.privateKey }, "pw", { scrypt: { N: 1024 } });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "relayer-ks-"));
    const file = path.join(dir, "k.json");
    fs.writeFileSync(file, json, { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    await loadWallet({ keystore: "k.json", passwordEnv: "PW" }, "attesters[0]", dir, { PW: "pw" }).then(
      () => expect.fail("a 0644 keystore was accepted"),
      (e) => expect(e.message).to.equal(`attesters[0]: keystore ${file} is readable or writable by others (mode 0644); chmod 600 ${file}`),
    );
    fs.chmodSync(file, 0o600);
    expect((await loadWallet({ keystore: "k.json", passwordEnv: "PW" }, "attesters[0]", dir, { PW: "pw" })).address).to.equal(w.address);
  });

  it("scrubs key and password variables from the environment once loaded", () => {
    const env: Record<string, string | undefined> = { A: KEY, PW: "pw", OTHER: "stays" };
    expect(scrubKeyEnv([{ env: "A" }, { keystore: "k.json", passwordEnv: "PW" }, { keystore: "l.json", passwordEnv: "PW" }], env).sort()).to.deep.equal(["A", "PW"]);
    expect(env).to.deep.equal({ OTHER: "stays" });
  });
});

describe("relayer hardening (issue 19): logs", () => {
  const rawTx = "0x02f9" + "ab".repeat(600);

  it("redacts secret fields at any depth, shortens long hex, and cuts URLs in errors to their host", () => {
    const got = sanitize({ a: { b: { c: { privateKey: KEY, password: "pw", nested: [{ token: "t" }] } } }, tx: rawTx, hash: "0x" + "12".repeat(32) }) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(got.a.b.c).to.deep.equal({ privateKey: "[redacted]", password: "[redacted]", nested: [{ token: "[redacted]" }] });
    expect(got.tx).to.equal(`${rawTx.slice(0, 12)}…(602 bytes)`);
    expect(got.hash).to.equal("0x" + "12".repeat(32)); // a hash stays whole
    const err = Object.assign(new Error(`could not send (transaction="${rawTx}", url="https://mainnet.infura.io/v3/0123456789abcdef")`), {
      code: "SERVER_ERROR",
      transaction: { data: rawTx },
      info: { requestUrl: "https://mainnet.infura.io/v3/0123456789abcdef" },
    });
    const text = JSON.stringify(sanitize({ err }));
    expect(text).to.not.include("0123456789abcdef");
    expect(text).to.not.include("ab".repeat(100));
    expect(text).to.include("https://mainnet.infura.io/…");
    expect(text).to.include('"code":"SERVER_ERROR"');
  });

  it("the relayer's logger applies it to every line", () => {
    const lines: string[] = [];
    const log = createLogger("info", "t", new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) as never);
    log.info({ wallet: { signer: { privateKey: KEY } } }, "x");
    log.error(new Error(`boom ${rawTx}`));
    expect(lines.join("")).to.not.include(KEY.slice(2));
    expect(lines.join("")).to.not.include("ab".repeat(100));
    expect(JSON.parse(lines[1]).err.message).to.match(/^boom 0x02f9ab/);
  });

  it("redactUrl keeps scheme and host only", () => {
    expect(redactUrl("https://user:pw@rpc.example:8545/v3/KEY?apikey=1")).to.equal("https://rpc.example:8545/…");
    expect(redactUrl("http://127.0.0.1:8545")).to.equal("http://127.0.0.1:8545");
    expect(redactUrl("not a url")).to.equal("(unparsable url)");
    expect(shortenHex("0x" + "a".repeat(132))).to.equal("0x" + "a".repeat(132));
  });
});

describe("relayer hardening (issue 19): corrupt state detectors", () => {
  it("a claim above the hub head or stamped in the future is corrupt", () => {
    const claim = (nonce: bigint, timestamp = 1_700_000_000) => ({ nonce, timestamp, value: 1n, jobId: "j", raw: "" });
    const now = 1_700_000_100;
    expect(corruptClaim(claim(100n), 100, now)).to.equal(undefined);
    expect(corruptClaim(claim(999999999999n), 100, now)).to.equal("nonce 999999999999 is above the hub head 100");
    expect(corruptClaim(claim(100n, now + 3_601), 100, now)).to.match(/in the future/);
    expect(corruptClaim(claim(100n, NaN), 100, now)).to.match(/in the future/);
  });

  it("a checkpoint above the hub head (beyond the slack) or not a height is corrupt", () => {
    expect(corruptCheckpoint("100", 100)).to.equal(undefined);
    expect(corruptCheckpoint("101", 100)).to.equal("101 is above the hub head 100");
    expect(corruptCheckpoint("150", 100, 100)).to.equal(undefined);
    expect(corruptCheckpoint("abc", 100)).to.match(/is not a block height/);
    expect(corruptCheckpoint("1e99", 100)).to.match(/is not a block height/);
  });

  it("a stored job is unreadable when its data or opts do not parse as a post job", () => {
    expect(corruptReason({ data: JSON.stringify({ reports: [] }), opts: "{}" })).to.equal(undefined);
    expect(corruptReason({ data: "{not json" })).to.equal("data is not JSON");
    expect(corruptReason({ data: "[1]" })).to.equal("data is not a JSON object");
    expect(corruptReason({ data: "{}" })).to.equal("data has no reports array");
    expect(corruptReason({ data: JSON.stringify({ reports: [] }), opts: "x" })).to.equal("opts is not JSON");
    expect(corruptReason({ name: "post" })).to.equal("job hash has no data field");
  });

  it("the hub follower counts as stalled only while behind without progress", () => {
    const p = new HubProgress(100, 0);
    expect(p.stalledMs(100, 60_000)).to.equal(0); // caught up
    p.sample(100, 60_000);
    expect(p.stalledMs(101, 61_000)).to.equal(1_000); // behind since the last sample
    p.processed(101, 62_000);
    expect(p.stalledMs(101, 99_000)).to.equal(0);
    expect(p.stalledMs(150, 99_000)).to.equal(37_000);
    const limit = hubStallLimitMs(1_000, 60);
    expect(limit).to.equal(60_000);
    expect(withHubProgress({ ok: true, stale: [] }, 61_000, limit)).to.deep.include({ ok: false, hub: { stalledSeconds: 61, limitSeconds: 60 } });
    expect(withHubProgress({ ok: true, stale: [] }, 1_000, limit).ok).to.equal(true);
  });
});

describe("relayer hardening (issue 19): background work and process handlers", () => {
  it("every() logs a failed run and keeps going; background() logs a rejection", async () => {
    const { log, lines } = captureLogger();
    let runs = 0;
    let thirdRun!: () => void;
    const third = new Promise<void>((r) => (thirdRun = r));
    const loop = every(log, "flaky task", 20, async () => {
      runs++;
      if (runs === 3) thirdRun();
      if (runs === 1) throw new Error("first run fails");
    }, { runNow: true });
    await third; // runs on after the failed first run
    loop.stop();
    expect(runs).to.equal(3);
    expect(lines.filter((l) => l.msg === "flaky task failed")).to.have.length(1);
    background(log, "side job", async () => Promise.reject(new Error("nope")), { chain: "x" });
    while (!lines.some((l) => l.msg === "side job failed")) await new Promise((r) => setImmediate(r)); // logged once the rejection is seen
    expect(lines.find((l) => l.msg === "side job failed")).to.include({ chain: "x", level: 50 });
  });

  it("a stray rejection is logged and the process goes on; an uncaught exception exits 1", function () {
    this.timeout(60_000);
    const script = (body: string) =>
      spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", `const { installProcessHandlers } = require("./relayer/tasks"); const pino = require("pino"); installProcessHandlers(pino()); ${body}`], {
        cwd: ROOT,
        encoding: "utf8",
      });
    // The handlers run before any timer: a rejection is reported once the script's microtasks are done, and
    // the 10 ms timer that throws always fires before the 2 s one that would exit 0. The timers are there to
    // show the process living on, not to wait for anything.
    const rejected = script(`Promise.reject(new Error("stray")); setTimeout(() => { console.log("still running"); process.exit(0); }, 200);`);
    expect(rejected.status, rejected.stderr).to.equal(0);
    expect(rejected.stdout).to.include('"alert":"unhandled_rejection"').and.include("still running");
    const thrown = script(`setTimeout(() => { throw new Error("boom"); }, 10); setTimeout(() => process.exit(0), 2000);`);
    expect(thrown.status).to.equal(1);
    expect(thrown.stdout).to.include('"alert":"uncaught_exception"');
  });
});
