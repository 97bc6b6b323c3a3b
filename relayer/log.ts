/**
 * The relayer's pino logger: JSON lines on stdout. Every logged object is sanitised at any depth before it
 * is written (pino's own redaction paths reach one level): a field named like a secret is "[redacted]",
 * an error keeps its type, message, code, stack and cause but drops the rest (ethers errors carry the whole
 * signed transaction and request), long hex runs are shortened and URLs inside error text lose their path
 * and query (where RPC providers put API keys).
 */
import pino, { Logger } from "pino";
import { redactUrl, shortenHex } from "./redact";

/** Field names whose values are never logged, at any depth. */
export const SECRET_FIELD = /^(private_?key|key|password|passphrase|mnemonic|seed|signing_?key|secret|token|api_?key|authorization)$/i;
const MAX_DEPTH = 6;
const URL_IN_TEXT = /\b(?:https?|wss?):\/\/[^\s"'<>)]+/g;

/** Error text: hex shortened, URLs cut to scheme and host. */
export const sanitizeErrorText = (text: string) => shortenHex(text).replace(URL_IN_TEXT, (u) => redactUrl(u));

function sanitizeError(e: Error, depth: number): Record<string, unknown> {
  const x = e as Error & { code?: unknown; shortMessage?: unknown; reason?: unknown; cause?: unknown };
  const out: Record<string, unknown> = { type: e.name, message: sanitizeErrorText(e.message) };
  if (typeof x.code === "string" || typeof x.code === "number") out.code = x.code;
  if (typeof x.shortMessage === "string") out.shortMessage = sanitizeErrorText(x.shortMessage);
  if (typeof x.reason === "string") out.reason = sanitizeErrorText(x.reason);
  if (typeof e.stack === "string") out.stack = sanitizeErrorText(e.stack);
  if (x.cause !== undefined && depth < MAX_DEPTH) out.cause = sanitize(x.cause, depth + 1, true);
  return out;
}

/** A copy of `value` safe to log (see the file comment). `inError`: strings get the error-text treatment. */
export function sanitize(value: unknown, depth = 0, inError = false): unknown {
  if (typeof value === "string") return inError ? sanitizeErrorText(value) : shortenHex(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Error) return sanitizeError(value, depth);
  if (depth >= MAX_DEPTH) return "[too deep]";
  if (Array.isArray(value)) return value.map((v) => sanitize(v, depth + 1, inError));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELD.test(k) ? "[redacted]" : sanitize(v, depth + 1, inError || k === "err" || k === "error");
  return out;
}

/** `destination`: where the lines go (stdout when absent; tests pass a stream). */
export function createLogger(level: string, instance: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { instance },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Before serialisation: pino's err serializer would otherwise copy every property of an ethers error.
    hooks: {
      logMethod(args, method) {
        if (args[0] instanceof Error) {
          const err = sanitizeError(args[0], 0);
          args = (args.length > 1 ? [{ err }, ...args.slice(1)] : [{ err }, err.message]) as typeof args;
        } else if (args.length > 0 && args[0] !== null && typeof args[0] === "object") args[0] = sanitize(args[0]) as object;
        else if (typeof args[0] === "string") args[0] = shortenHex(args[0]);
        return method.apply(this, args as Parameters<typeof method>);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
