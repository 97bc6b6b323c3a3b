/**
 * Deployment parameters per network: deploy/parameters/<network>.json, or deploy/parameters/local.json for
 * the local networks (hardhat, localhost, ethereumLocal, bnbLocal, baseLocal) when they have no file of
 * their own. Validated with zod; every error names the file, the field and the fix.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { z } from "zod";

/** Networks whose nodes restart from genesis: deployments are not committed and stale records are redone. */
export const LOCAL_NETWORKS = ["hardhat", "localhost", "ethereumLocal", "bnbLocal", "baseLocal"] as const;

export function isLocalNetwork(name: string): boolean {
  return (LOCAL_NETWORKS as readonly string[]).includes(name);
}

export const PARAMETERS_DIR = path.join(__dirname, "parameters");

/** The default CREATE2 salt of the token: keccak256("allora.AlloToken.v1"), same address on every chain. */
export const DEFAULT_TOKEN_SALT = ethers.id("allora.AlloToken.v1");

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
  oracle: z.object({ admin: accountRef, guardian: accountRef }).passthrough().optional(),
  bridge: z.object({ admin: accountRef, guardian: accountRef }).passthrough().optional(),
  /** Block confirmations Ignition waits for (real networks); local networks always use 1. */
  confirmations: z.number().int().positive().optional(),
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
