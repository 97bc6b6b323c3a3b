/**
 * Turning a key source (env var or encrypted keystore) into an ethers Wallet. Errors name the source,
 * never the key. The wallet is never logged (pino serializers in the app redact anything key-like too).
 */
import fs from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { KeySource } from "./schema";

export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyError";
  }
}

/** Describes where a key comes from, for logs and errors (never the key). */
export function describeKeySource(src: KeySource): string {
  return "env" in src ? `env ${src.env}` : `keystore ${src.keystore}`;
}

/** The file's mode as octal text when group or others have any access to it (POSIX only), else undefined. */
export function looseMode(file: string): string | undefined {
  if (process.platform === "win32") return undefined;
  const mode = fs.statSync(file).mode & 0o777;
  return mode & 0o077 ? `0${mode.toString(8)}` : undefined;
}

/**
 * The environment variables that held keys or keystore passwords, removed once the keys are loaded, so
 * nothing that later reads the environment (a child process, a crash reporter, a debug dump) finds them.
 */
export function scrubKeyEnv(sources: readonly KeySource[], env: Record<string, string | undefined>): string[] {
  const names = [...new Set(sources.map((s) => ("env" in s ? s.env : s.passwordEnv)))];
  for (const n of names) delete env[n];
  return names;
}

/** Loads the key. `what` names the key's role in errors, e.g. "chains[0].submitter". */
export async function loadWallet(src: KeySource, what: string, baseDir: string, env = process.env): Promise<Wallet> {
  if ("env" in src) {
    const hex = env[src.env]?.trim();
    if (!hex) throw new KeyError(`${what}: environment variable ${src.env} is not set (export ${src.env}=0x<64 hex digits>)`);
    const normalized = hex.startsWith("0x") ? hex : `0x${hex}`;
    if (!/^0x[0-9a-fA-F]{64}$/.test(normalized)) {
      throw new KeyError(`${what}: ${src.env} does not hold a 32-byte hex private key (expected 0x followed by 64 hex digits)`);
    }
    return new Wallet(normalized);
  }
  const file = path.resolve(baseDir, src.keystore);
  let json: string;
  try {
    json = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new KeyError(`${what}: cannot read keystore ${file} (${(e as Error).message})`);
  }
  const loose = looseMode(file);
  if (loose !== undefined) throw new KeyError(`${what}: keystore ${file} is readable or writable by others (mode ${loose}); chmod 600 ${file}`);
  const password = env[src.passwordEnv];
  if (password === undefined) {
    throw new KeyError(`${what}: environment variable ${src.passwordEnv} (the keystore password) is not set`);
  }
  try {
    const w = await Wallet.fromEncryptedJson(json, password);
    return new Wallet(w.privateKey);
  } catch (e) {
    throw new KeyError(`${what}: cannot decrypt keystore ${file} (${(e as Error).message}); check ${src.passwordEnv}`);
  }
}
