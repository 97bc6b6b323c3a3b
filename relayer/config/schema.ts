/**
 * The relayer's configuration schema (zod). One YAML file, `${ENV}` placeholders and RELAYER_* environment
 * overrides applied before validation (see load.ts). Every field's error message says what to write instead.
 *
 * Keys never appear in the file: a key is named by the environment variable that holds it, or by an
 * encrypted JSON keystore plus the environment variable that holds its password.
 */
import { z } from "zod";
import { transfersSchema } from "./transfers";
import { redisSchema } from "./redis";

const ethAddress = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address, e.g. 0x5FbDB2315678afecb367f032d93F642f64180aa3");

const url = z
  .string()
  .regex(/^(https?|wss?):\/\/\S+$/, "must be an http(s):// or ws(s):// URL, e.g. http://127.0.0.1:8545");

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name such as RELAYER_SUBMITTER_KEY");

/** Where a private key comes from. The value itself is never in the config and never logged. */
export const keySourceSchema = z.union(
  [
    z.object({ env: envName }).strict(),
    z.object({ keystore: z.string().min(1, "give the path of an encrypted JSON keystore"), passwordEnv: envName }).strict(),
  ],
  {
    error: 'a key is { env: "VAR_HOLDING_HEX_KEY" } or { keystore: "path/to/keystore.json", passwordEnv: "VAR_HOLDING_PASSWORD" }',
  },
);
export type KeySource = z.infer<typeof keySourceSchema>;

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const gwei = z
  .union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d{1,9})?$/)], {
    error: 'must be an amount in gwei, a number or a decimal string such as "1.5"',
  })
  .transform((v) => String(v));
/** No chain's fees come near this; a larger cap is a typo that would let one transaction spend a fortune. */
export const MAX_FEE_CAP_GWEI = 10_000;
const gweiCap = gwei.refine((v) => Number(v) <= MAX_FEE_CAP_GWEI, { message: `must be at most ${MAX_FEE_CAP_GWEI} gwei (a larger cap is almost surely a typo)` });

export const updatePolicySchema = z
  .object({
    /** post when |new - onchain| / |onchain| >= deviationBps / 10,000; 0 posts every new inference */
    deviationBps: nonNegativeInt.max(1_000_000, "deviationBps is basis points; 10000 = 100%"),
    /** post when the on-chain value is older than this many seconds */
    heartbeatSeconds: positiveInt,
  })
  .strict();
export type UpdatePolicy = z.infer<typeof updatePolicySchema>;

export const feeSchema = z
  .object({
    strategy: z.enum(["eip1559", "legacy"], { error: 'fees.strategy must be "eip1559" or "legacy"' }),
    /** hard cap on maxFeePerGas (eip1559) or gasPrice (legacy), in gwei; a bump never exceeds it */
    maxFeePerGasGwei: gweiCap,
    /** cap on the priority fee (eip1559 only), in gwei */
    maxPriorityFeePerGasGwei: gweiCap.optional(),
    /** raise both fees by at least this percentage when replacing a stuck transaction (>= 12.5, the geth minimum is 10) */
    bumpPercent: z.number().min(12.5, "bumpPercent must be at least 12.5 so nodes accept the replacement").default(12.5),
    /** multiply the estimated gas by this factor */
    gasLimitMultiplier: z.number().min(1).max(5).default(1.2),
  })
  .strict();
export type FeeConfig = z.infer<typeof feeSchema>;

