/**
 * Loading the relayer config: YAML file -> `${VAR}` placeholders -> RELAYER_* environment overrides ->
 * zod validation -> deployments files resolved. Every problem becomes one line "field: problem (fix)".
 */
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { configSchema, RelayerConfig } from "./schema";
import { safetyIssues } from "./safety";
import { resolveAxelarAdapters } from "../transfer/axelar/config";

/** A config that cannot be used; `issues` are one line each, naming the field and the fix. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`invalid relayer config ${source}:\n  - ${issues.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

/** The validated config plus where the oracle of each chain came from. */
export type LoadedConfig = RelayerConfig & {
  /** chain name -> oracle address (from `oracle:` or the deployments file) */
  oracles: Record<string, string>;
  /** the directory relative paths (keystores, deployments) were resolved against */
  baseDir: string;
};

type Env = Record<string, string | undefined>;

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of the parsed YAML. A placeholder without a
 * default whose variable is unset is an error naming both the field and the variable.
 */
export function interpolateEnv(value: unknown, env: Env, at: string, issues: string[]): unknown {
  if (typeof value === "string") {
    // A value that is exactly one placeholder takes the type its text spells (port: ${PORT:-9464} is a number).
    const whole = /^\$\{[^}]+\}$/.test(value);
    const replaced = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, def?: string) => {
      const v = env[name];
      if (v !== undefined && v !== "") return v;
      if (def !== undefined) return def;
      issues.push(`${at || "(root)"}: environment variable ${name} is not set (export ${name}=... or edit the file)`);
      return "";
    });
    if (whole && /^-?\d+(\.\d+)?$/.test(replaced)) return Number(replaced);
    if (whole && (replaced === "true" || replaced === "false")) return replaced === "true";
    return replaced;
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, `${at}[${i}]`, issues));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, at ? `${at}.${k}` : k, issues);
    return out;
  }
  return value;
}

const list = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");

const boolText = (s: string): boolean | string => {
  const v = s.trim().toLowerCase();
  return v === "true" || v === "1" ? true : v === "false" || v === "0" ? false : s;
};

/** The environment variable prefix of a chain's overrides: RELAYER_CHAIN_<NAME>_ (camelCase and dashes become _: bnbTestnet -> BNB_TESTNET). */
export function chainEnvPrefix(chainName: string): string {
  return `RELAYER_CHAIN_${chainName.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase().replace(/-/g, "_")}_`;
}

/**
 * Environment overrides (applied over the file, before validation):
 * RELAYER_INSTANCE, RELAYER_REDIS_URL, RELAYER_REDIS_PREFIX, RELAYER_HUB_RPC_URLS (comma list),
 * RELAYER_HUB_CHAIN_ID, RELAYER_HUB_TOPICS (comma list), RELAYER_HTTP_PORT, RELAYER_HTTP_DASHBOARD (true|false),
 * RELAYER_HTTP_DASHBOARD_PATH, RELAYER_LOG_LEVEL, and per chain RELAYER_CHAIN_<NAME>_RPC_URLS, _ORACLE, _DEPLOYMENTS.
 * The dashboard's readOnly switch has no override on purpose: making it writable is an edit of the file.
 */
export function applyEnvOverrides(raw: Record<string, unknown>, env: Env): Record<string, unknown> {
  const cfg = structuredClone(raw) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const set = (obj: Record<string, unknown>, key: string, v: unknown) => (obj[key] = v);
  const section = (key: string) => (cfg[key] ??= {}) as Record<string, unknown>;
  if (env.RELAYER_INSTANCE) cfg.instance = env.RELAYER_INSTANCE;
  if (env.RELAYER_REDIS_URL) set(section("redis"), "url", env.RELAYER_REDIS_URL);
  if (env.RELAYER_REDIS_PREFIX) set(section("redis"), "prefix", env.RELAYER_REDIS_PREFIX);
  if (env.RELAYER_HUB_RPC_URLS) set(section("hub"), "rpcUrls", list(env.RELAYER_HUB_RPC_URLS));
  if (env.RELAYER_HUB_CHAIN_ID) set(section("hub"), "chainId", env.RELAYER_HUB_CHAIN_ID);
  if (env.RELAYER_HUB_TOPICS) set(section("hub"), "topics", list(env.RELAYER_HUB_TOPICS).map(Number));
  if (env.RELAYER_HTTP_PORT) set(section("http"), "port", Number(env.RELAYER_HTTP_PORT));
  if (env.RELAYER_HTTP_DASHBOARD || env.RELAYER_HTTP_DASHBOARD_PATH) {
    const http = section("http");
    http.dashboard ??= {};
    const dashboard = http.dashboard as Record<string, unknown>;
    // A file whose dashboard is not a mapping is left as it is: validation reports that field.
    if (dashboard !== null && typeof dashboard === "object" && !Array.isArray(dashboard)) {
      // Anything but true/false is passed through as text, so validation names the field.
      if (env.RELAYER_HTTP_DASHBOARD) dashboard.enabled = boolText(env.RELAYER_HTTP_DASHBOARD);
      if (env.RELAYER_HTTP_DASHBOARD_PATH) dashboard.path = env.RELAYER_HTTP_DASHBOARD_PATH;
    }
  }
  if (env.RELAYER_LOG_LEVEL) set(section("log"), "level", env.RELAYER_LOG_LEVEL);
  if (Array.isArray(cfg.chains)) {
    for (const chain of cfg.chains) {
      if (chain === null || typeof chain !== "object" || typeof chain.name !== "string") continue;
      const p = chainEnvPrefix(chain.name);
      if (env[`${p}RPC_URLS`]) chain.rpcUrls = list(env[`${p}RPC_URLS`]!);
      if (env[`${p}ORACLE`]) {
        chain.oracle = env[`${p}ORACLE`];
        delete chain.deployments;
      }
      if (env[`${p}DEPLOYMENTS`]) {
        chain.deployments = env[`${p}DEPLOYMENTS`];
        delete chain.oracle;
      }
    }
  }
  return cfg;
}

