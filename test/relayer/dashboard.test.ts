/**
 * The queue dashboard (bull-board) on the relayer's HTTP server, against real Redis and real BullMQ queues
 * named as the relayer names them (one `post-<chain>` per chain of relayer/config/local.yaml).
 */
import { expect } from "chai";
import http from "node:http";
import net from "node:net";
import { once } from "node:events";
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import { randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import IORedis, { Redis } from "ioredis";
import { Registry } from "prom-client";
import { loadConfig } from "../../relayer/config/load";
import { createDashboard } from "../../relayer/health/dashboard";
import { startHttp } from "../../relayer/health/server";
import { PostJobData, epochJobId, queueName } from "../../relayer/queue/jobs";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

interface Reply {
  status: number;
  type: string;
  body: string;
}

/**
 * One request over a keep-alive agent (as a browser tab would hold the connection open). The path is sent
 * as written (not normalised by a URL parser), so `..` reaches the server.
 */
function request(agent: http.Agent, url: string, method = "GET", headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  const { hostname, port } = new URL(url);
  const rawPath = url.slice(url.indexOf("/", "http://".length));
  return new Promise((resolve, reject) => {
    const opts = { hostname, port, path: rawPath, method, agent, headers: body === undefined ? headers : { "content-type": "application/json", ...headers } };
    const req = http.request(opts, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Announces a body of `announced` bytes, sends only the first KiB and waits for the answer: a server that
 * answers decided before reading the body; one that reads it first never answers here (timeout -> 0).
 */
function answerBeforeBody(url: string, method: string, announced: number | "chunked", headers: Record<string, string> = {}): Promise<number> {
  const { hostname, port, pathname } = new URL(url);
  const size = announced === "chunked" ? {} : { "content-length": String(announced) };
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: pathname, method, headers: { "content-type": "application/json", ...size, ...headers } }, (res) => {
      res.resume();
      clearTimeout(timer);
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve(0);
    }, 3_000);
    req.on("error", reject); // a no-op once answered
    req.write("{" + " ".repeat(1023));
  });
}

function job(chain: string, height: number): PostJobData {
  return { chain, hubHeight: height, seenAt: Date.now(), reports: [{ topicId: 1, value: "3058994651756000000000", nonce: String(height), timestamp: 1_700_000_000, paid: "0" }] };
}

describe("relayer HTTP: queue dashboard (bull-board) on real Redis", function () {
  this.timeout(60_000);
  let redis: Redis;
  let prefix: string;
  let chains: string[];
  const queues: Queue<PostJobData>[] = [];
  const agent = new http.Agent({ keepAlive: true });
  const servers: Array<{ url: string; close(): Promise<void> }> = [];

  const serve = async (dashboard?: { path: string; readOnly: boolean; token?: string }, status: () => Promise<never[]> = async () => []) => {
    const deps = {
      registry: new Registry(),
      health: () => ({ ok: true, stale: [] }),
      status,
      dashboard: dashboard && (await createDashboard({ ...dashboard, title: "Allora relayer test", queues: queues as unknown as Queue[] })),
    };
    const s = await startHttp("127.0.0.1", 0, deps);
    servers.push(s);
    return s.url;
  };

  before(async () => {
    redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    prefix = `test-dashboard-${randomBytes(5).toString("hex")}`;
    // the chains of the shipped local config, so the queue names are the ones the relayer uses
    const dep = fs.mkdtempSync(path.join(os.tmpdir(), "relayer-dash-"));
    for (const [n, id] of [["ethereumLocal", 31337], ["bnbLocal", 31338], ["baseLocal", 31339]] as const) {
      fs.writeFileSync(path.join(dep, `${n}.json`), JSON.stringify({ chainId: id, contracts: { AlloraOracle: { address: "0x5FbDB2315678afecb367f032d93F642f64180aa3" } } }));
    }
    chains = loadConfig("relayer/config/local.yaml", { RELAYER_DEPLOYMENTS_DIR: dep }).chains.map((c) => c.name);
    for (const c of chains) queues.push(new Queue<PostJobData>(queueName(c), { connection: redis, prefix }));
  });

  after(async () => {
    for (const s of servers) await s.close();
    agent.destroy();
    for (const q of queues) await q.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it("serves the board's page and assets under its path", async () => {
    const url = await serve({ path: "/queues", readOnly: true });
    for (const p of ["/queues", "/queues/", "/queues/queue/post-ethereum"]) {
      const page = await request(agent, `${url}${p}`);
      expect(page.status, p).to.equal(200);
      expect(page.type, p).to.match(/^text\/html/);
      expect(page.body, p).to.match(/<base href="\/queues\/"/);
      expect(page.body, p).to.include("<title>Allora relayer test</title>");
    }
    // the scripts the page loads are served from the UI package
    const page = await request(agent, `${url}/queues`);
    const scripts = [...page.body.matchAll(/src="(static\/js\/[^"]+\.js)"/g)].map((m) => m[1]);
    expect(scripts.length).to.be.greaterThan(0);
    for (const s of scripts) {
      const js = await request(agent, `${url}/queues/${s}`);
      expect(js.status, s).to.equal(200);
      expect(js.type, s).to.match(/javascript/);
      expect(js.body.length, s).to.be.greaterThan(1000);
    }
    // nothing outside the UI's static folder is served
    for (const p of ["/queues/static/../../package.json", "/queues/static/%2e%2e/%2e%2e/package.json", "/queues/static/..%2f..%2fpackage.json"]) {
      const r = await request(agent, `${url}${p}`);
      expect(r.status, p).to.be.oneOf([400, 404]);
      expect(r.body, p).to.not.include('"name"');
    }
    // the relayer's own endpoints are unaffected
    expect((await request(agent, `${url}/metrics`)).status).to.equal(200);
    expect((await request(agent, `${url}/nothing`)).body).to.include("or /queues");
  });

  it("its API lists every relayer queue with its job counts, and a job's data", async () => {
    const url = await serve({ path: "/queues", readOnly: true });
    const before = JSON.parse((await request(agent, `${url}/queues/api/queues`)).body) as { queues: Array<{ name: string; counts: Record<string, number>; readOnlyMode: boolean }> };
    expect(before.queues.map((q) => q.name).sort()).to.deep.equal(chains.map(queueName).sort());
    expect(chains.map(queueName).sort()).to.deep.equal(["post-base", "post-bnb", "post-ethereum"]);

    const eth = queues[chains.indexOf("ethereum")];
    const bnb = queues[chains.indexOf("bnb")];
    await eth.add("post", job("ethereum", 101), { jobId: epochJobId("ethereum", 101) });
    await eth.add("post", job("ethereum", 102), { jobId: epochJobId("ethereum", 102) });
    await bnb.add("post", job("bnb", 101), { jobId: epochJobId("bnb", 101), delay: 60_000 });

    const reply = await request(agent, `${url}/queues/api/queues?activeQueue=post-ethereum&status=waiting&page=1&jobsPerPage=10`);
    expect(reply.status).to.equal(200);
    expect(reply.type).to.match(/application\/json/);
    const listed = (JSON.parse(reply.body) as { queues: Array<{ name: string; counts: Record<string, number>; readOnlyMode: boolean; jobs: Array<{ id: string; data: PostJobData }> }> }).queues;
    const byName = new Map(listed.map((q) => [q.name, q]));
    expect(byName.get("post-ethereum")!.counts).to.include({ waiting: 2, delayed: 0, active: 0, failed: 0 });
    expect(byName.get("post-bnb")!.counts).to.include({ waiting: 0, delayed: 1 });
    expect(byName.get("post-base")!.counts).to.include({ waiting: 0, delayed: 0 });
    expect(listed.every((q) => q.readOnlyMode)).to.equal(true);
    expect(byName.get("post-ethereum")!.jobs.map((j) => j.id).sort()).to.deep.equal(["ethereum.h101", "ethereum.h102"]);

    const one = JSON.parse((await request(agent, `${url}/queues/api/queues/post-ethereum/ethereum.h102`)).body) as { job: { id: string; data: PostJobData }; status: string };
    expect(one.job.id).to.equal("ethereum.h102");
    expect(one.job.data.reports[0].nonce).to.equal("102");
    expect(one.status).to.equal("waiting");
  });

  it("read-only mode refuses every mutating call and changes nothing", async () => {
    const url = await serve({ path: "/queues", readOnly: true });
    const eth = queues[chains.indexOf("ethereum")];
    const counts = await eth.getJobCounts();
    const pause = await request(agent, `${url}/queues/api/queues/post-ethereum/pause`, "PUT");
    expect(pause.status).to.equal(405);
    expect(pause.body).to.match(/read.?only/i);
    expect(await eth.isPaused()).to.equal(false);
    expect((await request(agent, `${url}/queues/api/queues/post-ethereum/ethereum.h101/clean`, "PUT")).status).to.equal(405);
    expect((await request(agent, `${url}/queues/api/queues/post-ethereum/empty`, "PUT")).status).to.equal(405);
    expect((await request(agent, `${url}/queues/api/queues/post-ethereum/add`, "POST", {}, JSON.stringify({ name: "x", data: {} }))).status).to.equal(405);
    expect(await eth.getJob("ethereum.h101")).to.not.equal(undefined);
    expect(await eth.getJobCounts()).to.deep.equal(counts);
  });

  it("refuses mutating calls and large bodies before reading the body (issue 19 finding 6)", async () => {
    const readOnly = await serve({ path: "/queues", readOnly: true });
    const eth = queues[chains.indexOf("ethereum")];
    for (const action of ["pause", "resume"]) expect((await request(agent, `${readOnly}/queues/api/queues/post-ethereum/${action}`, "PUT")).status, action).to.equal(405);
    expect(await eth.isPaused()).to.equal(false);
    // 300 MiB announced, 1 KiB sent: the 405 comes without waiting for (or buffering) the rest
    expect(await answerBeforeBody(`${readOnly}/queues/api/queues/post-ethereum/add`, "POST", 300 * 2 ** 20)).to.equal(405);
    const writable = await serve({ path: "/queues", readOnly: false });
    expect(await answerBeforeBody(`${writable}/queues/api/queues/post-ethereum/add`, "POST", 300 * 2 ** 20)).to.equal(413);
    expect(await answerBeforeBody(`${writable}/queues/api/queues/post-ethereum/add`, "POST", "chunked")).to.equal(411);
    expect(await eth.getJobCounts()).to.include({ waiting: 2 });
  });

  it("with a token, every request needs it (Basic password or Bearer)", async () => {
    const token = "0123456789abcdef0123";
    const url = await serve({ path: "/queues", readOnly: true, token });
    const none = await request(agent, `${url}/queues/api/queues`);
    expect(none.status).to.equal(401);
    expect(none.body).to.not.include("post-ethereum");
    expect((await request(agent, `${url}/queues`, "GET", { authorization: `Bearer ${token}x` })).status).to.equal(401);
    const basic = await request(agent, `${url}/queues/api/queues`, "GET", { authorization: `Basic ${Buffer.from(`ops:${token}`).toString("base64")}` });
    expect(basic.status).to.equal(200);
    expect(basic.body).to.include("post-ethereum");
    expect((await request(agent, `${url}/queues`, "GET", { authorization: `Bearer ${token}` })).status).to.equal(200);
    expect(await answerBeforeBody(`${url}/queues/api/queues/post-ethereum/add`, "POST", 300 * 2 ** 20)).to.equal(401);
    // the relayer's own endpoints stay open (Prometheus scrapes them)
    expect((await request(agent, `${url}/metrics`)).status).to.equal(200);
  });

  it("writable when configured so, but never from another site", async () => {
    const url = await serve({ path: "/ops/bull", readOnly: false });
    const base = queues[chains.indexOf("base")];
    // a form on some web page posting to the loopback port
    const forged = await request(agent, `${url}/ops/bull/api/queues/post-base/pause`, "PUT", { origin: "https://evil.example" });
    expect(forged.status).to.equal(403);
    expect((await request(agent, `${url}/ops/bull/api/queues/post-base/pause`, "PUT", { "sec-fetch-site": "cross-site" })).status).to.equal(403);
    expect(await base.isPaused()).to.equal(false);
    // the board's own page (same origin) and tools without an Origin may
    const host = new URL(url).host;
    const own = await request(agent, `${url}/ops/bull/api/queues/post-base/pause`, "PUT", { origin: `http://${host}`, "sec-fetch-site": "same-origin" });
    expect(own.status, own.body).to.be.within(200, 299);
    expect(await base.isPaused()).to.equal(true);
    expect((await request(agent, `${url}/ops/bull/api/queues/post-base/resume`, "PUT")).status).to.be.within(200, 299);
    expect(await base.isPaused()).to.equal(false);
    // only under its own path
    expect((await request(agent, `${url}/queues`)).status).to.equal(404);
  });

  it("disabled: no dashboard path answers", async () => {
    const url = await serve(undefined);
    for (const p of ["/queues", "/queues/", "/queues/api/queues"]) {
      const r = await request(agent, `${url}${p}`);
      expect(r.status, p).to.equal(404);
      expect(r.body, p).to.not.include("or /queues");
    }
    expect((await request(agent, `${url}/healthz`)).status).to.equal(200);
  });

  it("closes a dashboard tab's idle keep-alive connections at once, not at the grace period's cut", async () => {
    // /status answers only when its data arrives: here never, so that request stays in flight until
    // close() cuts it after its grace period.
    let statusAsked!: () => void;
    const asked = new Promise<void>((resolve) => (statusAsked = resolve));
    const url = await serve({ path: "/queues", readOnly: true }, () => (statusAsked(), new Promise<never[]>(() => undefined)));
    const s = servers.pop()!;
    const tab = new http.Agent({ keepAlive: true });
    await Promise.all([request(tab, `${url}/queues`), request(tab, `${url}/queues/api/queues`)]);
    const idle = Object.values(tab.freeSockets).flat() as net.Socket[];
    expect(idle.length, "idle keep-alive sockets").to.be.greaterThan(0);
    const idleClosed = Promise.all(idle.map((sock) => once(sock, "close")));
    let inFlightOpen = true;
    const inFlight = request(new http.Agent(), `${url}/status`).then(
      () => expect.fail("the request in flight was answered"),
      () => void (inFlightOpen = false),
    );
    await asked; // the server is handling it
    // Order, not time: the idle connections are closed while the request in flight is still open.
    const closing = s.close();
    await idleClosed;
    expect(inFlightOpen, "the request in flight was still open when the idle connections closed").to.equal(true);
    await closing;
    await inFlight; // cut at the end of the grace period: close() never hangs on it
    await request(tab, `${url}/queues`).then(
      () => expect.fail("the server still answers after close()"),
      (e: NodeJS.ErrnoException) => expect(e.code).to.match(/ECONNREFUSED|ECONNRESET/),
    );
    tab.destroy();
  });
});
