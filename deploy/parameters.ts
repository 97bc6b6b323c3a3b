/**
 * Deployment parameters per network: deploy/parameters/<network>.json, or deploy/parameters/local.json for
 * the local networks (hardhat, localhost, ethereumLocal, bnbLocal, baseLocal) when they have no file of
 * their own. Validated with zod; every error names the file, the field and the fix.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { z } from "zod";
import { EVM_CHAINS } from "../lib/chains";
import { hubBridgeId } from "../lib/eip712/bridge";

/** Networks whose nodes restart from genesis: deployments are not committed and stale records are redone. */
export const LOCAL_NETWORKS = ["hardhat", "localhost", "ethereumLocal", "bnbLocal", "baseLocal"] as const;

export function isLocalNetwork(name: string): boolean {
  return (LOCAL_NETWORKS as readonly string[]).includes(name);
}

export const PARAMETERS_DIR = path.join(__dirname, "parameters");

/** The default CREATE2 salt of the token: keccak256("allora.AlloToken.v1"), same address on every chain. */
export const DEFAULT_TOKEN_SALT = ethers.id("allora.AlloToken.v1");

/** The default CREATE2 salt of the Axelar adapter: keccak256("allora.AlloraAxelarAdapter.v1"). */
export const DEFAULT_AXELAR_ADAPTER_SALT = ethers.id("allora.AlloraAxelarAdapter.v1");

/** An address, or "deployer" for the account that runs the deployment. */
const accountRef = z
  .string()
  .refine((v) => v === "deployer" || ethers.isAddress(v), { message: 'expected an 0x address or "deployer"' });

/** An amount: base units as a decimal string ("1000000000000000000") or whole tokens ("1000 ALLO"). */
const amount = z.string().transform((v, ctx) => {
  const tokens = /^\s*(\d+(?:\.\d+)?)\s*ALLO\s*$/.exec(v);
  try {
    if (tokens) return ethers.parseUnits(tokens[1], 18);
    if (/^\d+$/.test(v)) return BigInt(v);
  } catch {
    // fall through to the issue below
  }
  ctx.addIssue({ code: "custom", message: `"${v}" is not an amount: write base units ("5000000000000000000") or "5 ALLO"` });
  return z.NEVER;
});

/** A required string field whose absence is reported with `fix` (zod's default only says "expected string"). */
function requiredString(fix: string) {
  return z.string({ error: (issue) => (issue.input === undefined ? `required: ${fix}` : `expected a string: ${fix}`) });
}

/**
 * One of Axelar's contracts on this chain: its address, "published" (Axelar's published address on the chain
 * deployed to, filled in by scripts/deploy.ts: deploy/preflight.ts), or "local" (local networks: the stack
 * deploys one).
 */
function axelarContract(what: string) {
  const fix =
    `${what} on this chain (Axelar's published address, see README "Deploy: Axelar"), "published" for that ` +
    `address on whichever public chain is deployed to, or "local" on a local network`;
  return requiredString(fix).refine((v) => v === "local" || v === "published" || ethers.isAddress(v), {
    message: `expected ${fix}`,
  });
}

/**
 * The Axelar GMP adapter (contracts/bridge/AlloraAxelarAdapter.sol). Absent: the adapter is not deployed.
 * Its constructor takes gateway, gas service, token, admin and guardian, so with the same values and salt it
 * lands at the same CREATE2 address on every chain; Axelar's gateways differ between chains, so in practice
 * the address differs and each chain's remotes are listed in `remotes` (or read from the other chains'
 * deployment records).
 */
