/**
 * The `transfers.axelar` section of the relayer config: where the relayer asks about GMP messages (Axelar's
 * APIs on mainnet / testnet, or the devnet stand-in's status endpoint), and which Axelar adapter each chain
 * has. The relayer carries nothing over Axelar (Axelar's network does); it tracks those transfers
 * (`relayer transfer <tx>`) and counts them in flight in the supply check until they are executed.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { AxelarGmp } from "./gmp";
import { HttpAxelarGmp } from "./http";
import { AxelarSdkGmp } from "./sdk";

const ethAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address");
const httpUrl = z.string().regex(/^https?:\/\/[^/]+/, "must be an http(s) URL, e.g. http://127.0.0.1:8080");

export const axelarAdapterSchema = z
  .object({ address: ethAddress, startBlock: z.number().int().nonnegative().default(0) })
  .strict();

export const axelarSchema = z
  .object({
    /** mainnet / testnet: Axelar's own APIs (through axelarjs-sdk); local: the devnet stand-in (devnet/axelar). */
    environment: z.enum(["mainnet", "testnet", "local"], { error: 'one of "mainnet", "testnet", "local"' }),
    /** local only: the stand-in's status endpoint (npm start -- --axelar writes it), e.g. http://127.0.0.1:41234 */
    statusUrl: httpUrl.optional(),
    /** mainnet / testnet only: send the SDK's requests to this mirror or proxy instead of Axelar's hosts */
    apiBaseUrl: httpUrl.optional(),
    /** per request to Axelar (or the stand-in) */
    timeoutMs: z.number().int().positive().default(10_000),
    /**
     * per EVM chain (by name): its AlloraAxelarAdapter and the block it was deployed at. A chain not listed
     * here takes the adapter from its `deployments` file (contracts.AlloraAxelarAdapter), when it has one.
     */
    adapters: z.record(z.string(), axelarAdapterSchema).default({}),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.environment === "local" && !a.statusUrl) {
      ctx.addIssue({
        code: "custom",
        path: ["statusUrl"],
        message: "environment local needs statusUrl: the devnet Axelar stand-in's status endpoint (npm start -- --axelar writes it into .devnet/relayer.yaml)",
      });
    }
    if (a.environment !== "local" && a.statusUrl) {
      ctx.addIssue({
        code: "custom",
        path: ["statusUrl"],
        message: `statusUrl is the devnet stand-in's endpoint: with environment ${a.environment} remove it (Axelar's own APIs are used; apiBaseUrl points them at a mirror)`,
      });
    }
    if (a.environment === "local" && a.apiBaseUrl) {
      ctx.addIssue({ code: "custom", path: ["apiBaseUrl"], message: "apiBaseUrl is for Axelar's APIs (mainnet / testnet): with environment local remove it" });
    }
  });
export type AxelarConfig = z.infer<typeof axelarSchema>;
export type AxelarAdapterRef = z.infer<typeof axelarAdapterSchema>;

/** What {@link resolveAxelarAdapters} needs of the config's chains. */
export interface AxelarConfigChain {
  name: string;
  chainId: number;
  deployments?: string;
}

/**
 * Fills `axelar.adapters` for the chains that do not list one, from their deployments files, and returns the
 * problems (each naming the fix): an adapter for a chain the config does not have, a deployments file that
 * cannot be read or is for another chain, fewer than two chains with an adapter (nothing to carry between).
 */
export function resolveAxelarAdapters(axelar: AxelarConfig, chains: readonly AxelarConfigChain[], baseDir: string): string[] {
  const issues: string[] = [];
  const where = "transfers.axelar.adapters";
  for (const name of Object.keys(axelar.adapters)) {
    if (!chains.some((c) => c.name === name)) {
      issues.push(`${where}.${name}: no chain named "${name}" in chains (known: ${chains.map((c) => c.name).join(", ")})`);
    }
  }
  for (const c of chains) {
    if (axelar.adapters[c.name] || !c.deployments) continue;
    const file = path.resolve(baseDir, c.deployments);
    let record: { chainId?: number; contracts?: Record<string, { address?: string; blockNumber?: number } | undefined> };
    try {
      record = JSON.parse(fs.readFileSync(file, "utf8")) as typeof record;
    } catch (e) {
      issues.push(`${where}.${c.name}: cannot read ${file} (${(e as Error).message.split("\n")[0]}); give ${where}.${c.name}.address or fix the file`);
      continue;
    }
    const adapter = record.contracts?.AlloraAxelarAdapter;
    if (!adapter?.address) continue; // this chain has no adapter: not on the Axelar route
    if (record.chainId !== undefined && Number(record.chainId) !== c.chainId) {
      issues.push(`${where}.${c.name}: ${file} is for chain id ${record.chainId}, not ${c.chainId}; point the chain at the right file`);
      continue;
    }
    const parsed = axelarAdapterSchema.safeParse({ address: adapter.address, startBlock: adapter.blockNumber ?? 0 });
    if (!parsed.success) {
      issues.push(`${where}.${c.name}: ${file} has a malformed contracts.AlloraAxelarAdapter (${parsed.error.issues[0].message})`);
      continue;
    }
    axelar.adapters[c.name] = parsed.data;
  }
  const found = Object.keys(axelar.adapters).filter((n) => chains.some((c) => c.name === n));
  if (issues.length === 0 && found.length < 2) {
    issues.push(
      `${where}: ${found.length} chain(s) with an Axelar adapter (${found.join(", ") || "none"}); the route needs two: give ` +
        `${where}.<chain>.address, or deployments files with contracts.AlloraAxelarAdapter (deploy with the adapter), or remove transfers.axelar`,
    );
  }
  return issues;
}

/** The {@link AxelarGmp} the section names: Axelar's APIs through the SDK, or the devnet stand-in's endpoint. */
export function gmpOf(axelar: AxelarConfig): AxelarGmp {
  if (axelar.environment === "local") return new HttpAxelarGmp(axelar.statusUrl!, axelar.timeoutMs);
  return new AxelarSdkGmp({ environment: axelar.environment, timeoutMs: axelar.timeoutMs, apiBaseUrl: axelar.apiBaseUrl });
}
