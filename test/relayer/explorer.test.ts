/**
 * The explorer's decisions (explorer/transfers.ts: where each transfer stands, per route counts, what is in
 * flight, the supply check; history.ts; links.ts), the transfers section of `relayer status`, and the page and
 * JSON routes on the relayer's real HTTP server. The reads against a running network are covered by
 * test/e2e/explorer.test.ts.
 */
import { expect } from "chai";
import http from "node:http";
import { toBech32 } from "@cosmjs/encoding";
import { Registry } from "prom-client";
import fs from "node:fs";
import { getAddress } from "ethers";
import { chromium } from "playwright-core";
import { hubBridgeId, transferId } from "../../lib/eip712/bridge";
import { cosmosBridgeChainId } from "../../lib/chains";
import { buildTransfers, inFlightSummary, reconcileViews, routeCounts, timedOnes, type ChainScan, type ScanResult, type TransferView } from "../../relayer/explorer/transfers";
import { ValueHistory } from "../../relayer/explorer/history";
import { txLink } from "../../relayer/explorer/links";
import { createExplorer } from "../../relayer/explorer/service";
import { startHttp } from "../../relayer/health/server";
import { formatTransfersSection, transfersStatus } from "../../relayer/status";
import type { SentTransfer } from "../../relayer/transfer/evm-source";
import type { SequencedDeposit } from "../../relayer/transfer/deposits";
import type { EscrowSend } from "../../relayer/transfer/release";

const ALLO = 10n ** 18n;
const hubChain = cosmosBridgeChainId("allora-local-1");
const escrow = toBech32("allo", new Uint8Array(20).fill(7));
const alice = toBech32("allo", new Uint8Array(20).fill(1));
const user = getAddress("0x" + "ab".repeat(20));
const bridgeA = getAddress("0x" + "11".repeat(20));
const hash = (n: number) => "0x" + n.toString(16).padStart(64, "0");
const hubHash = (n: number) => n.toString(16).toUpperCase().padStart(64, "0");

type Decision = { kind: "transfer"; destinationChain: bigint; recipient: string; amount: bigint; sequence: bigint } | { kind: "refund"; reason: "malformed_memo" | "missing_memo"; detail: string; coins: { denom: string; amount: bigint }[] };

function deposit(n: number, height: number, d: Decision): SequencedDeposit {
  return { deposit: { txHash: hubHash(n), height: BigInt(height), txIndex: 0, msgIndex: 0, sender: alice, coins: [{ denom: "uallo", amount: 5n * ALLO }], memo: "" }, ...d } as SequencedDeposit;
}

function sent(chain: ChainScan, seq: number, dest: bigint, amount: bigint, block: number, recipient = user): SentTransfer {
  return {
    sourceChain: chain.chainId,
    bridge: bridgeA,
    transferId: transferId(chain.chainId, "0x" + "00".repeat(12) + bridgeA.slice(2).toLowerCase(), dest, BigInt(seq)),
    destinationChain: dest,
    sequence: BigInt(seq),
    sender: user,
    recipient: dest === hubChain ? { kind: "hub", address: recipient } : { kind: "evm", address: recipient },
    amount,
    fee: 0n,
    blockNumber: block,
    blockHash: hash(block),
    txHash: hash(1000 + block),
    logIndex: 0,
  };
}

const chainScan = (name: string, chainId: bigint): ChainScan => ({ name, chainId, sent: [], delivered: new Map(), queued: new Map(), released: new Map() });
const release = (txHash: string, height: number, memo: string): EscrowSend => ({ txHash, height: BigInt(height), code: 0, memo, fee: 1000n });

