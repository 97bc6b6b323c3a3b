/**
 * The `transfers` section of the relayer config: what the transfer pipeline carries and with which keys.
 * Absent or `enabled: false`: the daemon relays inferences only. Every error says what to write instead.
 */
import { z } from "zod";
import { fromBase64 } from "@cosmjs/encoding";
import type { DepositRules } from "../transfer/deposits";
import { axelarSchema } from "../transfer/axelar/config";

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name such as RELAYER_HUB_KEY_1");
const digits = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()], { error: 'an integer amount, e.g. "3000000"' }).transform((v) => String(v));
const bech32 = z.string().regex(/^[a-z0-9]+1[02-9ac-hj-np-z]{38,}$/, "must be a bech32 hub address, e.g. allo1…");
const ethAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address");

const pubkey = z.string().refine(
  (s) => {
    try {
      return fromBase64(s).length === 33;
    } catch {
      return false;
    }
  },
  { message: "a member is its compressed secp256k1 public key in base64 (33 bytes), as `allorad keys show --pubkey` prints its key" },
);

/**
 * Two rules of one chain from the same height leave the deposits from that height to whichever comes last in
 * the list (relayer/transfer/deposits.ts destinationAt): a reordered file, or two attesters whose files differ
 * only in order, would then decide the same deposit differently. A schedule names one rule per chain and height.
 */
function refuseTwoRulesAtOneHeight(rules: readonly { chainId: number; fromHeight: number }[], ctx: z.RefinementCtx): void {
  const firstAt = new Map<string, number>();
  rules.forEach((r, i) => {
    const key = `${r.chainId}@${r.fromHeight}`;
    const prior = firstAt.get(key);
    if (prior === undefined) {
      firstAt.set(key, i);
      return;
    }
    ctx.addIssue({
      code: "custom",
      path: [i, "fromHeight"],
      message:
        `chain ${r.chainId} has two rules from hub height ${r.fromHeight} (also destinations[${prior}]), so which one applies is unclear; ` +
        `keep one of them, or give the change a later fromHeight`,
    });
  });
}

export const transfersSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** the bridged denom on the hub; 1 ALLO = 10^18 of it, as on the EVM side */
    denom: z.string().default("uallo"),
    /** deposits from this hub height on are carried; every attester must use the same value */
    startHeight: z.number().int().positive(),
    /** tx_search stops this many blocks below the head (the node indexes txs after the commit) */
    indexLagBlocks: z.number().int().nonnegative().default(2),
    pollIntervalMs: z.number().int().positive().default(1_000),
    escrow: z
      .object({
        address: bech32,
        /** the escrow's legacy amino multisig: threshold and member public keys, in the multisig's order */
        threshold: z.number().int().positive(),
        members: z.array(pubkey).min(1, "list the escrow's member public keys"),
        /** the fee per escrow payment (a batched tx of n payments pays n times it; the escrow pays it) */
        fee: z.object({ amount: digits, gas: digits }).strict(),
        /** uallo in the escrow that backs no EVM supply at startHeight (its fee float) */
        float: digits.default("0"),
      })
      .strict(),
    /** which EVM chains take deposits, from which hub height; default: every configured chain, from startHeight */
    destinations: z
      .array(z.object({ chainId: z.number().int().positive(), enabled: z.boolean(), fromHeight: z.number().int().nonnegative() }).strict())
      .superRefine(refuseTwoRulesAtOneHeight)
      .optional(),
    /** per EVM chain (by name): its AlloraBridge and the block it was deployed at (where log scans start) */
    bridges: z.record(z.string(), z.object({ address: ethAddress, startBlock: z.number().int().nonnegative().default(0) }).strict()),
    /** this instance's member keys of the escrow: environment variables holding BIP-39 mnemonics (may be none) */
    hubSigners: z.array(z.object({ env: envName }).strict()).default([]),
    /** route 4, EVM -> EVM over Axelar GMP: tracked and reconciled, carried by Axelar (relayer/transfer/axelar) */
    axelar: axelarSchema.optional(),
  })
  .strict()
  .refine((t) => t.escrow.threshold <= t.escrow.members.length, {
    message: "escrow.threshold exceeds the number of members",
    path: ["escrow", "threshold"],
  });
export type TransfersConfig = z.infer<typeof transfersSchema>;

/** The hub's bech32 prefix, read off the escrow's address (`allo1…` -> `allo`). */
export function hubPrefixOf(t: TransfersConfig): string {
  return t.escrow.address.slice(0, t.escrow.address.lastIndexOf("1"));
}

/**
 * The deposit rules every attester applies (relayer/transfer/deposits.ts): the configured destinations, or by
 * default every EVM chain of the config, taking deposits from hub height 0.
 */
export function depositRulesOf(t: TransfersConfig, chainIds: readonly number[]): DepositRules {
  return {
    denom: t.denom,
    destinations: (t.destinations ?? chainIds.map((chainId) => ({ chainId, enabled: true, fromHeight: 0 }))).map((d) => ({
      chainId: BigInt(d.chainId),
      enabled: d.enabled,
      fromHeight: BigInt(d.fromHeight),
    })),
  };
}
