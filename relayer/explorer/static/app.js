/* global document, Node, fetch, setTimeout */
// The explorer page: polls the relayer's JSON (/v1/explorer/...) and renders it. Every value comes from chains
// and is written with textContent / setAttribute only, never as HTML, so nothing in it can become markup.
"use strict";

const POLL_MS = 2000;
const SVG_NS = "http://www.w3.org/2000/svg";

/** An element with attributes and children (strings become text nodes). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  for (const c of children) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function replace(id, ...children) {
  const target = document.getElementById(id);
  target.replaceChildren(...children);
}

function age(seconds) {
  if (seconds === null || seconds === undefined) return "-";
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** Base units (18 decimals, decimal string) as ALLO, exact. */
function allo(base) {
  let v = BigInt(base);
  const neg = v < 0n;
  if (neg) v = -v;
  const whole = v / 10n ** 18n;
  const frac = (v % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${whole}${frac ? "." + frac : ""}`;
}

function short(hash) {
  return hash.length > 18 ? `${hash.slice(0, 10)}…${hash.slice(-6)}` : hash;
}

/** Only our own paths and https explorers become links. */
function safeHref(url) {
  return typeof url === "string" && (/^\/v1\/explorer\//.test(url) || /^https:\/\/[a-z0-9.-]+\/tx\/[0-9A-Za-z]+$/.test(url)) ? url : undefined;
}

function sparkline(points) {
  const w = 140;
  const h = 32;
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("width", String(w));
  svg.setAttribute("height", String(h));
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("role", "img");
  const values = points.map((p) => Number(p.value)).filter((v) => Number.isFinite(v));
  svg.setAttribute("aria-label", `${values.length} recent values`);
  if (values.length === 0) return svg;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const x = (i) => (values.length === 1 ? w / 2 : 2 + (i * (w - 4)) / (values.length - 1));
  const y = (v) => h - 3 - ((v - min) / span) * (h - 6);
  if (values.length > 1) {
    const line = document.createElementNS(SVG_NS, "polyline");
    line.setAttribute("class", "spark");
    line.setAttribute("points", values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" "));
    svg.append(line);
  }
  const dot = document.createElementNS(SVG_NS, "circle");
  dot.setAttribute("class", "spark-dot");
  dot.setAttribute("cx", x(values.length - 1).toFixed(1));
  dot.setAttribute("cy", y(values[values.length - 1]).toFixed(1));
  dot.setAttribute("r", "2.5");
  svg.append(dot);
  return svg;
}

function renderOracle(o) {
  replace("instance", `instance ${o.instance}`);
  replace("hub", `hub ${o.hub.chainId} at height ${o.hub.height}`);
  const health = document.getElementById("health");
  health.textContent = o.health.ok ? "healthy" : "unhealthy";
  health.className = `badge ${o.health.ok ? "ok" : "bad"}`;
  const head = el("tr", {}, el("th", {}, "topic"), ...o.chains.map((c) => el("th", {}, `${c.name} (${c.chainId})`)));
  const rows = o.topics.map((t) =>
    el(
      "tr",
      { "data-topic": t },
      el("td", {}, el("strong", {}, `topic ${t}`)),
      ...o.chains.map((c) => {
        const r = o.rows.find((x) => x.chain === c.name && x.topicId === t);
        if (!r) return el("td", {}, "-");
        return el(
          "td",
          { class: "cell", "data-chain": c.name, "data-topic": t, "data-nonce": r.nonce },
          el("div", { class: "value" }, r.value === null ? "(no value yet)" : r.value),
          el("div", { class: "sub" }, `nonce ${r.nonce} · age ${age(r.ageSeconds)} · heartbeat ${age(r.heartbeatSeconds)}`),
          sparkline(r.history),
        );
      }),
    ),
  );
  replace("oracle", el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows)));
  const h = o.health;
  const items = [el("li", {}, h.ok ? "every topic is fresh on every chain and the hub follower keeps up" : "something is late: see below")];
  for (const s of h.stale || []) items.push(el("li", {}, `${s.chain} topic ${s.topicId}: ${s.ageSeconds === null ? "no value yet" : `${age(s.ageSeconds)} old`} (limit ${age(s.limitSeconds)})`));
  if (h.hub) items.push(el("li", {}, `hub follower: ${h.hub.stalledSeconds === 0 ? "keeping up" : `behind for ${age(h.hub.stalledSeconds)}`} (limit ${age(h.hub.limitSeconds)})`));
  replace("healthDetail", el("ul", {}, ...items));
}

function step(e) {
  const href = safeHref(e.url);
  const hash = href ? el("a", { href, title: e.txHash, target: "_blank", rel: "noopener" }, short(e.txHash)) : el("span", { class: "hash", title: e.txHash }, short(e.txHash));
  const when = e.time ? new Date(e.time * 1000).toLocaleTimeString() : "";
  return el("span", { class: "step", "data-stage": e.stage }, el("strong", {}, e.stage), ` ${e.place} `, hash, when ? ` ${when}` : "");
}

function renderTransfers(t) {
  replace("transfers-source", `read from the chains and the hub at hub height ${t.hubHeight}; ${t.total} ${t.total === 1 ? "transfer" : "transfers"} in all`);
  const routes = Object.entries(t.routes).sort(([a], [b]) => a.localeCompare(b));
  replace(
    "routes",
    routes.length === 0
      ? el("p", { class: "muted" }, "no transfers yet")
      : el(
          "table",
          {},
          el("thead", {}, el("tr", {}, ...["route", "seen", "delivered", "queued", "released", "refunded"].map((h) => el("th", {}, h)))),
          el("tbody", {}, ...routes.map(([r, c]) => el("tr", { "data-route": r }, el("td", {}, r), ...[c.seen, c.delivered, c.queued, c.released, c.refunded].map((n) => el("td", { class: "num" }, n))))),
        ),
  );
  const f = t.inFlight;
  replace(
    "inflight",
    el(
      "table",
      {},
      el("tbody", {}, el("tr", {}, el("th", {}, "in flight"), el("td", { id: "inflight-count" }, `${f.count} ${f.count === 1 ? "transfer" : "transfers"}`)), el("tr", {}, el("th", {}, "value"), el("td", {}, `${allo(f.value)} ALLO`)), el("tr", {}, el("th", {}, "oldest"), el("td", {}, f.oldestId ? `${age(f.oldestAgeSeconds)} (${short(f.oldestId)})` : "-"))),
    ),
  );
  replace(
    "recent",
    t.recent.length === 0
      ? el("p", { class: "muted" }, "none yet")
      : el(
          "table",
          {},
          el("thead", {}, el("tr", {}, ...["sent", "route", "ALLO", "status", "timeline", "recipient", "id"].map((h) => el("th", {}, h)))),
          el(
            "tbody",
            {},
            ...t.recent.map((x) =>
              el(
                "tr",
                { class: "transfer", "data-id": x.id, "data-status": x.status, "data-route": x.route },
                el("td", {}, x.timeline[0] && x.timeline[0].time ? `${age(Math.max(0, t.at - x.timeline[0].time))} ago` : "-"),
                el("td", {}, x.route),
                el("td", { class: "num" }, allo(x.amount)),
                el("td", {}, el("span", { class: `badge ${x.status.replace(/ /g, "-")}` }, x.status), x.reason ? el("div", { class: "muted" }, x.reason) : null),
                el("td", {}, el("div", { class: "timeline" }, ...x.timeline.map(step))),
                el("td", { class: "mono", title: x.recipient }, short(x.recipient)),
                el("td", { class: "mono", title: x.id }, short(x.id)),
              ),
            ),
          ),
        ),
  );
  const r = t.reconciliation;
  replace(
    "supply",
    el(
      "table",
      { "data-ok": r.ok },
      el(
        "tbody",
        {},
        el("tr", {}, el("th", {}, "hub escrow balance"), el("td", { class: "num" }, allo(r.escrowBalance))),
        el("tr", {}, el("th", {}, "− escrow float (fees)"), el("td", { class: "num" }, allo(r.escrowFloat))),
        ...r.supplies.map((s) => el("tr", { "data-chain": s.chain }, el("th", {}, `${s.chain} totalSupply (block ${s.block})`), el("td", { class: "num" }, allo(s.totalSupply)))),
        el("tr", {}, el("th", {}, "in flight"), el("td", { class: "num" }, allo(r.inFlight))),
        el("tr", {}, el("th", {}, "delta"), el("td", { class: "num", id: "supply-delta" }, allo(r.delta), " ", el("span", { class: `badge ${r.ok ? "ok" : "bad"}` }, r.ok ? "balanced" : "mismatch"))),
      ),
    ),
  );
}

async function getJson(path) {
  const res = await fetch(path, { cache: "no-store" });
  const body = await res.json();
  return { status: res.status, body };
}

async function tick() {
  const problems = [];
  let transfers = true;
  try {
    const o = await getJson("/v1/explorer/oracle");
    if (o.status === 200) {
      renderOracle(o.body);
      transfers = o.body.transfers;
    } else problems.push(o.body.error);
  } catch (e) {
    problems.push(`the relayer does not answer (${e.message})`);
  }
  document.getElementById("transfers-section").hidden = !transfers;
  document.getElementById("supply-section").hidden = !transfers;
  if (transfers) {
    await tickTransfers(problems);
  }
  const box = document.getElementById("problem");
  box.hidden = problems.length === 0;
  box.textContent = problems.join("; ");
  replace("updated", `updated ${new Date().toLocaleTimeString()}`);
  document.body.setAttribute("data-loaded", "true");
}

async function tickTransfers(problems) {
  try {
    const t = await getJson("/v1/explorer/transfers?limit=25");
    if (t.status === 200) {
      renderTransfers(t.body);
      if (t.body.error) problems.push(`last transfer reading failed, showing the one before: ${t.body.error}`);
    } else problems.push(t.body.error);
  } catch (e) {
    problems.push(`transfers: ${e.message}`);
  }
}

async function loop() {
  await tick();
  setTimeout(loop, POLL_MS);
}
loop();
