/**
 * End to end: the explorer page in a real browser (Debian's chromium, headless, driven by playwright-core)
 * against the whole local network (hub devnet, three Hardhat chains, the relayer as a child process on a real
 * Redis). The page loads without console errors, shows every topic on every chain, and a hub -> EVM transfer
 * made during the test (a cosmjs MsgSend with the bridge memo) appears and reaches "delivered", with a link to
 * the relayer's JSON of its delivery transaction. `relayer status` prints the same transfer in its section.
 *
 * Ports, state directory and Redis namespace are this file's own. EXPLORER_SCREENSHOT=<file.png> saves a
 * screenshot of the page at the end (docs/explorer.png was made so).
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { chromium, type Browser, type Page } from "playwright-core";
import { Secp256k1HdWallet } from "@cosmjs/amino";
import { coins, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { LocalNetwork, startLocalNetwork } from "../../scripts/devnet/network";
import { resolveOptions } from "../../scripts/devnet/options";
import { RelayerHandle } from "../../scripts/devnet/relayer";
import { RELAYER_CLI_JS } from "../../scripts/lib/relayer-build";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../../scripts/lib/dev-keys";
import { deleteRedisNamespace } from "../../scripts/lib/redis";
import { depositMemo } from "../../relayer/transfer/memo";
import { mnemonicOf } from "../devnet/helpers";
import { until } from "./helpers";

const ALLO = 10n ** 18n;
const E2E_ENV = { DEVNET_ETHEREUM_CHAIN_ID: "31337", DEVNET_BNB_CHAIN_ID: "31338", DEVNET_BASE_CHAIN_ID: "31339" };
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const TOPICS = [1, 2];
const ROOT = path.join(__dirname, "..", "..");

describe("e2e: the explorer page in a real browser", function () {
  let net: LocalNetwork;
  let stopNetwork: (() => Promise<void>) | undefined;
  let relayer: RelayerHandle | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const consoleErrors: string[] = [];
  const log = (line: string): void => console.log(`      ${line}`);
  const user = hardhatAccount(DEV_ACCOUNT_INDEX.user);

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`);
    for (const [k, v] of Object.entries(E2E_ENV)) process.env[k] = v;
    const opts = resolveOptions({
      chainPorts: "24545,24546,24547",
      hubPort: "24657",
      metricsPort: "24464",
      stateDir: ".devnet/e2e-explorer",
      topics: String(TOPICS.length), // topics 1..N
      blockTime: "1000",
      hubBlockTime: "1000",
      relayer: false,
    });
    net = await startLocalNetwork(opts, { log, onStopAvailable: (stop) => (stopNetwork = stop) });
    relayer = net.startRelayer(1);
    await relayer.ready(90_000);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(`uncaught: ${e.message}`));
    page.on("requestfailed", (r) => consoleErrors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  });

  after(async function () {
    await browser?.close();
    relayer?.log.close();
    await stopNetwork?.();
    if (net) await deleteRedisNamespace(net.manifest.redis, net.manifest.namespace);
  });

  it("the manifest names the page, and it loads with every topic on every chain and no console errors", async function () {
    expect(net.manifest.explorer).to.equal("http://127.0.0.1:24464/explorer/");
    await page.goto(net.manifest.explorer!);
    await page.waitForSelector("body[data-loaded=true]", { timeout: 30_000 });
    expect(await page.title()).to.equal("Allora relayer explorer");
    // Every (chain, topic) cell gets the value the chain stores (nonce > 0) once the relayer has posted it.
    const expected = net.manifest.chains.flatMap((c) => TOPICS.map((t) => `${c.name}/${t}`));
    await until(
      "every topic on every chain with a value on the page",
      async () => {
        const cells = await page.$$eval("td.cell", (tds) => tds.map((td) => `${td.getAttribute("data-chain")}/${td.getAttribute("data-topic")}=${td.getAttribute("data-nonce")}`));
        const posted = cells.filter((c) => !c.endsWith("=0")).map((c) => c.split("=")[0]);
        return expected.every((e) => posted.includes(e)) ? cells : undefined;
      },
      120_000,
      500,
    );
    // The value shown is the chain's own: read it from the oracle and compare.
    const base = net.manifest.chains.find((c) => c.name === "base")!;
    const oracle = new ethers.Contract(base.contracts.oracle, ["function latestInference(uint64) view returns (int256 value, uint64 nonce, uint64 timestamp)"], new ethers.JsonRpcProvider(base.rpc, base.chainId, { staticNetwork: true }));
    const cell = page.locator('td.cell[data-chain="base"][data-topic="1"]');
    const nonceShown = await cell.getAttribute("data-nonce");
    const [, onchainNonce] = (await oracle.latestInference(1)) as [bigint, bigint, bigint];
    expect(onchainNonce > 0n).to.equal(true);
    expect(Number(nonceShown)).to.be.at.most(Number(onchainNonce));
    expect(await cell.locator("svg").count()).to.equal(1);
    expect(await page.locator("#health").textContent()).to.equal("healthy");
    expect(consoleErrors).to.deep.equal([]);
  });

  it("a hub -> base transfer made now appears, reaches delivered, links to its transactions and balances the books", async function () {
    const base = net.manifest.chains.find((c) => c.name === "base")!;
    // Delivered hub -> base transfers before this one (the devnet faucet's deposit is one of them).
    const routeDelivered = async () => Number((await page.locator("#routes tr[data-route='hub->base'] td").nth(1).textContent()) ?? "0");
    const before = await routeDelivered();
    const wallet = await Secp256k1HdWallet.fromMnemonic(mnemonicOf("alice"), { prefix: "allo" });
    const [acc] = await wallet.getAccounts();
    const client = await SigningStargateClient.connectWithSigner(net.manifest.hub.rpc, wallet, { gasPrice: GasPrice.fromString("10uallo"), broadcastPollIntervalMs: 200 });
    const dep = await client.sendTokens(acc.address, net.manifest.hub.escrow!, coins((3n * ALLO).toString(), "uallo"), "auto", depositMemo(base.chainId, user.address));
    client.disconnect();
    expect(dep.code, dep.rawLog).to.equal(0);
    log(`deposit ${dep.transactionHash} at hub height ${dep.height}`);

    // The row is found by its deposit's tx hash (the link's title holds the full hash).
    const row = page.locator("tr.transfer", { has: page.locator(`.step[data-stage="sent"] [title="${dep.transactionHash}"]`) });
    await row.waitFor({ timeout: 60_000 });
    expect(await row.getAttribute("data-route")).to.equal("hub->base");
    const t0 = Date.now();
    await until("the transfer delivered on the page", async () => ((await row.getAttribute("data-status")) === "delivered" ? true : undefined), 90_000, 250);
    log(`shown as delivered ${((Date.now() - t0) / 1000).toFixed(1)} s after it appeared`);
    expect(await row.locator(".badge").textContent()).to.equal("delivered");

    // Its delivery link opens the relayer's JSON of the transaction, which the chain confirms.
    const href = await row.locator('.step[data-stage="delivered"] a').getAttribute("href");
    expect(href).to.match(/^\/v1\/explorer\/tx\/base\/0x[0-9a-f]{64}$/);
    const tx = (await (await page.request.get(new URL(href!, net.manifest.explorer).toString())).json()) as { status: number; to: string; hash: string };
    expect(tx.status).to.equal(1);
    expect(tx.to.toLowerCase()).to.equal(base.contracts.bridge.toLowerCase());
    const receipt = await new ethers.JsonRpcProvider(base.rpc, base.chainId, { staticNetwork: true }).getTransactionReceipt(tx.hash);
    expect(receipt?.status).to.equal(1);
    const sentHref = await row.locator('.step[data-stage="sent"] a').getAttribute("href");
    expect(sentHref).to.equal(`/v1/explorer/tx/hub/${dep.transactionHash}`);

    // The supply check: balanced once nothing is in flight.
    await until("the supply check balanced on the page", async () => ((await page.locator("#supply table").getAttribute("data-ok")) === "true" ? true : undefined), 30_000, 250);
    await until("the route's count to include this transfer", async () => ((await routeDelivered()) === before + 1 ? true : undefined), 10_000, 250);

    if (process.env.EXPLORER_SCREENSHOT) {
      await page.screenshot({ path: process.env.EXPLORER_SCREENSHOT, fullPage: true });
      log(`screenshot: ${process.env.EXPLORER_SCREENSHOT}`);
    }
    expect(consoleErrors).to.deep.equal([]);

    // `relayer status` prints the same transfer in its transfers section, from the chains and the hub.
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [path.join(ROOT, RELAYER_CLI_JS), "status", "-c", net.relayerConfigFile, "--json"], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
    );
    const status = JSON.parse(out) as { topics: unknown[]; transfers: { source: string; routes: Record<string, { seen: number; delivered: number }>; reconciliation: { ok: boolean }; recent: { route: string; status: string; amount: string }[] } };
    expect(status.topics).to.have.length(TOPICS.length * net.manifest.chains.length);
    expect(status.transfers.source).to.equal("chains and hub");
    // The devnet faucet's deposit and this test's: both seen, both delivered.
    expect(status.transfers.routes["hub->base"]).to.include({ seen: before + 1, delivered: before + 1 });
    expect(status.transfers.recent[0]).to.include({ route: "hub->base", status: "delivered", amount: (3n * ALLO).toString() });
    expect(status.transfers.reconciliation.ok).to.equal(true);
  });
});
