/**
 * A small JSON parser that keeps numbers as their source text, so that decimals read from JSON never pass
 * through a JS floating-point number (JSON.parse would round 0.1234567890123456789 to 17 digits).
 * Pure, no I/O.
 */

/** A JSON number literal, kept as written. */
export class JsonNumber {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** A parsed JSON value with numbers as JsonNumber. */
export type LosslessJson = null | boolean | string | JsonNumber | LosslessJson[] | { [key: string]: LosslessJson };

/** Error for malformed JSON, with the character offset. */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "JsonSyntaxError";
  }
}

const NUMBER_RE = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

/** Parses a JSON text; numbers become JsonNumber. Throws JsonSyntaxError on malformed input. */
export function parseLosslessJson(text: string): LosslessJson {
  let i = 0;
  const fail = (msg: string): never => {
    throw new JsonSyntaxError(`${msg} at character ${i + 1}`, i);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const parseString = (): string => {
    // text[i] === '"'
    let j = i + 1;
    let needsDecode = false;
    while (j < text.length && text[j] !== '"') {
      const c = text.charCodeAt(j);
      if (c < 0x20) {
        i = j;
        fail("control character in string");
      }
      if (text[j] === "\\") {
        needsDecode = true;
        j += 2;
      } else {
        j++;
      }
    }
    if (j >= text.length) fail("unterminated string");
    const raw = text.slice(i, j + 1);
    i = j + 1;
    if (!needsDecode) return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch {
      return fail("bad escape in string");
    }
  };
  const value = (): LosslessJson => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: { [key: string]: LosslessJson } = {};
      ws();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a string key");
        const key = parseString();
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        // defineProperty: a key such as "__proto__" stays an ordinary own property
        Object.defineProperty(obj, key, { value: value(), enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const arr: LosslessJson[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith("true", i)) {
      i += 4;
      return true;
    }
    if (text.startsWith("false", i)) {
      i += 5;
      return false;
    }
    if (text.startsWith("null", i)) {
      i += 4;
      return null;
    }
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (m && m[0].length > 0) {
      i += m[0].length;
      return new JsonNumber(m[0]);
    }
    return fail(i >= text.length ? "unexpected end of input" : `unexpected ${JSON.stringify(text[i])}`);
  };
  const v = value();
  ws();
  if (i < text.length) fail("unexpected trailing characters");
  return v;
}
