/**
 * End to end: the `allo` command line as a child process (bin/allo.js, as `npx allo` runs it) against the
 * local network (hub devnet, three Hardhat chains, the relayer on a real Redis):
 *
 * 1. hub -> EVM and EVM -> hub bridges with --yes --json reach delivered / released, with the stage events;
 *    EVM -> EVM in plain text (not a terminal);
 * 2. `allo track` of them with the relayer stopped (chain and hub data alone); a send with the relayer stopped
 *    stops following at --timeout with exit 4 and how to resume, and `allo balance` shows it in flight;
 * 3. `allo balance` matches the chains and the hub; `allo transfers`, `allo feeds`, `allo status`;
 * 4. refused input: a bad bech32 checksum, over the balance, an unknown chain: exit 2, a message naming the
 *    problem and the fix, nothing sent.
 *
 * Ports, state directory and Redis namespace are this file's own.
 */
import { expect } from "chai";
import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { ethers } from "ethers";
import { Secp256k1HdWallet } from "@cosmjs/amino";
import { StargateClient } from "@cosmjs/stargate";
import { LocalNetwork, startLocalNetwork } from "../../scripts/devnet/network";
import { resolveOptions } from "../../scripts/devnet/options";
import { RelayerHandle } from "../../scripts/devnet/relayer";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../../scripts/lib/dev-keys";
import { deleteRedisNamespace } from "../../scripts/lib/redis";
import { mnemonicOf } from "../devnet/helpers";
import { until } from "./helpers";

const ALLO = 10n ** 18n;
const E2E_ENV = { DEVNET_ETHEREUM_CHAIN_ID: "31337", DEVNET_BNB_CHAIN_ID: "31338", DEVNET_BASE_CHAIN_ID: "31339" };
const STATE_DIR = ".devnet/e2e-allo-cli";
const ROOT = path.resolve(__dirname, "../..");
const TOKEN_ABI = ["function balanceOf(address) view returns (uint256)"];

interface Run {
  code: number;
  out: string;
  err: string;
  events: Record<string, unknown>[];
}

/** Runs `allo …` as a user would, on this test's network, without colour. */
function allo(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["bin/allo.js", "--state-dir", STATE_DIR, ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", ...env }, timeout: 240_000 },
      (e, out, err) => {
        const events = out
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err, events });
      },
    );
  });
}

