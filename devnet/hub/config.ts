/**
 * The hub devnet's configuration: chain parameters, genesis accounts and balances, topics and their
 * simulated participants. One JSON or YAML file (devnet/hub.config.json is the default), validated at
 * start; every problem is reported with the field path and how to fix it.
 *
 * DEVNET ONLY: the mnemonics in the default config are PUBLIC TEST KEYS. Never use them for real funds.
 */
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { z } from "zod";

const decString = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string such as "0.75"');
const intString = z.string().regex(/^\d+$/, 'must be a non-negative integer string such as "1000000"');
const posInt = z.number().int().positive();

const infererSchema = z.object({
  /** standard deviation of the inferer's error around the ground truth */
  noise: z.number().nonnegative(),
  /** systematic error added to each inference */
  bias: z.number().default(0),
});
const forecasterSchema = z.object({
  /** standard deviation of the error of its forecasted log10 losses */
  noise: z.number().nonnegative().default(0.1),
});
const reputerSchema = z.object({
  stake: intString.default("1000000000000000000000"),
  /** relative noise of the reputer's ground truth reading */
  noise: z.number().nonnegative().default(0),
});

/** A count generates participants of graded quality; a list gives them explicitly. */
const participants = <T extends z.ZodTypeAny>(item: T) => z.union([z.number().int().nonnegative(), z.array(item)]);

const topicSchema = z.object({
  id: posInt,
  metadata: z.string().default(""),
  creator: z.string().optional(),
  lossMethod: z.enum(["mse", "mae", "se", "ae"]).default("mse"),
  /** epoch length in blocks; the epoch nonce is the block height at which it closed */
  epochLength: posInt.default(1),
  /**
   * Where the topic's epochs fall: they close at the heights h with h % epochLength == epochOffset (0 up to
   * epochLength - 1). On the hub that phase comes from the block that created the topic, so topics of one
   * epoch length close at different heights; 0 (every topic on the multiples) is the devnet's default.
   */
  epochOffset: z.number().int().nonnegative().default(0),
  groundTruthLag: z.number().int().nonnegative().optional(),
  workerSubmissionWindow: z.number().int().nonnegative().optional(),
  pNorm: decString.default("3"),
  cNorm: decString.default("0.75"),
  alphaRegret: decString.default("0.1"),
  epsilon: decString.default("0.0001"),
  initialRegret: decString.default("0"),
  allowNegative: z.boolean().default(false),
  meritSortitionAlpha: decString.default("0.1"),
  activeInfererQuantile: decString.default("0.25"),
  activeForecasterQuantile: decString.default("0.25"),
  activeReputerQuantile: decString.default("0.25"),
  weight: decString.default("1"),
  effectiveRevenue: intString.default("0"),
  groundTruth: z
    .object({
      kind: z.literal("random-walk").default("random-walk"),
      start: z.number().default(100),
      volatility: z.number().nonnegative().default(1),
      seed: z.number().int().optional(),
    })
    .default({ kind: "random-walk", start: 100, volatility: 1 }),
  inferers: participants(infererSchema).default(3),
  forecasters: participants(forecasterSchema).default(2),
  reputers: participants(reputerSchema).default(2),
  /**
   * Labels of a multi-label topic (emissions.v10): each label is a value the topic's workers infer, with
   * its own ground truth (default: the topic's, differently seeded). Absent: one label (see
   * modules/labels.ts DEFAULT_LABEL). The v9 queries and events carry the first label.
   */
  labels: z
    .array(
      z.object({
        /** uint32 label id; default: the label's index */
        id: z.number().int().min(0).max(4294967295).optional(),
        name: z.string().min(1),
        groundTruth: z
          .object({ start: z.number().optional(), volatility: z.number().nonnegative().optional(), seed: z.number().int().optional() })
          .optional(),
      }),
    )
    .min(1)
    .optional(),
}).refine((t) => t.epochOffset < t.epochLength, {
  path: ["epochOffset"],
  message: "must be below epochLength (epochs close at heights h with h % epochLength == epochOffset); give 0 up to epochLength - 1",
});