/** A history with one transfer in every state the explorer tells apart. */
function scenario() {
  const eth = chainScan("ethereum", 31337n);
  const bnb = chainScan("bnb", 31338n);
  const base = chainScan("base", 31339n);
  const hubId = hubBridgeId(escrow);
  const toBase1 = transferId(hubChain, hubId, 31339n, 1n);
  const toBnb1 = transferId(hubChain, hubId, 31338n, 1n);
  const deposits = [
    deposit(1, 10, { kind: "transfer", destinationChain: 31339n, recipient: user, amount: 5n * ALLO, sequence: 1n }), // delivered
    deposit(2, 11, { kind: "transfer", destinationChain: 31338n, recipient: user, amount: 5n * ALLO, sequence: 1n }), // queued
    deposit(3, 12, { kind: "refund", reason: "malformed_memo", detail: "not JSON", coins: [{ denom: "uallo", amount: 123n }] }), // refunded
    deposit(4, 13, { kind: "refund", reason: "missing_memo", detail: "", coins: [{ denom: "uallo", amount: 7n }] }), // refund pending
  ];
  base.delivered.set(toBase1, { txHash: hash(501), block: 40 });
  bnb.queued.set(toBnb1, { txHash: hash(502), block: 41 });
  const ethToBnb = sent(eth, 1, 31338n, 2n * ALLO, 20);
  eth.sent.push(ethToBnb);
  bnb.queued.set(ethToBnb.transferId, { txHash: hash(503), block: 42 });
  bnb.released.set(ethToBnb.transferId, { txHash: hash(504), block: 43 });
  const paidToHub = sent(base, 1, hubChain, ALLO, 30, alice);
  const openToHub = sent(base, 2, hubChain, 3n * ALLO, 31, alice);
  base.sent.push(paidToHub, openToHub);
  const escrowSends = [
    release(hubHash(900), 20, JSON.stringify({ bridge_release: { transfer_id: paidToHub.transferId } })),
    release(hubHash(901), 21, JSON.stringify({ bridge_refund: { tx: hubHash(3), msg: 0, reason: "malformed_memo" } })),
  ];
  const scan: ScanResult = { hubChain, escrow, denom: "uallo", deposits, escrowSends, chains: [eth, bnb, base] };
  return { scan, toBase1, toBnb1, ethToBnb, paidToHub, openToHub };
}

