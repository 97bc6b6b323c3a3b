/** Test helpers: start the hub devnet in-process on a free port with the default config + overrides. */
import fs from "node:fs";
import path from "node:path";
import { HubConfigInput } from "../../devnet/hub/config";
import { HubDevnet, startHubDevnet } from "../../devnet/hub/node";

export const DEFAULT_CONFIG_FILE = path.resolve(__dirname, "../../devnet/hub.config.json");

export function defaultConfig(): HubConfigInput {
  return JSON.parse(fs.readFileSync(DEFAULT_CONFIG_FILE, "utf8")) as HubConfigInput;
}

export async function startTestNode(overrides: Partial<HubConfigInput> = {}, blockTimeMs = 250): Promise<HubDevnet> {
  return startHubDevnet({ port: 0, quiet: true, blockTimeMs, config: { ...defaultConfig(), ...overrides } });
}

export function mnemonicOf(name: string): string {
  const acc = (defaultConfig().accounts ?? []).find((a) => a.name === name);
  if (!acc?.mnemonic) throw new Error(`no mnemonic for ${name}`);
  return acc.mnemonic;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
