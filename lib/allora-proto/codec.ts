/**
 * A small schema-driven protobuf codec built on cosmjs-types' BinaryReader/BinaryWriter.
 *
 * Each message is described once by a list of fields (number, name, kind); the generic
 * encoder/decoder below then gives `encode`, `decode`, `fromPartial` and `toProtoJSON` with
 * the same calling conventions as the cosmjs-types codecs, so these messages can be used
 * with `createProtobufRpcClient` / `QueryClient` exactly like the standard Cosmos ones.
 *
 * Scalar conventions (match cosmjs-types 0.11):
 * - uint64 / int64 are `bigint`
 * - Dec / Int values are `string` (the chain's `math.Dec` travels as a protobuf string)
 * - bytes are `Uint8Array`
 */
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";

export type ScalarKind = "uint64" | "int64" | "string" | "bytes" | "bool";

export interface ScalarField {
  readonly no: number;
  readonly name: string;
  /** proto field name (snake_case), used for typed-event / proto JSON */
  readonly json: string;
  readonly kind: ScalarKind;
  readonly repeated?: boolean;
}

export interface MessageField {
  readonly no: number;
  readonly name: string;
  readonly json: string;
  readonly kind: "message";
  readonly repeated?: boolean;
  /** a thunk, so messages can refer to each other regardless of declaration order */
  readonly codec: () => MessageCodec<object>;
}

export type FieldSpec = ScalarField | MessageField;

/** The codec object exported for each message (same shape as cosmjs-types codecs). */
export interface MessageCodec<T extends object> {
  /** "/package.Message" */
  readonly typeUrl: string;
  readonly fields: readonly FieldSpec[];
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
  fromPartial(object: DeepPartial<T>): T;
  /** Proto3 JSON with original (snake_case) field names and defaults emitted, as gogoproto's jsonpb
   * with OrigName + EmitDefaults produces it (64-bit integers as strings, bytes as base64). */
  toProtoJSON(message: T): Record<string, unknown>;
  /** Inverse of toProtoJSON (accepts snake_case or camelCase keys). */
  fromProtoJSON(json: Record<string, unknown>): T;
}

export type DeepPartial<T> = T extends bigint | string | boolean | number | Uint8Array
  ? T
  : T extends ReadonlyArray<infer U>
    ? DeepPartial<U>[]
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

function defaultScalar(kind: ScalarKind): unknown {
  switch (kind) {
    case "uint64":
    case "int64":
      return 0n;
    case "string":
      return "";
    case "bytes":
      return new Uint8Array();
    case "bool":
      return false;
  }
}

function isDefaultScalar(kind: ScalarKind, v: unknown): boolean {
  switch (kind) {
    case "uint64":
    case "int64":
      return v === 0n;
    case "string":
      return v === "";
    case "bytes":
      return (v as Uint8Array).length === 0;
    case "bool":
      return v === false;
  }
}

function writeScalar(w: BinaryWriter, f: ScalarField, v: unknown): void {
  switch (f.kind) {
    case "uint64":
      w.uint32((f.no << 3) | WIRE_VARINT).uint64(v as bigint);
      break;
    case "int64":
      w.uint32((f.no << 3) | WIRE_VARINT).int64(v as bigint);
      break;
    case "bool":
      w.uint32((f.no << 3) | WIRE_VARINT).bool(v as boolean);
      break;
    case "string":
      w.uint32((f.no << 3) | WIRE_LEN).string(v as string);
      break;
    case "bytes":
      w.uint32((f.no << 3) | WIRE_LEN).bytes(v as Uint8Array);
      break;
  }
}

function readScalar(r: BinaryReader, kind: ScalarKind): unknown {
  switch (kind) {
    case "uint64":
      return r.uint64();
    case "int64":
      return r.int64();
    case "bool":
      return r.bool();
    case "string":
      return r.string();
    case "bytes":
      return r.bytes();
  }
}

function toBigInt(v: unknown, field: string): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  throw new Error(`field ${field}: expected an integer, got ${String(v)}`);
}

function scalarFromPartial(kind: ScalarKind, v: unknown, field: string): unknown {
  if (v === undefined || v === null) return defaultScalar(kind);
  switch (kind) {
    case "uint64":
    case "int64":
      return toBigInt(v, field);
    case "string":
      return String(v);
    case "bool":
      return Boolean(v);
    case "bytes":
      return v instanceof Uint8Array ? v : new Uint8Array(v as ArrayLike<number>);
  }
}

function scalarToJSON(kind: ScalarKind, v: unknown): unknown {
  switch (kind) {
    case "uint64":
    case "int64":
      return (v as bigint).toString();
    case "bytes":
      return Buffer.from(v as Uint8Array).toString("base64");
    default:
      return v;
  }
}

function scalarFromJSON(kind: ScalarKind, v: unknown, field: string): unknown {
  if (v === undefined || v === null) return defaultScalar(kind);
  if (kind === "bytes") return new Uint8Array(Buffer.from(String(v), "base64"));
  return scalarFromPartial(kind, v, field);
}

