/**
 * Keeping secrets out of log lines. RPC URLs often carry an API key in their path or query
 * (https://mainnet.infura.io/v3/<key>, ...?apikey=) or credentials in their user part; a log line shows
 * only the scheme and host. Ethers error messages embed whole signed transactions and calldata; long hex
 * runs are cut to their first bytes and their length.
 */

/** `https://user:pw@host:8545/v3/KEY?x=1` -> `https://host:8545/…`. Anything unparsable -> "(unparsable url)". */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const rest = u.pathname.replace(/\/+$/, "") !== "" || u.search !== "" ? "/…" : "";
    return `${u.protocol}//${u.host}${rest}`;
  } catch {
    return "(unparsable url)";
  }
}

/** Hex runs longer than this many digits are shortened (a 32-byte hash, 64 digits, stays whole). */
export const MAX_HEX_DIGITS = 132;

/** Shortens long 0x-hex runs in free text: `0x02f8b1…(1234 bytes)`. */
export function shortenHex(text: string): string {
  return text.replace(new RegExp(`0x[0-9a-fA-F]{${MAX_HEX_DIGITS + 1},}`, "g"), (m) => `${m.slice(0, 12)}…(${(m.length - 2) / 2} bytes)`);
}