describe("explorer: where each transfer stands, from the chains' and the hub's records", function () {
  it("tells delivered, queued, released-from-queue, paid on the hub, refunded and still open apart", function () {
    const s = scenario();
    const views = buildTransfers(s.scan);
    const by = (id: string) => views.find((v) => v.id === id)!;
    expect(views).to.have.length(7);
    expect(by(s.toBase1)).to.include({ route: "hub->base", status: "delivered", amount: (5n * ALLO).toString(), recipient: user, sender: alice });
    expect(by(s.toBase1).timeline.map((e) => [e.stage, e.place, e.txHash])).to.deep.equal([
      ["sent", "hub", hubHash(1)],
      ["delivered", "base", hash(501)],
    ]);
    expect(by(s.toBnb1)).to.include({ route: "hub->bnb", status: "queued" });
    expect(by(s.ethToBnb.transferId)).to.include({ route: "ethereum->bnb", status: "delivered" });
    expect(by(s.ethToBnb.transferId).timeline.map((e) => e.stage)).to.deep.equal(["sent", "queued", "released"]);
    expect(by(s.paidToHub.transferId)).to.include({ route: "base->hub", status: "delivered", recipient: alice });
    expect(by(s.paidToHub.transferId).timeline[1]).to.deep.include({ stage: "paid", place: "hub", txHash: hubHash(900), block: 20 });
    expect(by(s.openToHub.transferId)).to.include({ status: "sent" });
    expect(by(`${hubHash(3)}:0`)).to.include({ route: "hub-refund", status: "refunded", reason: "malformed_memo", amount: "123" });
    expect(by(`${hubHash(4)}:0`)).to.include({ status: "refund pending", reason: "missing_memo" });
  });

  it("a deposit to a chain this relayer does not serve stays in flight, named by its chain id", function () {
    const s = scenario();
    s.scan.deposits.push(deposit(5, 14, { kind: "transfer", destinationChain: 8453n, recipient: user, amount: ALLO, sequence: 1n }));
    const v = buildTransfers(s.scan).find((x) => x.route === "hub->8453")!;
    expect(v).to.include({ status: "sent", destination: "8453" });
  });

  it("counts per route: seen, delivered straight, queued, released from the queue, refunded", function () {
    const counts = routeCounts(buildTransfers(scenario().scan));
    expect(counts).to.deep.equal({
      "hub->base": { seen: 1, delivered: 1, queued: 0, released: 0, refunded: 0 },
      "hub->bnb": { seen: 1, delivered: 0, queued: 1, released: 0, refunded: 0 },
      "hub-refund": { seen: 2, delivered: 0, queued: 0, released: 0, refunded: 1 },
      "ethereum->bnb": { seen: 1, delivered: 0, queued: 1, released: 1, refunded: 0 },
      "base->hub": { seen: 2, delivered: 1, queued: 0, released: 0, refunded: 0 },
    });
  });

  it("in flight: count, value and the oldest by its source block's time", function () {
    const views = buildTransfers(scenario().scan);
    for (const [i, v] of views.entries()) v.timeline[0].time = 1_000 + i * 10;
    const open = views.filter((v) => ["sent", "queued", "refund pending"].includes(v.status));
    const s = inFlightSummary(views, 2_000);
    expect(s.count).to.equal(3);
    expect(s.value).to.equal((5n * ALLO + 7n + 3n * ALLO).toString());
    const oldest = open.reduce((a, b) => (a.timeline[0].time! <= b.timeline[0].time! ? a : b));
    expect(s.oldestId).to.equal(oldest.id);
    expect(s.oldestAgeSeconds).to.equal(2_000 - oldest.timeline[0].time!);
    expect(inFlightSummary([], 5)).to.deep.equal({ count: 0, value: "0", oldestAgeSeconds: null, oldestId: null });
  });

  it("reads block times only for each source's newest 100 and everything in flight", function () {
    const many = (source: string, n: number, status: TransferView["status"]): TransferView[] =>
      Array.from({ length: n }, (_, i) => ({ id: `${source}-${i}`, route: `${source}->x`, source, destination: "x", amount: "1", sender: "", recipient: "", status, timeline: [] }));
    const hub = many("hub", 150, "delivered");
    hub[3].status = "sent"; // old and still in flight: its age matters
    const base = many("base", 20, "delivered");
    const picked = new Set(timedOnes([...hub, ...base]).map((v) => v.id));
    expect(picked.size).to.equal(100 + 1 + 20);
    expect(picked.has("hub-3") && picked.has("hub-149") && picked.has("hub-50") && !picked.has("hub-49") && picked.has("base-0")).to.equal(true);
  });

  it("the supply check balances only when escrow - (float - fees) = supplies + in flight", function () {
    const s = scenario();
    const views = buildTransfers(s.scan);
    const inFlight = 5n * ALLO + 7n + 3n * ALLO;
    const supplies = [
      { chain: "base", totalSupply: 5n * ALLO },
      { chain: "bnb", totalSupply: 2n * ALLO },
    ];
    const float = 10_000n;
    const fees = 2_000n; // two escrow sends of 1000
    const balanced = float - fees + 7n * ALLO + inFlight;
    const ok = reconcileViews({ transfers: views, escrowBalance: balanced, float, escrowSends: s.scan.escrowSends, supplies });
    expect(ok).to.include({ ok: true, delta: 0n, inFlight });
    const short = reconcileViews({ transfers: views, escrowBalance: balanced - 1n, float, escrowSends: s.scan.escrowSends, supplies });
    expect(short).to.include({ ok: false, delta: -1n });
  });
});

