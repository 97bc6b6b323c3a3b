/** The relayer's pino logger: JSON lines on stdout; anything key-like is redacted as a second line of defence. */
import pino, { Logger } from "pino";

export const REDACT_PATHS = ["privateKey", "*.privateKey", "key", "*.key", "password", "*.password", "mnemonic", "*.mnemonic", "signingKey", "*.signingKey"];

export function createLogger(level: string, instance: string): Logger {
  return pino({ level, base: { instance }, redact: { paths: REDACT_PATHS, censor: "[redacted]" }, timestamp: pino.stdTimeFunctions.isoTime });
}