describe("e2e: the allo CLI on the local network", function () {
  let net: LocalNetwork;
  let stopNetwork: (() => Promise<void>) | undefined;
  let relayer: RelayerHandle | undefined;
  let hubQuery: StargateClient;
  const providers: ethers.JsonRpcProvider[] = [];
  const user = hardhatAccount(DEV_ACCOUNT_INDEX.user);
  const log = (line: string): void => console.log(`      ${line}`);
  let alice = "";
  let hubRecipient = "";
  let depositTx = "";
  let evmToHubId = "";

  const tokenOn = (name: string) => {
    const c = net.manifest.chains.find((x) => x.name === name)!;
    const provider = new ethers.JsonRpcProvider(c.rpc, c.chainId, { staticNetwork: true, cacheTimeout: -1 });
    providers.push(provider);
    return new ethers.Contract(c.contracts.token, TOKEN_ABI, provider);
  };

  before(async function () {
    for (const [k, v] of Object.entries(E2E_ENV)) process.env[k] = v;
    const opts = resolveOptions({
      chainPorts: "22545,22546,22547",
      hubPort: "22657",
      metricsPort: "22464",
      stateDir: STATE_DIR,
      topics: "1",
      blockTime: "1000",
      hubBlockTime: "1000",
      relayer: false,
    });
    net = await startLocalNetwork(opts, { log, onStopAvailable: (stop) => (stopNetwork = stop) });
    hubQuery = await StargateClient.connect(net.manifest.hub.rpc);
    relayer = net.startRelayer(1);
    await relayer.ready(90_000);
    alice = (await (await Secp256k1HdWallet.fromMnemonic(mnemonicOf("alice"), { prefix: "allo" })).getAccounts())[0].address;
    hubRecipient = (await (await Secp256k1HdWallet.generate(12, { prefix: "allo" })).getAccounts())[0].address;
  });

  after(async function () {
    relayer?.log.close();
    hubQuery?.disconnect();
    for (const p of providers) p.destroy();
    await stopNetwork?.();
    if (net) await deleteRedisNamespace(net.manifest.redis, net.manifest.namespace);
  });

  it("1. bridges hub -> base and base -> hub with --yes --json, bnb -> ethereum in plain text, through every stage", async function () {
    const base = tokenOn("base");
    const before = (await base.balanceOf(user.address)) as bigint;
    const t0 = Date.now();
    const down = await allo(["bridge", "--from", "hub", "--to", "base", "--amount", "3.25", "--yes", "--json", "--timeout", "120"]);
    expect(down.code, down.err).to.equal(0);
    const kinds = down.events.map((e) => e.event);
    expect(kinds[0]).to.equal("quote");
    expect(down.events[0]).to.include({ send: (325n * ALLO / 100n).toString(), receive: (325n * ALLO / 100n).toString() });
    expect(kinds).to.include("submitted");
    expect(kinds.at(-1)).to.equal("final");
    const stages = down.events.filter((e) => e.event === "stage" && e.done).map((e) => e.stage);
    expect(stages).to.include.members(["sent", "confirmed", "attested", "delivered"]);
    const attested = down.events.filter((e) => e.event === "stage" && e.stage === "attested").at(-1)!;
    expect(attested.detail).to.match(/^\d+\/\d+ attesters signed/);
    depositTx = down.events.find((e) => e.event === "submitted")!.txHash as string;
    expect(depositTx).to.match(/^[0-9A-F]{64}$/);
    expect((await base.balanceOf(user.address)) as bigint).to.equal(before + (325n * ALLO) / 100n);
    log(`hub -> base delivered, the CLI returned after ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const t1 = Date.now();
    const up = await allo(["bridge", "--from", "base", "--to", "hub", "--amount", "1.5", "--to-address", hubRecipient, "--yes", "--json", "--timeout", "120"]);
    expect(up.code, up.err).to.equal(0);
    const final = up.events.at(-1)!;
    expect(final.event).to.equal("final");
    evmToHubId = final.transferId as string;
    const upStages = up.events.filter((e) => e.event === "stage" && e.done).map((e) => e.stage);
    expect(upStages).to.include.members(["sent", "confirmed", "released"]);
    expect((await hubQuery.getBalance(hubRecipient, "uallo")).amount).to.equal(((15n * ALLO) / 10n).toString());
    log(`base -> hub released, the CLI returned after ${((Date.now() - t1) / 1000).toFixed(1)} s`);

    // EVM -> EVM without --json, not on a terminal: the quote on stderr, one plain line per stage on stdout.
    const eth = tokenOn("ethereum");
    const ethBefore = (await eth.balanceOf(user.address)) as bigint;
    const across = await allo(["bridge", "--from", "bnb", "--to", "ethereum", "--amount", "0.75", "--yes", "--timeout", "120"]);
    expect(across.code, across.err).to.equal(0);
    expect(across.err).to.match(/bnb -> ethereum: 0x[0-9a-fA-F]{40} -> 0x/);
    expect(across.err).to.match(/you receive\s+0\.75 ALLO/);
    expect(across.err).to.match(/expected time about \d+ s/);
    expect(across.out).to.match(/^✔ sent burned on bnb/m);
    expect(across.out).to.match(/^✔ delivered minted on ethereum/m);
    expect((await eth.balanceOf(user.address)) as bigint).to.equal(ethBefore + (75n * ALLO) / 100n);
  });

  it("1b. Ctrl-C stops following, never the transfer, and says how to resume", async function () {
    // Hold the relayer (SIGSTOP) so that the transfer cannot finish before the Ctrl-C lands: on a busy machine
    // it was sometimes delivered before this test process got to send the signal (exit 0 instead of 130).
    relayer!.child.signal("SIGSTOP");
    let held = true;
    const release = () => {
      if (held) relayer!.child.signal("SIGCONT");
      held = false;
    };
    try {
      const child = spawn(process.execPath, ["bin/allo.js", "--state-dir", STATE_DIR, "bridge", "--from", "hub", "--to", "bnb", "--amount", "0.25", "--yes", "--json"], {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: "1" },
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const exited = new Promise<string>((resolve) => child.on("exit", (code, signal) => resolve(`code ${code}, signal ${signal}`)));
      await until("the deposit submitted", async () => (out.includes('"event":"submitted"') ? true : undefined), 60_000, 100);
      child.kill("SIGINT");
      // (what it printed names the cause if it ended otherwise)
      expect(await exited, `stdout: ${out}\nstderr: ${err}`).to.equal("code 130, signal null");
      expect(err).to.match(/stopped following \(the transfer itself goes on\)/);
      const submitted = JSON.parse(out.split("\n").find((l) => l.includes('"event":"submitted"'))!) as { txHash: string };
      expect(err).to.contain(`allo track ${submitted.txHash} --state-dir ${STATE_DIR}`);
      release();
      // The transfer goes on without the CLI: resume following it to the end.
      const resumed = await allo(["track", submitted.txHash, "--follow", "--json", "--timeout", "120"]);
      expect(resumed.code, resumed.err).to.equal(0);
      expect(resumed.events.at(-1)!.event).to.equal("final");
    } finally {
      release();
    }
  });

  it("2. tracks transfers with the relayer stopped; a send it cannot finish exits 4 with how to resume, and shows in flight", async function () {
    relayer!.child.signal("SIGTERM");
    await relayer!.child.exited;
    relayer!.log.close();
    relayer = undefined;

    const byId = await allo(["track", evmToHubId]);
    expect(byId.code, byId.err).to.equal(0);
    expect(byId.out).to.match(/base->hub\s+1\.5 ALLO/);
    expect(byId.out).to.match(/✔ released/);
    const byHubTx = await allo(["track", depositTx, "--json"]);
    expect(byHubTx.code, byHubTx.err).to.equal(0);
    expect(byHubTx.events.filter((e) => e.event === "stage").map((e) => [e.stage, e.done])).to.deep.include(["delivered", true]);

    const stuck = await allo(["bridge", "--from", "ethereum", "--to", "hub", "--amount", "0.5", "--to-address", hubRecipient, "--yes", "--json", "--timeout", "4"]);
    expect(stuck.code, stuck.err).to.equal(4);
    expect(stuck.err).to.match(/not final yet/);
    expect(stuck.err).to.match(/allo track 0x[0-9a-f]{64} --state-dir/);
    const sent = stuck.events.find((e) => e.event === "submitted")!;
    const inFlight = await allo(["balance", hubRecipient, "--json"]);
    expect(inFlight.code, inFlight.err).to.equal(0);
    const j = inFlight.events[0] as { inFlight: { route: string; amount: string; ref: string }[] };
    expect(j.inFlight.map((f) => [f.route, f.amount])).to.deep.equal([["ethereum->hub", "0.5"]]);
    const pending = await allo(["track", sent.txHash as string]);
    expect(pending.code, pending.err).to.equal(0);
    expect(pending.out).to.match(/… released/);
  });

  it("3. shows balances on the hub and every chain; lists transfers, feeds and status", async function () {
    const r = await allo(["balance", user.address, alice, "--json"]);
    expect(r.code, r.err).to.equal(0);
    const { balances } = r.events[0] as { balances: { address: string; where: string; base: string }[] };
    for (const name of ["ethereum", "bnb", "base"]) {
      const row = balances.find((b) => b.address === user.address && b.where === name)!;
      expect(row.base).to.equal(((await tokenOn(name).balanceOf(user.address)) as bigint).toString());
    }
    const hubRow = balances.find((b) => b.address === alice && b.where === "hub")!;
    expect(hubRow.base).to.equal((await hubQuery.getBalance(alice, "uallo")).amount);
    const listed = await allo(["transfers", "--address", hubRecipient, "--json"]);
    expect(listed.code, listed.err).to.equal(0);
    // oldest first: the base -> hub release of test 1, then the ethereum -> hub send left in flight in test 2
    expect(listed.events.map((e) => [e.route, e.stage])).to.deep.equal([
      ["base->hub", "done"],
      ["ethereum->hub", "confirmed, waiting"],
    ]);
    const feeds = await allo(["feeds", "--json"]);
    expect(feeds.code, feeds.err).to.equal(0);
    expect(feeds.events.map((e) => [e.topic, e.chain])).to.deep.equal([[1, "ethereum"], [1, "bnb"], [1, "base"]]);
    expect(feeds.events.every((e) => /^0x[0-9a-fA-F]{40}$/.test(e.oracle as string))).to.equal(true);
    const status = await allo(["status", "--json"]);
    expect(status.code, status.err).to.equal(0);
    expect(status.events).to.have.length(1);
    const table = await allo(["balance", user.address]);
    expect(table.out).to.match(/base/);
    expect(table.out).not.to.contain("\u001b["); // NO_COLOR and not a TTY: no escape codes
  });

  it("4. refuses bad input with the problem, the fix and exit code 2, sending nothing", async function () {
    const before = (await tokenOn("base").balanceOf(user.address)) as bigint;
    const typo = hubRecipient.slice(0, -1) + (hubRecipient.endsWith("q") ? "p" : "q");
    const bad = await allo(["bridge", "--from", "base", "--to", "hub", "--amount", "1", "--to-address", typo, "--yes"]);
    expect(bad.code).to.equal(2);
    expect(bad.err).to.match(/not a valid bech32 address: its checksum does not match/);
    expect(bad.err).to.match(/fix: copy the allo1/);
    const over = await allo(["bridge", "--from", "base", "--to", "hub", "--amount", "1000000", "--to-address", hubRecipient, "--yes"]);
    expect(over.code).to.equal(2);
    expect(over.err).to.match(/insufficient ALLO on base: the sender holds [\d.]+ ALLO, the transfer needs 1000000 ALLO/);
    expect(over.err).to.match(/fix: send at most [\d.]+ ALLO, or mint more with the devnet faucet/);
    const unknown = await allo(["bridge", "--from", "base", "--to", "solana", "--amount", "1", "--yes"]);
    expect(unknown.code).to.equal(2);
    expect(unknown.err).to.match(/unknown chain "solana" in --to/);
    expect(unknown.err).to.match(/fix: use hub or one of ethereum, bnb, base/);
    const wrongKind = await allo(["bridge", "--from", "hub", "--to", "bnb", "--amount", "1", "--to-address", hubRecipient, "--yes"]);
    expect(wrongKind.code).to.equal(2);
    expect(wrongKind.err).to.match(/is a hub \(bech32\) address, but the destination is bnb/);
    expect((await tokenOn("base").balanceOf(user.address)) as bigint).to.equal(before);
  });
});
