/** CometBFT 0.38 JSON shapes of blocks, headers, results and transactions. */
import { toBase64, toHex } from "@cosmjs/encoding";
import { BlockRecord, hashHex, TxResult } from "../chain/blocks";
import { AbciEvent } from "../chain/events";

export interface FormatContext {
  chainId: string;
  validatorAddress: string;
  validatorPubKey: Uint8Array;
  getBlock(height: number): BlockRecord | undefined;
}

export function blockIdJSON(hash: string) {
  if (!hash) return { hash: "", parts: { total: 0, hash: "" } };
  return { hash, parts: { total: 1, hash: hashHex("parts", hash) } };
}

export function rfc3339(d: Date): string {
  return d.toISOString();
}

export function headerJSON(ctx: FormatContext, b: BlockRecord) {
  return {
    version: { block: "11", app: "0" },
    chain_id: ctx.chainId,
    height: String(b.height),
    time: rfc3339(b.time),
    last_block_id: blockIdJSON(b.lastBlockHash),
    last_commit_hash: b.lastCommitHash,
    data_hash: b.dataHash,
    validators_hash: hashHex("validators", ctx.validatorAddress),
    next_validators_hash: hashHex("validators", ctx.validatorAddress),
    consensus_hash: hashHex("consensus", ctx.chainId),
    app_hash: b.appHash,
    last_results_hash: b.lastResultsHash,
    evidence_hash: "",
    proposer_address: ctx.validatorAddress,
  };
}

/** The commit for block `b` (devnet: one validator, signature bytes are a placeholder). */
export function commitJSON(ctx: FormatContext, b: BlockRecord) {
  return {
    height: String(b.height),
    round: 0,
    block_id: blockIdJSON(b.hash),
    signatures: [
      {
        block_id_flag: 2,
        validator_address: ctx.validatorAddress,
        timestamp: rfc3339(new Date(b.time.getTime() + 1)),
        signature: toBase64(new Uint8Array(Buffer.from(hashHex("sig", b.hash) + hashHex("sig2", b.hash), "hex"))),
      },
    ],
  };
}

export function blockJSON(ctx: FormatContext, b: BlockRecord) {
  const prev = b.height > 1 ? ctx.getBlock(b.height - 1) : undefined;
  const lastCommit = prev
    ? commitJSON(ctx, prev)
    : b.height > 1
      ? { ...commitJSON(ctx, { ...b, height: b.height - 1, hash: b.lastBlockHash }) }
      : { height: "0", round: 0, block_id: blockIdJSON(""), signatures: [] };
  return {
    header: headerJSON(ctx, b),
    data: { txs: b.txs.map((t) => toBase64(t)) },
    evidence: { evidence: [] },
    last_commit: lastCommit,
  };
}

export function eventJSON(e: AbciEvent) {
  return { type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index })) };
}

export function txResultJSON(r: TxResult) {
  return {
    code: r.code,
    data: r.data.length ? toBase64(r.data) : null,
    log: r.log,
    info: "",
    gas_wanted: r.gasWanted.toString(),
    gas_used: r.gasUsed.toString(),
    events: r.events.map(eventJSON),
    codespace: r.codespace,
  };
}

export function blockResultsJSON(b: BlockRecord, appHash: string) {
  return {
    height: String(b.height),
    txs_results: b.txResults.length ? b.txResults.map(txResultJSON) : null,
    finalize_block_events: b.finalizeEvents.map(eventJSON),
    validator_updates: [],
    consensus_param_updates: null,
    app_hash: toBase64(new Uint8Array(Buffer.from(appHash, "hex"))),
  };
}

export function txJSON(b: BlockRecord, index: number) {
  return {
    hash: b.txHashes[index],
    height: String(b.height),
    index,
    tx_result: txResultJSON(b.txResults[index]),
    tx: toBase64(b.txs[index]),
  };
}

export function validatorJSON(ctx: FormatContext) {
  return {
    address: ctx.validatorAddress,
    pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(ctx.validatorPubKey) },
    voting_power: "10",
    proposer_priority: "0",
  };
}

export function nodeId(chainId: string): string {
  return toHex(Buffer.from(hashHex("node", chainId), "hex").subarray(0, 20));
}