export const chainSchema = z
  .object({
    // The chain registry's names (lib/chains.ts: ethereum, bnb, base, sepolia, bnbTestnet, baseSepolia, ...):
    // one name per chain in the deploy records, the Hardhat networks and here.
    name: z.string().regex(/^[a-z][a-zA-Z0-9-]*$/, "chain names start with a lower-case letter, then letters, digits and dashes, e.g. base or bnbTestnet (lib/chains.ts)"),
    chainId: positiveInt,
    /** tried in order; the next one is used when a call fails */
    rpcUrls: z.array(url).min(1, "give at least one RPC URL"),
    /** the AlloraOracle address; or give `deployments` instead */
    oracle: ethAddress.optional(),
    /** a deployments/<network>.json file written by scripts/deploy.ts; its contracts.AlloraOracle.address is used */
    deployments: z.string().optional(),
    /** blocks to wait on top of a transaction's block before counting it final */
    confirmations: nonNegativeInt.default(1),
    fees: feeSchema,
    submitter: keySourceSchema,
    /** a pending transaction is replaced with higher fees after this long */
    replaceAfterMs: positiveInt.default(15_000),
    /** give up waiting for one job's transaction (it is retried) after this long */
    receiptTimeoutMs: positiveInt.default(120_000),
    /** how often to poll for receipts, new blocks and logs */
    pollIntervalMs: positiveInt.default(1_000),
    /** transactions one instance may have in flight on this chain (pipelined, in order, one key) */
    maxInFlight: positiveInt.max(16).default(3),
    /** most reports in one transaction; paid topics go first when there are more */
    maxBatchSize: positiveInt.max(500).default(100),
    /**
     * the most gas one transaction may use: a batch whose estimate exceeds it is refused (alert, metric),
     * and no transaction is signed with a higher gas limit. Default: a full batch of first writes,
     * maxBatchSize x GAS_PER_REPORT_MAX + GAS_PER_TX_BASE (see gasCapOf).
     */
    maxGasPerTx: positiveInt.max(30_000_000).optional(),
    /**
     * the most this instance may spend in fees on this chain per hour, in ether units (the chain's native
     * coin): a transaction whose worst case (gas limit x max fee) would exceed what is left is not signed
     * (alert, metric). Counted in memory per process (see relayer/README.md, "What the submitter checks").
     */
    maxSpendPerHour: z.string().regex(/^\d+(\.\d{1,18})?$/, 'maxSpendPerHour is a decimal in ether units, e.g. "0.5"').default("1"),
    /** alert (log error, metric) when the submitter balance falls below this, in ether units */
    minBalance: z.string().regex(/^\d+(\.\d+)?$/, 'minBalance is a decimal in ether units, e.g. "0.05"').default("0.05"),
  })
  .strict()
  .refine((c) => c.oracle !== undefined || c.deployments !== undefined, {
    message: "give either oracle: <address> or deployments: <path to deployments/<network>.json>",
    path: ["oracle"],
  });
export type ChainConfig = z.infer<typeof chainSchema>;

/**
 * Gas of one report at most: the first value of a topic writes fresh storage (bench:relay's first sweep of
 * 100 topics: 2,497,435 gas, ~25,000 a report); later values ~8,000 (7,873 a report in full batches).
 */
export const GAS_PER_REPORT_MAX = 26_000;
/** Gas of a transaction besides its reports (signatures, calldata, the call itself), with margin. */
export const GAS_PER_TX_BASE = 150_000;

/** The chain's gas cap per transaction: `maxGasPerTx`, or enough for a full batch of first writes. */
export function gasCapOf(chain: Pick<ChainConfig, "maxGasPerTx" | "maxBatchSize">): number {
  return chain.maxGasPerTx ?? chain.maxBatchSize * GAS_PER_REPORT_MAX + GAS_PER_TX_BASE;
}

/**
 * A multi-label hub topic (emissions.v10): each listed label is relayed as its own oracle feed, stored on
 * chain under the feed id given here (the oracle's uint64 topic id). Labels of the topic not listed are
 * not relayed.
 */
const labelledTopicSchema = z
  .object({
    /** the hub topic id */
    id: positiveInt,
    /** label name (as the hub names it, e.g. "ETH") -> oracle feed id */
    labels: z
      .record(z.string().min(1, "a label name must not be empty"), positiveInt, {
        error: 'labels maps each hub label name to an oracle feed id, e.g. { ETH: 1003, BTC: 1007 }',
      })
      .refine((l) => Object.keys(l).length > 0, { message: 'list at least one label, e.g. labels: { ETH: 1003 }' }),
  })
  .strict();

/** A multi-label hub topic after loading: its relayed labels and their oracle feed ids, in config order. */
export interface LabelledTopic {
  topic: number;
  labels: { name: string; feed: number }[];
}

/**
 * Checks hub.topics: hub topic ids listed once, and every oracle feed id (a single-label topic's own id, or
 * a label's feed id) used once, since two feeds under one id would overwrite each other on chain.
 */
function checkTopics(topics: readonly (number | { id: number; labels: Record<string, number> })[], ctx: z.RefinementCtx): void {
  const hubIds = new Map<number, number>();
  const feeds = new Map<number, string>();
  const useFeed = (feed: number, where: string, path: (string | number)[]) => {
    const prior = feeds.get(feed);
    if (prior !== undefined) {
      ctx.addIssue({
        code: "custom",
        path,
        message: `oracle feed id ${feed} is already used by ${prior}; every relayed value needs its own feed id (pick an unused one)`,
      });
    } else feeds.set(feed, where);
  };
  topics.forEach((t, i) => {
    const id = typeof t === "number" ? t : t.id;
    const prior = hubIds.get(id);
    if (prior !== undefined) {
      ctx.addIssue({ code: "custom", path: ["topics", i], message: `hub topic ${id} is listed twice (also hub.topics[${prior}]); topic ids must be unique` });
      return;
    }
    hubIds.set(id, i);
    if (typeof t === "number") useFeed(t, `hub topic ${t} (hub.topics[${i}])`, ["topics", i]);
    else for (const [name, feed] of Object.entries(t.labels)) useFeed(feed, `label "${name}" of hub topic ${id}`, ["topics", i, "labels", name]);
  });
}