describe("explorer: history, links and the status text", function () {
  it("keeps one point per newer nonce, the newest `max`", function () {
    const h = new ValueHistory(3);
    for (const n of [1, 2, 2, 1, 3, 4, 5]) h.record("base", 1, { nonce: String(n), value: `${n}.5`, timestamp: n });
    expect(h.of("base", 1).map((p) => p.nonce)).to.deep.equal(["3", "4", "5"]);
    expect(h.of("base", 2)).to.deep.equal([]);
  });

  it("links public chains to their explorer and local ones to the relayer's own JSON", function () {
    const ids: Record<string, number> = { base: 8453, local: 31339 };
    expect(txLink("base", hash(1), (n) => ids[n])).to.equal(`https://basescan.org/tx/${hash(1)}`);
    expect(txLink("local", hash(1), (n) => ids[n])).to.equal(`/v1/explorer/tx/local/${hash(1)}`);
    expect(txLink("hub", hubHash(1), (n) => ids[n])).to.equal(`/v1/explorer/tx/hub/${hubHash(1)}`);
  });

  it("prints per route counts, in flight, the supply check and the recent transfers", function () {
    const views: TransferView[] = buildTransfers(scenario().scan);
    views.forEach((v, i) => (v.timeline[0].time = 900 + i));
    const reading = {
      at: 1_000,
      hubHeight: 77,
      transfers: views,
      routes: routeCounts(views),
      inFlight: inFlightSummary(views, 1_000),
      reconciliation: { escrowBalance: (20n * ALLO).toString(), escrowFloat: "0", supplies: [{ chain: "base", block: 9, totalSupply: (5n * ALLO).toString() }], inFlight: (8n * ALLO).toString(), delta: (7n * ALLO).toString(), ok: false },
    };
    const st = transfersStatus(reading, 3);
    expect(st.source).to.equal("chains and hub");
    expect(st.recent).to.have.length(3);
    const text = formatTransfersSection(st, 1_030);
    expect(text).to.contain("read from the chains and the hub at hub height 77");
    expect(text).to.match(/ethereum->bnb\s+1\s+0\s+1\s+1\s+0/);
    expect(text).to.contain("in flight: 3 transfers");
    expect(text).to.contain("supply check 30s ago: MISMATCH");
    expect(text).to.match(/base totalSupply \(block 9\)\s+5/);
    expect(text).to.match(/delta\s+7/);
  });
});

describe("explorer: the page and its JSON on the relayer's HTTP server", function () {
  let server: { url: string; close(): Promise<void> };
  let explorer: ReturnType<typeof createExplorer>;
  const onchain = new Map([[1, { value: 1234n * 10n ** 15n, nonce: 41n, timestamp: Math.floor(Date.now() / 1000) - 5 }]]);
  const get = (path: string, method = "GET") =>
    new Promise<{ status: number; type: string; csp: string; body: string }>((resolve, reject) => {
      const req = http.request(`${server.url}${path}`, { method }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, type: String(res.headers["content-type"]), csp: String(res.headers["content-security-policy"] ?? ""), body }));
      });
      req.on("error", reject);
      req.end();
    });

  before(async function () {
    explorer = createExplorer({
      instance: "unit-1",
      topics: [1, 2],
      chains: [{ name: "base", chainId: 31339, onchain, policy: () => ({ deviationBps: 50, heartbeatSeconds: 3600 }) as never, provider: () => undefined as never }],
      hub: { chainId: "allora-local-1", comet: () => undefined as never, head: () => 99 },
      health: () => ({ ok: true, stale: [] }),
    });
    server = await startHttp("127.0.0.1", 0, { registry: new Registry(), health: () => ({ ok: true, stale: [] }), status: async () => [], explorer });
  });
  after(async function () {
    explorer.close();
    await server.close();
  });

  it("serves the page's own files with a policy that allows nothing from elsewhere", async function () {
    const page = await get("/explorer/");
    expect(page.status).to.equal(200);
    expect(page.type).to.match(/^text\/html/);
    expect(page.body).to.contain('<script src="app.js"></script>');
    expect(page.csp).to.contain("default-src 'self'");
    expect(page.body).to.not.match(/https?:\/\//);
    expect((await get("/explorer/app.js")).type).to.match(/^text\/javascript/);
    expect((await get("/explorer")).status).to.equal(301);
    expect((await get("/explorer/../../package.json")).status).to.equal(404);
    expect((await get("/explorer/%2e%2e%2fpackage.json")).status).to.equal(404);
    expect((await get("/explorer/", "POST")).status).to.equal(405);
  });

  it("answers the oracle JSON from the chain's stored values, and says when there are no transfers", async function () {
    const o = JSON.parse((await get("/v1/explorer/oracle")).body);
    expect(o).to.deep.include({ instance: "unit-1", hub: { chainId: "allora-local-1", height: 99 }, topics: [1, 2], transfers: false });
    expect(o.rows.map((r: { topicId: number; value: string | null; nonce: string }) => [r.topicId, r.value, r.nonce])).to.deep.equal([
      [1, "1.234", "41"],
      [2, null, "0"],
    ]);
    expect(o.rows[0].history).to.deep.equal([{ nonce: "41", value: "1.234", timestamp: onchain.get(1)!.timestamp }]);
    const t = await get("/v1/explorer/transfers");
    expect(t.status).to.equal(404);
    expect(JSON.parse(t.body).error).to.contain("carries no transfers");
    expect(JSON.parse((await get("/v1/explorer")).body).endpoints).to.have.property("/v1/explorer/oracle");
    expect((await get("/v1/explorer/tx/nowhere/0x00")).status).to.equal(404);
    expect((await get("/v1/explorer/tx/base/0x00")).status).to.equal(400);
    const status = JSON.parse((await get("/status")).body);
    expect(status).to.deep.equal({ topics: [] });
  });
});