const accountSchema = z
  .object({
    name: z.string().min(1),
    /** DEVNET ONLY public test mnemonic; the address is derived (m/44'/118'/0'/0/0) */
    mnemonic: z.string().optional(),
    address: z.string().optional(),
    /** a legacy amino threshold multisig of other named accounts (which need mnemonics) */
    multisig: z.object({ threshold: posInt, members: z.array(z.string()).min(1) }).optional(),
    balance: intString.default("0"),
  })
  .refine((a) => [a.mnemonic, a.address, a.multisig].filter((x) => x !== undefined).length === 1, {
    message: "give exactly one of mnemonic, address or multisig",
  });

export const configSchema = z.object({
  chainId: z.string().min(1).default("allora-devnet-1"),
  bech32Prefix: z.string().min(1).default("allo"),
  denom: z.string().min(1).default("uallo"),
  /** block interval in milliseconds */
  blockTimeMs: posInt.default(1000),
  /** minimum gas price in denom per gas unit, checked in CheckTx like a validator's min-gas-prices */
  minGasPrice: decString.default("10"),
  /** blocks whose results stay queryable (block, block_results, tx) */
  blockRetention: posInt.default(10000),
  /** network bundles kept per topic for GetNetworkInferencesAtBlock */
  bundleHistory: posInt.default(1000),
  maxTxsPerBlock: posInt.default(1000),
  /**
   * Compute the one-out / one-in values of each bundle ("all", the hub's full ValueBundle) or only the
   * combined, naive, inferer and forecast-implied values ("none", about 3x cheaper); "auto" is "all" up
   * to 20 topics and "none" above.
   */
  synthesisVariants: z.enum(["auto", "all", "none"]).default("auto"),
  /**
   * Worker threads that run the simulated participants and the synthesis, precomputing each topic's
   * next epochs ahead of the chain: "auto" uses min(2, CPUs) workers for 10+ topics and none (inline,
   * on the RPC thread) below; 0 forces inline.
   */
  synthesisWorkers: z.union([z.literal("auto"), z.number().int().min(0).max(16)]).default("auto"),
  /**
   * The emissions query services answered (`/emissions.<v>.QueryService/...`). The default is what a
   * current hub registers: v10 only (x/emissions/module/module.go, see README "Query versions");
   * ["v9"] reproduces a hub before the v10 upgrade, ["v9", "v10"] serves both (tests of the v9 codecs).
   */
  emissionsQueryVersions: z
    .array(z.enum(["v9", "v10"]))
    .min(1)
    .default(["v10"]),
  accounts: z.array(accountSchema).default([]),
  topics: z.array(topicSchema).min(1),
});

export type HubConfig = z.output<typeof configSchema>;
export type HubConfigInput = z.input<typeof configSchema>;
export type TopicConfig = HubConfig["topics"][number];

/** The part of a topic's config that says where its epochs fall. */
export type EpochPhase = Pick<TopicConfig, "epochLength" | "epochOffset">;

/** Whether the topic's epoch closes at `height` (the epoch's nonce is then that height). */
export function epochClosesAt(t: EpochPhase, height: number): boolean {
  return height % t.epochLength === t.epochOffset;
}

/** The height of the topic's newest epoch closed at or below `height` (below 1 when none has closed yet). */
export function lastEpochCloseAt(t: EpochPhase, height: number): number {
  return height - ((((height - t.epochOffset) % t.epochLength) + t.epochLength) % t.epochLength);
}
export type AccountConfig = HubConfig["accounts"][number];

