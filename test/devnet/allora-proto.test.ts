import { expect } from "chai";
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import {
  EventNetworkInferences,
  eventBundleFromValueBundle,
  fromTypedEvent,
  GetLatestNetworkInferencesRequest,
  GetLatestNetworkInferencesResponse,
  GetNetworkInferencesAtBlockRequest,
  GetNextTopicIdResponse,
  GetTopicResponse,
  toBytes,
  toTypedEvent,
  Topic,
  ValueBundle,
} from "../../lib/allora-proto";

const bundle = ValueBundle.fromPartial({
  topicId: 7n,
  reputerRequestNonce: { reputerNonce: { blockHeight: 123456789012n } },
  reputer: "",
  combinedValue: "2605.533879185080648394998043723508",
  naiveValue: "-0.5",
  infererValues: [
    { worker: "allo1a", value: "1.5" },
    { worker: "allo1b", value: "NaN" },
  ],
  forecasterValues: [{ worker: "allo1f", value: "3" }],
  oneOutInfererValues: [{ worker: "allo1a", value: "2" }],
  oneOutForecasterValues: [{ worker: "allo1f", value: "4" }],
  oneInForecasterValues: [{ worker: "allo1f", value: "5" }],
  oneOutInfererForecasterValues: [{ forecaster: "allo1f", oneOutInfererValues: [{ worker: "allo1a", value: "6" }] }],
});

describe("lib/allora-proto codecs", () => {
  it("round-trips a full ValueBundle through bytes", () => {
    const bytes = toBytes(ValueBundle, bundle);
    expect(ValueBundle.decode(bytes)).to.deep.equal(bundle);
  });

  it("uses the chain's field numbers (hand-checked wire bytes)", () => {
    // GetNetworkInferencesAtBlockRequest{topic_id: 1, block_height_last_inference: 300}
    const bytes = toBytes(GetNetworkInferencesAtBlockRequest, { topicId: 1n, blockHeightLastInference: 300n });
    expect(Buffer.from(bytes).toString("hex")).to.equal("0801" + "10ac02");
    // response: field 1 = bundle, field 5 = inference_block_height
    const resp = toBytes(GetLatestNetworkInferencesResponse, {
      networkInferences: ValueBundle.fromPartial({ topicId: 2n, combinedValue: "1" }),
      inferenceBlockHeight: 9n,
    });
    const r = new BinaryReader(resp);
    expect(r.uint32()).to.equal((1 << 3) | 2);
    const inner = r.bytes();
    const ir = new BinaryReader(inner);
    expect(ir.uint32()).to.equal((1 << 3) | 0);
    expect(ir.uint64()).to.equal(2n);
    expect(ir.uint32()).to.equal((5 << 3) | 2);
    expect(ir.string()).to.equal("1");
    expect(r.uint32()).to.equal((5 << 3) | 0);
    expect(r.int64()).to.equal(9n);
  });

  it("omits defaults and skips unknown fields when decoding", () => {
    expect(toBytes(GetLatestNetworkInferencesRequest, { topicId: 0n }).length).to.equal(0);
    const w = BinaryWriter.create();
    w.uint32((1 << 3) | 0).uint64(5n);
    w.uint32((99 << 3) | 2).string("future field");
    w.uint32((100 << 3) | 0).uint64(1n);
    expect(GetNextTopicIdResponse.decode(w.finish()).nextTopicId).to.equal(5n);
  });

  it("round-trips a Topic and GetTopicResponse with decimals as strings", () => {
    const topic = Topic.fromPartial({
      id: 1n,
      creator: "allo1x",
      metadata: "ETH/USD",
      lossMethod: "mse",
      epochLastEnded: 10n,
      epochLength: 1n,
      groundTruthLag: 1n,
      pNorm: "3",
      alphaRegret: "0.1",
      allowNegative: true,
      epsilon: "0.0001",
      initialRegret: "0",
      workerSubmissionWindow: 1n,
      meritSortitionAlpha: "0.1",
      activeInfererQuantile: "0.25",
      activeForecasterQuantile: "0.25",
      activeReputerQuantile: "0.25",
      cNorm: "0.75",
    });
    const resp = { topic, weight: "1.25", effectiveRevenue: "1000" };
    expect(GetTopicResponse.decode(toBytes(GetTopicResponse, resp))).to.deep.equal(resp);
    // reserved numbers are never written: field 12 (p_norm) is the first Dec
    const bytes = toBytes(Topic, Topic.fromPartial({ pNorm: "3" }));
    expect(bytes[0]).to.equal((12 << 3) | 2);
  });

  it("fromPartial accepts numbers and numeric strings for 64-bit fields and rejects junk", () => {
    expect(GetLatestNetworkInferencesRequest.fromPartial({ topicId: "12" as unknown as bigint }).topicId).to.equal(12n);
    expect(() => GetLatestNetworkInferencesRequest.fromPartial({ topicId: "x" as unknown as bigint })).to.throw(/topicId/);
  });

  it("builds typed events like the Cosmos SDK (sorted keys, JSON values) and parses them back", () => {
    const ev = toTypedEvent(EventNetworkInferences, {
      topicId: 7n,
      blockHeight: 0n,
      nonce: 42n,
      bundle: eventBundleFromValueBundle(bundle),
    });
    expect(ev.type).to.equal("emissions.v9.EventNetworkInferences");
    expect(ev.attributes.map((a) => a.key)).to.deep.equal(["block_height", "bundle", "nonce", "topic_id", "value_bundle"]);
    const byKey = Object.fromEntries(ev.attributes.map((a) => [a.key, a.value]));
    expect(byKey.topic_id).to.equal('"7"');
    expect(byKey.nonce).to.equal('"42"');
    expect(byKey.value_bundle).to.equal("null");
    const b = JSON.parse(byKey.bundle);
    expect(b.combined_value).to.equal("2605.533879185080648394998043723508");
    expect(b.inferer_addresses).to.deep.equal(["allo1a", "allo1b"]);
    expect(b.inferer_values).to.deep.equal(["1.5", "NaN"]);
    const back = fromTypedEvent(EventNetworkInferences, {
      type: ev.type,
      attributes: [...ev.attributes, { key: "mode", value: "EndBlock" }],
    });
    expect(back.nonce).to.equal(42n);
    expect(back.topicId).to.equal(7n);
    expect(back.bundle?.combinedValue).to.equal(bundle.combinedValue);
    expect(back.bundle?.oneInForecasterValues).to.deep.equal(["5"]);
    expect(() => fromTypedEvent(EventNetworkInferences, { type: "other", attributes: [] })).to.throw(/expected event type/);
    expect(() =>
      fromTypedEvent(EventNetworkInferences, { type: ev.type, attributes: [{ key: "nonce", value: "{bad" }] }),
    ).to.throw(/not valid JSON/);
  });

  it("toProtoJSON/fromProtoJSON round-trip (bytes as base64, int64 as strings)", () => {
    const b = ValueBundle.fromPartial({ ...bundle, extraData: new Uint8Array([1, 2, 255]) });
    const json = ValueBundle.toProtoJSON(b);
    expect(json.topic_id).to.equal("7");
    expect(json.extra_data).to.equal("AQL/");
    expect(ValueBundle.fromProtoJSON(JSON.parse(JSON.stringify(json)))).to.deep.equal(b);
  });
});