describe("explorer: the page renders what chains say as text, in a real browser", function () {
  this.timeout(60_000);
  const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

  it("shows a hostile chain name and instance as text, updates live, and logs no console error", async function () {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`);
    const now = Math.floor(Date.now() / 1000);
    const onchain = new Map([[1, { value: 1234n * 10n ** 15n, nonce: 41n, timestamp: now - 5 }]]);
    const hostile = '<img src=x onerror="document.body.dataset.pwned=1">';
    const explorer = createExplorer({
      instance: hostile,
      topics: [1],
      chains: [{ name: `base${hostile}`, chainId: 31339, onchain, policy: () => ({ deviationBps: 50, heartbeatSeconds: 3600 }) as never, provider: () => undefined as never }],
      hub: { chainId: "allora-local-1", comet: () => undefined as never, head: () => 7 },
      health: () => ({ ok: true, stale: [] }),
    });
    const server = await startHttp("127.0.0.1", 0, { registry: new Registry(), health: () => ({ ok: true, stale: [] }), status: async () => [], explorer });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${server.url}/explorer/`);
      await page.waitForSelector("body[data-loaded=true]");
      expect(await page.locator("#instance").textContent()).to.equal(`instance ${hostile}`);
      expect(await page.locator("th").nth(1).textContent()).to.equal(`base${hostile} (31339)`);
      expect(await page.locator("img").count()).to.equal(0);
      const cell = page.locator("td.cell");
      expect(await cell.locator(".value").textContent()).to.equal("1.234");
      expect(await page.locator("#transfers-section").isHidden()).to.equal(true);
      // A new value on chain shows up at the next poll, and the chart gets its second point.
      onchain.set(1, { value: 1300n * 10n ** 15n, nonce: 42n, timestamp: now });
      await page.waitForSelector('td.cell[data-nonce="42"]');
      expect(await cell.getAttribute("data-nonce")).to.equal("42");
      expect(await cell.locator(".value").textContent()).to.equal("1.3");
      expect(await cell.locator("polyline").count()).to.equal(1);
      expect(await page.locator("body").getAttribute("data-pwned")).to.equal(null);
      expect(errors).to.deep.equal([]);
    } finally {
      await browser.close();
      explorer.close();
      await server.close();
    }
  });
});
