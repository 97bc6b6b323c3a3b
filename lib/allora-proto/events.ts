/**
 * emissions.v9 typed events and helpers to turn them into / read them from ABCI events.
 *
 * The Cosmos SDK emits a typed event as an ABCI event whose `type` is the proto message name
 * (e.g. `emissions.v9.EventNetworkInferences`) and whose attributes are the top-level fields of the
 * message's proto JSON (original snake_case names, defaults emitted), sorted by key, each value
 * JSON-encoded: strings and 64-bit integers arrive quoted (`"\"42\""`), nested messages as objects.
 */
import { defineMessage, message, MessageCodec, scalar } from "./codec";
import { ValueBundle } from "./value-bundle";

/** emissions.v9.EventValueBundle: a compact bundle with parallel address/value lists. */
export interface EventValueBundle {
  extraData: Uint8Array;
  combinedValue: string;
  naiveValue: string;
  infererAddresses: string[];
  forecasterAddresses: string[];
  infererValues: string[];
  forecasterValues: string[];
  oneOutInfererValues: string[];
  oneOutForecasterValues: string[];
  oneInForecasterValues: string[];
  /** math.DecArray on chain; the devnet leaves it empty. */
  oneOutInfererForecasterValues: string[];
}
export const EventValueBundle: MessageCodec<EventValueBundle> = defineMessage<EventValueBundle>(
  "/emissions.v9.EventValueBundle",
  [
    scalar(1, "extra_data", "bytes"),
    scalar(2, "combined_value", "string"),
    scalar(3, "naive_value", "string"),
    scalar(4, "inferer_addresses", "string", true),
    scalar(5, "forecaster_addresses", "string", true),
    scalar(6, "inferer_values", "string", true),
    scalar(7, "forecaster_values", "string", true),
    scalar(8, "one_out_inferer_values", "string", true),
    scalar(9, "one_out_forecaster_values", "string", true),
    scalar(10, "one_in_forecaster_values", "string", true),
    scalar(11, "one_out_inferer_forecaster_values", "string", true),
  ],
);

/** emissions.v9.EventNetworkInferences: emitted when a topic's epoch (worker nonce) closes. */
export interface EventNetworkInferences {
  topicId: bigint;
  /** @deprecated on chain; the devnet leaves it 0 */
  blockHeight: bigint;
  /** @deprecated on chain; the devnet leaves it unset */
  valueBundle?: ValueBundle;
  /** the epoch nonce = block height at which the epoch closed */
  nonce: bigint;
  bundle?: EventValueBundle;
}
export const EventNetworkInferences: MessageCodec<EventNetworkInferences> = defineMessage<EventNetworkInferences>(
  "/emissions.v9.EventNetworkInferences",
  [
    scalar(1, "topic_id", "uint64"),
    scalar(2, "block_height", "int64"),
    message(3, "value_bundle", () => ValueBundle),
    scalar(4, "nonce", "int64"),
    message(5, "bundle", () => EventValueBundle),
  ],
);

/** emissions.v9.EventWorkerSubmissionWindowOpened */
export interface EventWorkerSubmissionWindowOpened {
  topicId: bigint;
  nonce: bigint;
  windowEndBlock: bigint;
}
export const EventWorkerSubmissionWindowOpened: MessageCodec<EventWorkerSubmissionWindowOpened> =
  defineMessage<EventWorkerSubmissionWindowOpened>("/emissions.v9.EventWorkerSubmissionWindowOpened", [
    scalar(1, "topic_id", "uint64"),
    scalar(2, "nonce", "int64"),
    scalar(3, "window_end_block", "int64"),
  ]);

/** An ABCI event as CometBFT serves it (attribute keys and values are plain strings). */
export interface AbciEvent {
  type: string;
  attributes: { key: string; value: string; index: boolean }[];
}

/** The event type string of a typed event: the message's full proto name. */
export function typedEventType<T extends object>(codec: MessageCodec<T>): string {
  return codec.typeUrl.replace(/^\//, "");
}

/** Builds the ABCI event the Cosmos SDK emits for a typed event (attributes sorted by key). */
export function toTypedEvent<T extends object>(codec: MessageCodec<T>, msg: T): AbciEvent {
  const json = codec.toProtoJSON(msg);
  const keys = Object.keys(json).sort();
  return {
    type: typedEventType(codec),
    attributes: keys.map((key) => ({ key, value: JSON.stringify(json[key]), index: true })),
  };
}

/**
 * Parses a typed event back into its message. Extra attributes the SDK appends (`mode`,
 * `msg_index`) are ignored. Throws if the type does not match or a value is not valid JSON.
 */
export function fromTypedEvent<T extends object>(
  codec: MessageCodec<T>,
  event: { type: string; attributes: readonly { key: string; value: string | Uint8Array }[] },
): T {
  const expected = typedEventType(codec);
  if (event.type !== expected) throw new Error(`expected event type ${expected}, got ${event.type}`);
  const fieldNames = new Set(codec.fields.map((f) => f.json));
  const json: Record<string, unknown> = {};
  for (const attr of event.attributes) {
    if (!fieldNames.has(attr.key)) continue;
    const raw = typeof attr.value === "string" ? attr.value : Buffer.from(attr.value).toString("utf8");
    try {
      json[attr.key] = JSON.parse(raw);
    } catch {
      throw new Error(`event ${expected}: attribute ${attr.key} is not valid JSON: ${raw.slice(0, 80)}`);
    }
  }
  return codec.fromProtoJSON(json);
}

/** Converts a network ValueBundle into the compact EventValueBundle the chain emits. */
export function eventBundleFromValueBundle(b: ValueBundle): EventValueBundle {
  return {
    extraData: b.extraData,
    combinedValue: b.combinedValue,
    naiveValue: b.naiveValue,
    infererAddresses: b.infererValues.map((v) => v.worker),
    forecasterAddresses: b.forecasterValues.map((v) => v.worker),
    infererValues: b.infererValues.map((v) => v.value),
    forecasterValues: b.forecasterValues.map((v) => v.value),
    oneOutInfererValues: b.oneOutInfererValues.map((v) => v.value),
    oneOutForecasterValues: b.oneOutForecasterValues.map((v) => v.value),
    oneInForecasterValues: b.oneInForecasterValues.map((v) => v.value),
    oneOutInfererForecasterValues: [],
  };
}