function camel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Defines a message codec from its field list. */
export function defineMessage<T extends object>(typeUrl: string, fields: readonly FieldSpec[]): MessageCodec<T> {
  const byNo = new Map<number, FieldSpec>(fields.map((f) => [f.no, f]));

  const create = (): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (const f of fields) {
      if (f.repeated) o[f.name] = [];
      else if (f.kind === "message") o[f.name] = undefined;
      else o[f.name] = defaultScalar(f.kind);
    }
    return o;
  };

  const codec: MessageCodec<T> = {
    typeUrl,
    fields,
    encode(message: T, writer: BinaryWriter = BinaryWriter.create()): BinaryWriter {
      const m = message as Record<string, unknown>;
      for (const f of fields) {
        const v = m[f.name];
        if (f.kind === "message") {
          const sub = f.codec();
          if (f.repeated) {
            for (const item of (v as object[] | undefined) ?? []) {
              sub.encode(item, writer.uint32((f.no << 3) | WIRE_LEN).fork()).ldelim();
            }
          } else if (v !== undefined && v !== null) {
            sub.encode(v as object, writer.uint32((f.no << 3) | WIRE_LEN).fork()).ldelim();
          }
        } else if (f.repeated) {
          const items = (v as unknown[] | undefined) ?? [];
          if (f.kind === "uint64" || f.kind === "int64" || f.kind === "bool") {
            if (items.length > 0) {
              writer.uint32((f.no << 3) | WIRE_LEN).fork();
              for (const item of items) {
                if (f.kind === "uint64") writer.uint64(item as bigint);
                else if (f.kind === "int64") writer.int64(item as bigint);
                else writer.bool(item as boolean);
              }
              writer.ldelim();
            }
          } else {
            for (const item of items) writeScalar(writer, f, item);
          }
        } else if (v !== undefined && !isDefaultScalar(f.kind, v)) {
          writeScalar(writer, f, v);
        }
      }
      return writer;
    },
    decode(input: BinaryReader | Uint8Array, length?: number): T {
      const reader = input instanceof BinaryReader ? input : new BinaryReader(input);
      const end = length === undefined ? reader.len : reader.pos + length;
      const m = create();
      while (reader.pos < end) {
        const tag = reader.uint32();
        const f = byNo.get(tag >>> 3);
        const wire = tag & 7;
        if (!f) {
          reader.skipType(wire);
          continue;
        }
        if (f.kind === "message") {
          const sub = f.codec();
          const value = sub.decode(reader, reader.uint32());
          if (f.repeated) (m[f.name] as unknown[]).push(value);
          else m[f.name] = value;
        } else if (f.repeated) {
          const arr = m[f.name] as unknown[];
          if (wire === WIRE_LEN && f.kind !== "string" && f.kind !== "bytes") {
            const packedEnd = reader.uint32() + reader.pos;
            while (reader.pos < packedEnd) arr.push(readScalar(reader, f.kind));
          } else {
            arr.push(readScalar(reader, f.kind));
          }
        } else {
          m[f.name] = readScalar(reader, f.kind);
        }
      }
      return m as T;
    },
    fromPartial(object: DeepPartial<T>): T {
      const src = (object ?? {}) as Record<string, unknown>;
      const m = create();
      for (const f of fields) {
        const v = src[f.name];
        if (f.kind === "message") {
          const sub = f.codec();
          if (f.repeated) m[f.name] = ((v as object[] | undefined) ?? []).map((x) => sub.fromPartial(x));
          else m[f.name] = v === undefined || v === null ? undefined : sub.fromPartial(v as object);
        } else if (f.repeated) {
          m[f.name] = ((v as unknown[] | undefined) ?? []).map((x) => scalarFromPartial(f.kind, x, f.name));
        } else {
          m[f.name] = scalarFromPartial(f.kind, v, f.name);
        }
      }
      return m as T;
    },
    toProtoJSON(message: T): Record<string, unknown> {
      const m = message as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        const v = m[f.name];
        if (f.kind === "message") {
          const sub = f.codec();
          if (f.repeated) out[f.json] = ((v as object[] | undefined) ?? []).map((x) => sub.toProtoJSON(x));
          else out[f.json] = v === undefined || v === null ? null : sub.toProtoJSON(v as object);
        } else if (f.repeated) {
          out[f.json] = ((v as unknown[] | undefined) ?? []).map((x) => scalarToJSON(f.kind, x));
        } else {
          out[f.json] = scalarToJSON(f.kind, v ?? defaultScalar(f.kind));
        }
      }
      return out;
    },
    fromProtoJSON(json: Record<string, unknown>): T {
      const m = create();
      for (const f of fields) {
        const v = json[f.json] ?? json[camel(f.json)];
        if (f.kind === "message") {
          const sub = f.codec();
          if (f.repeated)
            m[f.name] = ((v as Record<string, unknown>[] | undefined) ?? []).map((x) => sub.fromProtoJSON(x));
          else m[f.name] = v === undefined || v === null ? undefined : sub.fromProtoJSON(v as Record<string, unknown>);
        } else if (f.repeated) {
          m[f.name] = ((v as unknown[] | undefined) ?? []).map((x) => scalarFromJSON(f.kind, x, f.json));
        } else {
          m[f.name] = scalarFromJSON(f.kind, v, f.json);
        }
      }
      return m as T;
    },
  };
  return codec;
}

/** Shorthand for a scalar field; `name` is camelCase, `json` the proto (snake_case) name. */
export function scalar(no: number, json: string, kind: ScalarKind, repeated = false): ScalarField {
  return { no, name: camel(json), json, kind, repeated };
}

/** Shorthand for a message field. */
export function message(
  no: number,
  json: string,
  codec: () => MessageCodec<object>,
  repeated = false,
): MessageField {
  return { no, name: camel(json), json, kind: "message", codec, repeated };
}

/** Encodes a message to bytes. */
export function toBytes<T extends object>(codec: MessageCodec<T>, msg: T): Uint8Array {
  return codec.encode(msg).finish();
}
