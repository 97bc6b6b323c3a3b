/**
 * The CometBFT event query language (subset): conditions joined by AND, each `key op operand` with
 * op one of =, <, <=, >, >=, CONTAINS, EXISTS; operands are 'quoted strings' or numbers.
 * Used by subscribe, tx_search and block_search.
 *
 * Devnet leniency: typed-event attribute values are JSON (a string arrives as "\"1\""); a condition
 * `x.topic_id='1'` also matches the JSON-quoted value "\"1\"". A real node compares literally.
 */
export type Op = "=" | "<" | "<=" | ">" | ">=" | "CONTAINS" | "EXISTS";

export interface Condition {
  key: string;
  op: Op;
  operand: string;
  numeric: boolean;
}

export type Tags = Map<string, string[]>;

export class QueryParseError extends Error {}

const COND_RE = /^\s*([A-Za-z0-9_.\-/:]+)\s*(<=|>=|=|<|>|\bCONTAINS\b|\bEXISTS\b)\s*(.*?)\s*$/i;

export function parseQuery(q: string): Condition[] {
  if (typeof q !== "string" || q.trim() === "") throw new QueryParseError("empty query");
  const parts = q.split(/\s+AND\s+/i);
  return parts.map((p) => {
    const m = COND_RE.exec(p);
    if (!m) throw new QueryParseError(`unexpected condition ${JSON.stringify(p)}`);
    const op = m[2].toUpperCase() as Op;
    const rest = m[3];
    if (op === "EXISTS") {
      if (rest !== "") throw new QueryParseError(`EXISTS takes no operand in ${JSON.stringify(p)}`);
      return { key: m[1], op, operand: "", numeric: false };
    }
    const quoted = /^'(.*)'$/s.exec(rest);
    if (quoted) return { key: m[1], op, operand: quoted[1], numeric: false };
    if (/^-?\d+(\.\d+)?$/.test(rest)) return { key: m[1], op, operand: rest, numeric: true };
    throw new QueryParseError(`bad operand ${JSON.stringify(rest)} in ${JSON.stringify(p)} (quote strings with ')`);
  });
}

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

function matchOne(c: Condition, values: string[] | undefined): boolean {
  if (!values) return false;
  if (c.op === "EXISTS") return true;
  return values.some((raw) => {
    const v = unquote(raw);
    switch (c.op) {
      case "=":
        return raw === c.operand || v === c.operand;
      case "CONTAINS":
        return raw.includes(c.operand);
      default: {
        const a = Number(v);
        const b = Number(c.operand);
        if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
        if (c.op === "<") return a < b;
        if (c.op === "<=") return a <= b;
        if (c.op === ">") return a > b;
        return a >= b;
      }
    }
  });
}

export function matches(conds: Condition[], tags: Tags): boolean {
  return conds.every((c) => matchOne(c, tags.get(c.key)));
}

/** Adds events as composite tags `type.key` -> values. */
export function addEventTags(tags: Tags, events: { type: string; attributes: { key: string; value: string }[] }[]): Tags {
  for (const ev of events) {
    for (const a of ev.attributes) {
      const k = `${ev.type}.${a.key}`;
      const arr = tags.get(k);
      if (arr) arr.push(a.value);
      else tags.set(k, [a.value]);
    }
  }
  return tags;
}

/** tags -> plain object, as CometBFT sends in the `events` field of a subscription message */
export function tagsToObject(tags: Tags): Record<string, string[]> {
  const o: Record<string, string[]> = {};
  for (const [k, v] of tags) o[k] = v;
  return o;
}
