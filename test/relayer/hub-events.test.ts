import { expect } from "chai";
import { EventNetworkInferences, toTypedEvent, EventValueBundle } from "../../lib/allora-proto";
import { extractInferences } from "../../relayer/hub/events";
import { evaluateHealth } from "../../relayer/health/health";

const bundle = (combinedValue: string): EventValueBundle =>
  EventValueBundle.fromPartial({ combinedValue, naiveValue: combinedValue });
const ev = (topicId: bigint, nonce: bigint, value: string) =>
  toTypedEvent(EventNetworkInferences, EventNetworkInferences.fromPartial({ topicId, nonce, bundle: bundle(value) }));

describe("relayer hub: network inferences from block events", () => {
  it("extracts the configured topics, converted, with the block time", () => {
    const events = [
      { type: "message", attributes: [{ key: "action", value: "x" }] },
      ev(1n, 50n, "2605.533879185080648394998043723508"),
      ev(2n, 50n, "-0.5"),
      ev(9n, 50n, "1"),
    ];
    const out = extractInferences(events, new Set([1, 2]), 1_700_000_000);
    expect(out.malformed).to.deep.equal([]);
    expect(out.inferences).to.deep.equal([
      { topicId: 1, nonce: 50n, raw: "2605.533879185080648394998043723508", value: 2605533879185080648394n, timestamp: 1_700_000_000 },
      { topicId: 2, nonce: 50n, raw: "-0.5", value: -(5n * 10n ** 17n), timestamp: 1_700_000_000 },
    ]);
  });

  it("reports a malformed value with its topic and keeps the others", () => {
    const broken = { type: "emissions.v9.EventNetworkInferences", attributes: [{ key: "topic_id", value: '"3"' }, { key: "nonce", value: "{not json" }] };
    const out = extractInferences([ev(1n, 7n, "NaN"), ev(2n, 7n, "1.5"), broken], new Set([1, 2, 3]), 1);
    expect(out.inferences.map((i) => i.topicId)).to.deep.equal([2]);
    expect(out.malformed).to.have.length(2);
    expect(out.malformed[0]).to.deep.include({ topicId: 1, nonce: 7n, raw: "NaN" });
    expect(out.malformed[0].error).to.match(/topic 1: .*NaN/);
    expect(out.malformed[1].topicId).to.equal(3);
  });
});

describe("relayer health", () => {
  it("is unhealthy when a value is older than heartbeat + grace, or never arrived within that time", () => {
    const items = [
      { chain: "eth", topicId: 1, timestamp: 1_000, heartbeatSeconds: 60 },
      { chain: "eth", topicId: 2, timestamp: undefined, heartbeatSeconds: 60 },
    ];
    expect(evaluateHealth(items, 1_090, 1_050, 30).ok).to.equal(true); // age 90 = 60 + 30
    const r = evaluateHealth(items, 1_091, 1_000, 30);
    expect(r.ok).to.equal(false);
    expect(r.stale).to.deep.equal([
      { chain: "eth", topicId: 1, ageSeconds: 91, limitSeconds: 90 },
      { chain: "eth", topicId: 2, ageSeconds: null, limitSeconds: 90 },
    ]);
  });
});