export const hubSchema = z
  .object({
    /** CometBFT RPC URLs of hub nodes, tried in order */
    rpcUrls: z.array(url).min(1, "give at least one hub RPC URL, e.g. http://127.0.0.1:26657"),
    chainId: z.string().min(1, "give the hub chain id, e.g. allora-testnet-1"),
    /**
     * the topics to relay: a topic id (a single-value topic, stored on chain under the same id), or
     * `{ id, labels: { <label name>: <oracle feed id> } }` for a multi-label topic (one feed per label)
     */
    topics: z
      .array(
        z.union([positiveInt, labelledTopicSchema], {
          error: "each topic is a topic id (e.g. 1) or a multi-label topic { id: 3, labels: { ETH: 1003, BTC: 1007 } }",
        }),
      )
      .min(1, "list at least one topic id"),
    /** subscribe to new blocks over the websocket; polling is the fallback either way */
    websocket: z.boolean().default(true),
    pollIntervalMs: positiveInt.default(1_000),
    /** after a restart, scan at most this many missed blocks; older gaps resume from the latest inferences */
    maxBackfillBlocks: positiveInt.default(2_000),
  })
  .strict()
  .superRefine((h, ctx) => checkTopics(h.topics, ctx))
  // After loading, `topics` lists the oracle feed ids this relayer serves (what the oracle contracts, the
  // policies and the status key by) and `labelled` says where the multi-label ones come from on the hub.
  .transform(({ topics, ...rest }) => ({
    ...rest,
    topics: topics.flatMap((t) => (typeof t === "number" ? [t] : Object.values(t.labels))),
    labelled: topics.flatMap((t): LabelledTopic[] =>
      typeof t === "number" ? [] : [{ topic: t.id, labels: Object.entries(t.labels).map(([name, feed]) => ({ name, feed })) }],
    ),
  }));

/** The HTTP server's own paths; the dashboard may not take one of them. */
export const HTTP_ENDPOINTS = ["/metrics", "/healthz", "/status", "/explorer", "/v1"] as const;

export const dashboardSchema = z
  .object({
    /** serve the BullMQ queue dashboard (bull-board) on the HTTP server */
    enabled: z.boolean({ error: "must be true or false (or set RELAYER_HTTP_DASHBOARD=true|false)" }).default(false),
    /** the URL path it is served under */
    path: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)+$/, "must be a URL path such as /queues: a leading /, no trailing /, letters, digits and . _ ~ - between the slashes")
      .refine((p) => !HTTP_ENDPOINTS.some((e) => p === e || p.startsWith(`${e}/`)), {
        message: `must not be one of the server's own endpoints (${HTTP_ENDPOINTS.join(", ")}); e.g. /queues`,
      })
      .default("/queues"),
    /**
     * read-only: jobs and counts are visible, every action (retry, remove, pause, clean, add...) is refused.
     * The dashboard has no authentication, so writable belongs only on a loopback interface (see README).
     */
    readOnly: z.boolean({ error: "must be true or false" }).default(true),
    /**
     * an environment variable holding an access token (at least 16 characters); every dashboard request
     * must then carry it (HTTP Basic password or Bearer). Required when http.host is not loopback.
     */
    tokenEnv: envName.optional(),
  })
  .strict();
export type DashboardConfig = z.infer<typeof dashboardSchema>;
const DASHBOARD_DEFAULTS: DashboardConfig = { enabled: false, path: "/queues", readOnly: true };

/**
 * Verifiable synthesis (docs/operators.md): before signing, re-derive each report's combined value from the
 * hub's parts and regrets at that height. strict: refuse and hold the topic; warn: log and count only; off.
 */
export const verifyModeSchema = z.enum(["strict", "warn", "off"], { error: 'verify modes are "strict", "warn" or "off"' });
export type VerifyModeConfig = z.infer<typeof verifyModeSchema>;