const axelarSection = z
  .strictObject({
    gateway: axelarContract("the address of Axelar's AxelarGateway"),
    gasService: axelarContract("the address of Axelar's AxelarGasService"),
    admin: requiredString('the adapter\'s admin (registers remotes, unpauses): an 0x address or "deployer"').pipe(accountRef),
    guardian: requiredString('the adapter\'s guardian (pauses): an 0x address or "deployer"').pipe(accountRef),
    /** The adapter's limits on the token (the token's per-bridge fence), like token.bridges entries. */
    mintingLimit: requiredString('the adapter\'s minting limit on the token per day ("100000 ALLO" or base units)').pipe(amount),
    burningLimit: requiredString('the adapter\'s burning limit on the token per day ("100000 ALLO" or base units)').pipe(amount),
    /** CREATE2 salt (32 bytes). */
    salt: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, "expected 0x + 64 hex digits")
      .default(DEFAULT_AXELAR_ADAPTER_SALT),
    /**
     * The other chains' adapters, by our chain name (lib/chains.ts): an 0x address, "record" (read from that
     * chain's deployments/<network>.json) or "none" (make sure none is registered). Default: every other EVM
     * peer of the chain's hub network, "record".
     */
    remotes: z
      .record(
        z.string().refine((k) => k in EVM_CHAINS),
        z.string().refine((v) => v === "record" || v === "none" || ethers.isAddress(v), {
          message: 'expected an 0x address, "record" (read that chain\'s deployments/<network>.json) or "none"',
        }),
        {
          error: (issue) =>
            issue.code === "invalid_key"
              ? `unknown chain ${JSON.stringify(issue.input)}: use a chain name of lib/chains.ts (${Object.keys(EVM_CHAINS).join(", ")})`
              : undefined,
        },
      )
      .optional(),
  }, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown field(s) ${issue.keys.join(", ")}: the section takes gateway, gasService, admin, guardian, ` +
          `mintingLimit, burningLimit, salt and remotes`
        : undefined,
  })
  .superRefine((a, ctx) => {
    if ((a.gateway === "local") !== (a.gasService === "local")) {
      ctx.addIssue({
        code: "custom",
        path: [a.gateway === "local" ? "gasService" : "gateway"],
        message: '"local" deploys the local gateway and gas service together: write "local" for both or for neither',
      });
    }
  });

/** One Chainlink-compatible feed adapter next to the oracle (deploy/modules/AlloraOracle.ts). */
const feedSpec = z.object(
  {
    topic: z.number().int().nonnegative(),
    decimals: z.union([z.literal(8), z.literal(18)], { error: "expected 8 (as Chainlink's USD feeds) or 18" }),
    description: z.string().min(1, "describe the feed, e.g. \"ETH / USD 5min (Allora topic 14)\""),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.join(", ")}: a feed takes topic, decimals and description` : undefined,
  },
).strict();

/**
 * The AlloraOracle section: admin and guardian; `feeds` (one AlloraFeedAdapter per topic, deployed with the
 * oracle) and `sequencerUptimeFeed` (the strict read's L2 sequencer guard: Chainlink's L2 Sequencer Uptime Feed
 * of this chain and a grace period in seconds; only on L2s that have one, e.g. Base).
 */
const oracleSection = z
  .object({
    admin: accountRef,
    guardian: accountRef,
    feeds: z
      .array(feedSpec)
      .default([])
      .superRefine((feeds, ctx) => {
        const seen = new Set<number>();
        feeds.forEach((f, i) => {
          if (seen.has(f.topic)) ctx.addIssue({ code: "custom", path: [i, "topic"], message: `topic ${f.topic} is listed twice: list each topic once` });
          seen.add(f.topic);
        });
      }),
    sequencerUptimeFeed: z
      .object({
        address: z.string().refine((v) => ethers.isAddress(v) && v !== ethers.ZeroAddress, "expected the uptime feed's 0x address"),
        gracePeriod: z.number().int().min(0).max(2 ** 32 - 1, "at most 2^32-1 seconds"),
      })
      .strict()
      .optional(),
  })
  .passthrough();

/**
 * The AlloraBridge section. Besides admin and guardian: `hub` (the hub network, lib/chains.ts), `limitWindow`
 * (seconds, above zero), `hubEscrow` (the hub escrow account whose transfers the bridge accepts from the hub)
 * and the limits the module reads (`hubLimitOut`, …), passed through.
 */