/** A config problem, with every issue listed as "path: problem (fix)". */
export class ConfigError extends Error {
  constructor(source: string, issues: string[]) {
    super(`invalid hub devnet config ${source}:\n  - ${issues.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

function hint(pathStr: string): string {
  if (pathStr.endsWith("id")) return " (fix: give each topic a unique positive integer id)";
  if (/balance|stake|effectiveRevenue/.test(pathStr)) return ' (fix: write the amount as a string of digits, e.g. "1000000")';
  if (/Norm|alpha|epsilon|Regret|Quantile|weight|minGasPrice/i.test(pathStr))
    return ' (fix: write the decimal as a string, e.g. "0.75")';
  return "";
}

/** Validates a config object; throws ConfigError naming each bad field. */
export function parseConfig(input: unknown, source = "(object)"): HubConfig {
  const r = configSchema.safeParse(input);
  if (!r.success) {
    throw new ConfigError(
      source,
      r.error.issues.map((i) => {
        const p = i.path.map(String).join(".") || "(root)";
        return `${p}: ${i.message}${hint(p)}`;
      }),
    );
  }
  const cfg = r.data;
  const issues: string[] = [];
  const ids = new Set<number>();
  cfg.topics.forEach((t, i) => {
    if (ids.has(t.id)) issues.push(`topics.${i}.id: duplicate topic id ${t.id} (fix: topic ids must be unique)`);
    ids.add(t.id);
    const p = Number(t.pNorm);
    if (p < 2.5 || p > 4.5) issues.push(`topics.${i}.pNorm: ${t.pNorm} is outside [2.5, 4.5] (fix: use e.g. "3")`);
    const a = Number(t.alphaRegret);
    if (!(a > 0 && a <= 1)) issues.push(`topics.${i}.alphaRegret: ${t.alphaRegret} must be in (0, 1] (fix: e.g. "0.1")`);
    if (!(Number(t.epsilon) > 0)) issues.push(`topics.${i}.epsilon: must be > 0 (fix: e.g. "0.0001")`);
    const nInf = typeof t.inferers === "number" ? t.inferers : t.inferers.length;
    if (nInf < 1) issues.push(`topics.${i}.inferers: a topic needs at least one inferer`);
    const nRep = typeof t.reputers === "number" ? t.reputers : t.reputers.length;
    if (nRep < 1) issues.push(`topics.${i}.reputers: a topic needs at least one reputer`);
    const labelNames = new Set<string>();
    const labelIds = new Set<number>();
    (t.labels ?? []).forEach((l, k) => {
      const id = l.id ?? k;
      if (labelNames.has(l.name)) issues.push(`topics.${i}.labels.${k}.name: duplicate label name ${l.name} (fix: label names must be unique in a topic)`);
      if (labelIds.has(id)) issues.push(`topics.${i}.labels.${k}.id: duplicate label id ${id} (fix: give each label a unique id, or omit ids to number them by position)`);
      labelNames.add(l.name);
      labelIds.add(id);
    });
  });
  const names = new Set<string>();
  cfg.accounts.forEach((a, i) => {
    if (names.has(a.name)) issues.push(`accounts.${i}.name: duplicate account name ${a.name}`);
    names.add(a.name);
  });
  cfg.accounts.forEach((a, i) => {
    if (!a.multisig) return;
    for (const m of a.multisig.members) {
      const member = cfg.accounts.find((x) => x.name === m);
      if (!member) issues.push(`accounts.${i}.multisig.members: unknown account ${m} (fix: name an account defined in accounts)`);
      else if (!member.mnemonic)
        issues.push(`accounts.${i}.multisig.members: ${m} has no mnemonic (fix: multisig members need a mnemonic to derive their public key)`);
    }
    if (a.multisig.threshold > a.multisig.members.length)
      issues.push(`accounts.${i}.multisig.threshold: ${a.multisig.threshold} exceeds the ${a.multisig.members.length} members`);
  });
  if (issues.length) throw new ConfigError(source, issues);
  return cfg;
}

/** Loads and validates a JSON or YAML config file. */
export function loadConfigFile(file: string): HubConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(file, [`cannot read the file: ${(e as Error).message} (fix: pass --config with an existing path)`]);
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, [`not valid ${/\.ya?ml$/i.test(file) ? "YAML" : "JSON"}: ${(e as Error).message}`]);
  }
  return parseConfig(data, file);
}

/** The default config file shipped with the repository. */
export const DEFAULT_CONFIG_PATH = path.resolve(__dirname, "..", "hub.config.json");