export const verifySchema = z
  .object({
    /** the mode of every topic not listed in `topics` */
    default: verifyModeSchema.default("off"),
    /** per-topic modes, e.g. { "7": "warn" } (roll out topic by topic) */
    topics: z.record(z.string().regex(/^[1-9][0-9]*$/, "keys are topic ids such as \"7\""), verifyModeSchema).default({}),
    /** the rules the hub's synthesis follows (synthesis/README.md): "current" (newest allora-chain) or "v0.5" */
    chainVersion: z.enum(["current", "v0.5"], { error: 'verify.chainVersion is "current" or "v0.5"' }).default("current"),
  })
  .strict();

const policyOverrideSchema = z
  .object({
    chain: z.string().optional(),
    topic: positiveInt.optional(),
    deviationBps: nonNegativeInt.optional(),
    heartbeatSeconds: positiveInt.optional(),
  })
  .strict();

export const configSchema = z
  .object({
    /** names this instance in logs and metrics */
    instance: z.string().default("relayer"),
    redis: redisSchema,
    hub: hubSchema,
    chains: z
      .array(chainSchema)
      .min(1, "configure at least one EVM chain")
      .refine((cs) => new Set(cs.map((c) => c.name)).size === cs.length, { message: "chain names must be unique" }),
    policy: z
      .object({
        default: updatePolicySchema,
        overrides: z.array(policyOverrideSchema).default([]),
      })
      .strict(),
    verify: verifySchema.default({ default: "off", topics: {}, chainVersion: "current" }),
    /** the attester keys this instance signs with (may be empty: a submit-only instance) */
    attesters: z.array(keySourceSchema).default([]),
    /** how long a submitter waits for the attesters' signatures to reach the threshold */
    signatureWaitMs: positiveInt.default(10_000),
    http: z
      .object({
        host: z.string().default("127.0.0.1"),
        /** /metrics, /healthz, /status and, when enabled, the queue dashboard; 0 picks a free port */
        port: nonNegativeInt.max(65535).default(9464),
        dashboard: dashboardSchema.default(DASHBOARD_DEFAULTS),
      })
      .strict()
      .default({ host: "127.0.0.1", port: 9464, dashboard: DASHBOARD_DEFAULTS }),
    health: z
      .object({
        /** /healthz turns unhealthy when a value is older than its heartbeat plus this */
        graceSeconds: nonNegativeInt.default(60),
      })
      .strict()
      .default({ graceSeconds: 60 }),
    log: z
      .object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info") })
      .strict()
      .default({ level: "info" }),
    /** the transfer pipeline (relayer/transfer/README.md); absent: inferences only */
    transfers: transfersSchema.optional(),
    queue: z
      .object({
        attempts: positiveInt.default(8),
        backoffMs: positiveInt.default(1_000),
        /** completed jobs are kept this long so a re-added (topic, nonce, chain) is recognised and dropped */
        keepCompletedSeconds: positiveInt.default(24 * 3600),
        /** ...and at most this many per chain (>= hub.maxBackfillBlocks keeps every re-addable id) */
        keepCompletedCount: positiveInt.default(10_000),
        keepFailedSeconds: positiveInt.default(30 * 24 * 3600),
        /** a job whose worker died is retried after this long */
        lockDurationMs: positiveInt.default(10_000),
      })
      .strict()
      .default({ attempts: 8, backoffMs: 1_000, keepCompletedSeconds: 86400, keepCompletedCount: 10_000, keepFailedSeconds: 2592000, lockDurationMs: 10_000 }),
  })
  .strict();

export type RelayerConfigInput = z.input<typeof configSchema>;
export type RelayerConfig = z.infer<typeof configSchema>;

/** The verify mode of a topic (verify.topics, else verify.default). */
export function verifyModeFor(config: Pick<RelayerConfig, "verify">, topic: number): VerifyModeConfig {
  // optional chaining: configs built in code (tests) may predate the verify section
  return config.verify?.topics?.[String(topic)] ?? config.verify?.default ?? "off";
}

/** The update policy for one chain and topic: the last matching override wins, field by field. */
export function policyFor(config: RelayerConfig, chain: string, topic: number): UpdatePolicy {
  const p: UpdatePolicy = { ...config.policy.default };
  for (const o of config.policy.overrides) {
    if ((o.chain === undefined || o.chain === chain) && (o.topic === undefined || o.topic === topic)) {
      if (o.deviationBps !== undefined) p.deviationBps = o.deviationBps;
      if (o.heartbeatSeconds !== undefined) p.heartbeatSeconds = o.heartbeatSeconds;
    }
  }
  return p;
}