/** Formats zod issues as "field.path: message". */
export function formatZodIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const at = i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
    let msg = i.message;
    if (i.code === "unrecognized_keys") msg = `unknown field(s) ${i.keys.join(", ")} (check the spelling; see relayer/README.md)`;
    if (i.code === "invalid_type" && /received undefined/.test(i.message)) msg = `is required (${i.message})`;
    return `${at || "(root)"}: ${msg}`;
  });
}

interface DeploymentsFile {
  network?: string;
  chainId?: number;
  contracts?: Record<string, { address?: string }>;
}

/** Validates an already-parsed config object (file contents after interpolation). */
export function parseConfig(raw: unknown, env: Env, source: string, baseDir: string): LoadedConfig {
  const issues: string[] = [];
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(source, ["(root): the file must be a YAML mapping with redis, hub, chains and policy"]);
  }
  const interpolated = interpolateEnv(raw, env, "", issues) as Record<string, unknown>;
  if (issues.length) throw new ConfigError(source, issues);
  const withEnv = applyEnvOverrides(interpolated, env);
  const parsed = configSchema.safeParse(withEnv);
  if (!parsed.success) throw new ConfigError(source, formatZodIssues(parsed.error));
  const config = parsed.data;

  const oracles: Record<string, string> = {};
  config.chains.forEach((chain, i) => {
    if (chain.oracle) {
      oracles[chain.name] = chain.oracle;
      return;
    }
    const file = path.resolve(baseDir, chain.deployments!);
    let dep: DeploymentsFile;
    try {
      dep = JSON.parse(fs.readFileSync(file, "utf8")) as DeploymentsFile;
    } catch (e) {
      issues.push(
        `chains[${i}].deployments: cannot read ${file} (${(e as Error).message.split("\n")[0]}); deploy first (npm run deploy) or give oracle: <address>`,
      );
      return;
    }
    const address = dep.contracts?.AlloraOracle?.address;
    if (!address || !/^0x[0-9a-fA-F]{40}$/.test(address)) {
      issues.push(`chains[${i}].deployments: ${file} has no contracts.AlloraOracle.address; deploy the oracle or give oracle: <address>`);
      return;
    }
    if (dep.chainId !== undefined && Number(dep.chainId) !== chain.chainId) {
      issues.push(
        `chains[${i}].deployments: ${file} is for chain id ${dep.chainId} but chains[${i}].chainId is ${chain.chainId}; point at the right file`,
      );
      return;
    }
    oracles[chain.name] = address;
  });
  for (const [i, o] of config.policy.overrides.entries()) {
    if (o.chain !== undefined && !config.chains.some((c) => c.name === o.chain)) {
      issues.push(`policy.overrides[${i}].chain: no chain named "${o.chain}" (known: ${config.chains.map((c) => c.name).join(", ")})`);
    }
    if (o.topic !== undefined && !config.hub.topics.includes(o.topic)) {
      issues.push(`policy.overrides[${i}].topic: topic ${o.topic} is not in hub.topics`);
    }
  }
  // transfers.axelar: adapters not listed come from the chains' deployments files (filled in here).
  if (config.transfers?.axelar) issues.push(...resolveAxelarAdapters(config.transfers.axelar, config.chains, baseDir));
  issues.push(...safetyIssues(config));
  if (issues.length) throw new ConfigError(source, issues);
  return { ...config, oracles, baseDir };
}

/** Reads and validates a YAML config file. Throws ConfigError. */
export function loadConfig(file: string, env: Env = process.env): LoadedConfig {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, "utf8");
  } catch (e) {
    throw new ConfigError(abs, [`cannot read the file (${(e as Error).message}); pass --config <path to a YAML file>`]);
  }
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (e) {
    throw new ConfigError(abs, [`not valid YAML: ${(e as Error).message.split("\n")[0]}`]);
  }
  return parseConfig(raw, env, abs, path.dirname(abs));
}