const bridgeSection = z
  .object({
    admin: accountRef,
    guardian: accountRef,
    hub: z.string().optional(),
    limitWindow: z
      .number({ error: "expected seconds as a number (e.g. 86400)" })
      .int()
      .positive({ message: "must be above zero: a zero window would cap each transfer's size but not the volume" })
      .optional(),
    hubEscrow: requiredString(
      "the hub escrow account (bech32, allo1...) whose transfers this bridge mints; every bridge registers it as the hub's source bridge",
    ).refine(
      (v) => {
        try {
          hubBridgeId(v);
          return true;
        } catch {
          return false;
        }
      },
      { message: "expected a bech32 hub account with 20 address bytes (a key or multisig account, allo1...)" },
    ),
  })
  .passthrough();

const bridgeLimits = z.object({
  /** An address, or the name of a contract this deployment creates (e.g. "AlloraBridge"). */
  bridge: z.string().min(1),
  mintingLimit: amount,
  burningLimit: amount,
});

export const deployParametersSchema = z.object({
  token: z.object({
    /** Constructor argument: the default admin. Must be the same on every chain for the same address. */
    admin: accountRef,
    /** CREATE2 salt (32 bytes). Defaults to DEFAULT_TOKEN_SALT. */
    salt: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, "expected 0x + 64 hex digits")
      .default(DEFAULT_TOKEN_SALT),
    guardians: z.array(accountRef).default([]),
    bridges: z.array(bridgeLimits).default([]),
  }),
  /** The attester set of the oracle and the bridge. */
  attesters: z
    .object({
      setId: z.number().int().positive(),
      signers: z.array(z.string().refine((v) => ethers.isAddress(v), "expected an 0x address")).min(1),
      threshold: z.number().int().positive(),
    })
    .refine((a) => a.threshold <= a.signers.length, { message: "threshold is above the number of signers" }),
  /** Admin and guardian of the oracle and the bridge (each module reads what it needs). */
  oracle: oracleSection.optional(),
  bridge: bridgeSection.optional(),
  /** The Axelar GMP adapter; absent: not deployed. */
  axelar: axelarSection.optional(),
  /** Block confirmations Ignition waits for (real networks); local networks always use 1. */
  confirmations: z.number().int().positive().optional(),
}).superRefine((p, ctx) => {
  // The adapter's token limits live in its own section, so that removing the section removes them too.
  p.token.bridges.forEach((b, i) => {
    if (b.bridge === "AlloraAxelarAdapter") {
      ctx.addIssue({
        code: "custom",
        path: ["token", "bridges", i, "bridge"],
        message: "the Axelar adapter's limits are axelar.mintingLimit and axelar.burningLimit: remove this entry",
      });
    }
  });
});

export type DeployParameters = z.infer<typeof deployParametersSchema>;

/** The parameters file for `network`: its own file, else local.json for local networks. */
export function parametersFile(network: string): string {
  const own = path.join(PARAMETERS_DIR, `${network}.json`);
  if (fs.existsSync(own)) return own;
  if (isLocalNetwork(network)) return path.join(PARAMETERS_DIR, "local.json");
  throw new Error(
    `no deployment parameters for network "${network}": create ${path.relative(process.cwd(), own)} ` +
      `(copy deploy/parameters/example.json and fill in admin, guardians, attesters and limits)`,
  );
}

/** Parses and validates parameters; `source` names them in errors. */
export function parseParameters(raw: unknown, source: string): DeployParameters {
  const result = deployParametersSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
    throw new Error(`invalid deployment parameters in ${source}:\n${problems}`);
  }
  return result.data;
}

export function loadParameters(network: string): { file: string; params: DeployParameters } {
  const file = parametersFile(network);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  return { file, params: parseParameters(raw, file) };
}

/** Resolves "deployer" to the deploying account. */
export function resolveAccount(ref: string, deployer: string): string {
  return ref === "deployer" ? deployer : ethers.getAddress(ref);
}
