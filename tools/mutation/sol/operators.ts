/**
 * The Solidity mutation operators: a fixed list, each producing mutants of one source file as
 * (offset range, replacement) edits. No Solidity mutation tool installs from npm here, so this is a small
 * token-level one; docs/development.md ("Mutation testing") lists the operators with examples.
 *
 * It works on tokens of the source with comments and string literals blanked out (same offsets), so nothing
 * inside a comment or a string is mutated, and `pragma` / `import` lines are left alone. It does not type-check:
 * a mutant the compiler rejects (an argument swap of two different types, say) is counted as `compile_error`
 * by the runner, never as killed.
 */

export type OperatorId = "boundary" | "equality" | "logical" | "arithmetic" | "literal" | "delete-statement" | "swap-arguments" | "remove-modifier";

/** Every operator, in report order, with the one-line rule the docs repeat. */
export const OPERATORS: ReadonlyArray<{ id: OperatorId; rule: string }> = [
  { id: "boundary", rule: "`<` ↔ `<=`, `>` ↔ `>=`" },
  { id: "equality", rule: "`==` ↔ `!=`" },
  { id: "logical", rule: "`&&` ↔ `||`" },
  { id: "arithmetic", rule: "binary `+` ↔ `-`, `*` ↔ `/`, `+=` ↔ `-=`, `++` ↔ `--`" },
  { id: "literal", rule: "a decimal literal N → N+1 and N-1 (N-1 only when N > 0)" },
  { id: "delete-statement", rule: "a `require(...)`, `revert ...` or `emit ...` statement → `{}`" },
  { id: "swap-arguments", rule: "two adjacent, different arguments of a call swapped (not of Yul's commutative add/mul/and/or/xor/eq)" },
  { id: "remove-modifier", rule: "one modifier (e.g. `onlyRole(X)`, `whenNotPaused`) removed from a function header" },
];

export interface Mutant {
  /** Stable within one source text: `<file>#<n>` in generation order. */
  id: string;
  file: string;
  operator: OperatorId;
  /** 1-based line and column of the first changed character. */
  line: number;
  column: number;
  start: number;
  end: number;
  original: string;
  replacement: string;
}

export interface Token {
  kind: "word" | "number" | "punct";
  text: string;
  start: number;
  end: number;
}

/** The source with comments and string/hex/unicode literals replaced by spaces (newlines kept): same length. */
export function blankCommentsAndStrings(src: string): string {
  const out = src.split("");
  let i = 0;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  while (i < src.length) {
    const c = src[i];
    if (c === "/" && src[i + 1] === "/") {
      const end = src.indexOf("\n", i);
      const stop = end < 0 ? src.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? src.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      let k = i + 1;
      while (k < src.length && src[k] !== c) k += src[k] === "\\" ? 2 : 1;
      // Keep the quotes so a literal stays one (blank) token position; blank its content.
      blank(i + 1, Math.min(k, src.length));
      i = k + 1;
    } else {
      i++;
    }
  }
  return out.join("");
}

// Longest first, so `<<=` is never read as `<` then `<=`.
const PUNCT = [">>>=", ">>=", "<<=", ">>>", "**=", "==", "!=", "<=", ">=", "&&", "||", "=>", "->", "++", "--", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "**", "<<", ">>"];

/** Tokens of a blanked source (see blankCommentsAndStrings). String literals come out as `"` punct pairs. */
export function tokenize(blanked: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < blanked.length) {
    const c = blanked[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      let k = i + 1;
      while (k < blanked.length && /[A-Za-z0-9_$]/.test(blanked[k])) k++;
      tokens.push({ kind: "word", text: blanked.slice(i, k), start: i, end: k });
      i = k;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let k = i + 1;
      while (k < blanked.length && /[0-9A-Za-z_.]/.test(blanked[k])) k++;
      tokens.push({ kind: "number", text: blanked.slice(i, k), start: i, end: k });
      i = k;
      continue;
    }
    const p = PUNCT.find((op) => blanked.startsWith(op, i)) ?? c;
    tokens.push({ kind: "punct", text: p, start: i, end: i + p.length });
    i += p.length;
  }
  return tokens;
}

const SWAPS: Partial<Record<OperatorId, Record<string, string>>> = {
  boundary: { "<": "<=", "<=": "<", ">": ">=", ">=": ">" },
  equality: { "==": "!=", "!=": "==" },
  logical: { "&&": "||", "||": "&&" },
  arithmetic: { "+": "-", "-": "+", "*": "/", "/": "*", "+=": "-=", "-=": "+=", "++": "--", "--": "++" },
};

/** Tokens after which a `-` or `+` is unary (or not an operator at all), so no arithmetic swap there. */
const BEFORE_UNARY = new Set(["(", ",", "=", "return", "[", "?", ":", "{", ";", "==", "!=", "<", ">", "<=", ">=", "&&", "||", "+", "-", "*", "/"]);

/** Words before `(` that are not calls whose arguments may be swapped. */
const NOT_A_CALL = new Set([
  "function", "event", "error", "modifier", "returns", "return", "mapping", "if", "while", "for", "require", "assert",
  "constructor", "catch", "try", "emit", "revert", "type", "keccak256", "unchecked", "override", "payable",
]);

/** Words that may appear in a function header after its parameters without being a modifier. */
const HEADER_WORDS = new Set(["external", "public", "internal", "private", "view", "pure", "payable", "virtual", "override", "returns"]);

/** Index of the token closing the bracket opened at tokens[open] (`(`, `[` or `{`). */
function matching(tokens: Token[], open: number): number {
  const pairs: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
  const close = pairs[tokens[open].text];
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    if (tokens[k].text === tokens[open].text) depth++;
    else if (tokens[k].text === close && --depth === 0) return k;
  }
  return tokens.length - 1;
}

/** Top-level argument ranges (token index ranges, inclusive) of the parenthesised list opened at `open`. */
function argumentsOf(tokens: Token[], open: number): Array<[number, number]> {
  const close = matching(tokens, open);
  const args: Array<[number, number]> = [];
  let depth = 0;
  let from = open + 1;
  for (let k = open + 1; k < close; k++) {
    const t = tokens[k].text;
    if (t === "(" || t === "[" || t === "{") depth++;
    else if (t === ")" || t === "]" || t === "}") depth--;
    else if (t === "," && depth === 0) {
      args.push([from, k - 1]);
      from = k + 1;
    }
  }
  if (from <= close - 1) args.push([from, close - 1]);
  return args;
}

/** Yul builtins whose arguments commute: swapping them changes nothing. */
const COMMUTATIVE_YUL = new Set(["add", "mul", "and", "or", "xor", "eq"]);

/** Two literals of the same value (`0x00` and `0`): swapping them changes nothing. */
function sameNumber(a: string, b: string): boolean {
  const num = (t: string): bigint | undefined => (/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(t) ? BigInt(t) : undefined);
  const x = num(a.trim());
  return x !== undefined && x === num(b.trim());
}

function parseDecimal(text: string): bigint | undefined {
  return /^[0-9][0-9_]*$/.test(text) ? BigInt(text.replace(/_/g, "")) : undefined;
}

/** All mutants of one Solidity source, in source order within each operator. `file` is only a label. */
export function generateMutants(src: string, file: string, only?: ReadonlySet<OperatorId>): Mutant[] {
  const blanked = blankCommentsAndStrings(src);
  // pragma and import lines: a mutant there is a compile error or a different dependency, never a test question.
  const skipped = blanked.replace(/^\s*(pragma|import)\b[^;]*;/gm, (m) => m.replace(/[^\n]/g, " "));
  const tokens = tokenize(skipped);
  const edits: Array<Omit<Mutant, "id" | "file" | "line" | "column">> = [];
  const want = (op: OperatorId): boolean => !only || only.has(op);
  const add = (operator: OperatorId, start: number, end: number, replacement: string): void => {
    const original = src.slice(start, end);
    if (original !== replacement) edits.push({ operator, start, end, original, replacement });
  };

  // Operator swaps.
  for (const op of ["boundary", "equality", "logical", "arithmetic"] as const) {
    if (!want(op)) continue;
    const table = SWAPS[op]!;
    tokens.forEach((t, k) => {
      if (t.kind !== "punct" || !(t.text in table)) return;
      const prev = tokens[k - 1];
      if (op === "arithmetic" && (t.text === "+" || t.text === "-") && (!prev || BEFORE_UNARY.has(prev.text))) return;
      // `<` / `>` inside a type never occurs in Solidity (no generics), so every one is a comparison.
      add(op, t.start, t.end, table[t.text]);
    });
  }

  // Literals off by one.
  if (want("literal")) {
    for (const t of tokens) {
      if (t.kind !== "number") continue;
      const n = parseDecimal(t.text);
      if (n === undefined) continue;
      add("literal", t.start, t.end, (n + 1n).toString());
      if (n > 0n) add("literal", t.start, t.end, (n - 1n).toString());
    }
  }

  // Deleted require / revert / emit statements.
  if (want("delete-statement")) {
    tokens.forEach((t, k) => {
      if (t.kind !== "word" || !["require", "revert", "emit"].includes(t.text)) return;
      const next = tokens[k + 1];
      // `revert` / `require` as statement starts only (not an `error` named so, not a member access).
      if (!next || (next.text !== "(" && next.kind !== "word")) return;
      if (tokens[k - 1]?.text === ".") return;
      let depth = 0;
      for (let j = k + 1; j < tokens.length; j++) {
        const x = tokens[j].text;
        if (x === "(" || x === "[" || x === "{") depth++;
        else if (x === ")" || x === "]" || x === "}") depth--;
        else if (x === ";" && depth === 0) {
          add("delete-statement", t.start, tokens[j].end, "{}");
          break;
        }
        if (depth < 0) break;
      }
    });
  }

  // Swapped adjacent arguments of a call.
  if (want("swap-arguments")) {
    tokens.forEach((t, k) => {
      if (t.text !== "(" || k === 0) return;
      const callee = tokens[k - 1];
      if (callee.kind !== "word" || NOT_A_CALL.has(callee.text)) return;
      const before = tokens[k - 2]?.text;
      if (before && ["function", "event", "error", "modifier", "struct", "contract", "interface", "library", "is"].includes(before)) return;
      // Yul's commutative builtins: a swap there is the same program (always an equivalent mutant).
      if (COMMUTATIVE_YUL.has(callee.text)) return;
      const args = argumentsOf(tokens, k);
      for (let a = 0; a + 1 < args.length; a++) {
        const [s1, e1] = args[a];
        const [s2, e2] = args[a + 1];
        const first = src.slice(tokens[s1].start, tokens[e1].end);
        const second = src.slice(tokens[s2].start, tokens[e2].end);
        if (first === second || sameNumber(first, second)) continue;
        const between = src.slice(tokens[e1].end, tokens[s2].start);
        add("swap-arguments", tokens[s1].start, tokens[e2].end, second + between + first);
      }
    });
  }

  // Removed modifiers.
  if (want("remove-modifier")) {
    tokens.forEach((t, k) => {
      if (t.text !== "function") return;
      const open = tokens.findIndex((x, j) => j > k && x.text === "(");
      if (open < 0) return;
      let j = matching(tokens, open) + 1;
      while (j < tokens.length && tokens[j].text !== "{" && tokens[j].text !== ";") {
        const w = tokens[j];
        if (w.text === "returns" || w.text === "override") {
          j++;
          if (tokens[j]?.text === "(") j = matching(tokens, j) + 1;
          continue;
        }
        if (w.kind === "word" && !HEADER_WORDS.has(w.text)) {
          let last = j;
          if (tokens[j + 1]?.text === "(") last = matching(tokens, j + 1);
          // Remove the modifier and the whitespace before it, so the header stays tidy.
          let from = w.start;
          while (from > 0 && /[ \t]/.test(src[from - 1])) from--;
          add("remove-modifier", from, tokens[last].end, "");
          j = last + 1;
          continue;
        }
        j++;
      }
    });
  }

  const lineStarts = [0];
  for (let i = 0; i < src.length; i++) if (src[i] === "\n") lineStarts.push(i + 1);
  const position = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo] + 1 };
  };
  return edits.map((e, n) => {
    // A removed modifier starts at its whitespace; report the modifier's own position.
    const at = e.operator === "remove-modifier" ? e.start + (e.original.length - e.original.trimStart().length) : e.start;
    return { id: `${file}#${n + 1}`, file, ...position(at), ...e };
  });
}

/** The source with one mutant applied. */
export function applyMutant(src: string, m: Pick<Mutant, "start" | "end" | "original" | "replacement">): string {
  if (src.slice(m.start, m.end) !== m.original) {
    throw new Error(`mutant does not match the source at ${m.start}-${m.end}: the file changed since the mutants were generated; generate them again`);
  }
  return src.slice(0, m.start) + m.replacement + src.slice(m.end);
}

/** A key that names a mutant independent of its position in the run: used by the equivalent-mutant list. */
export function mutantKey(m: Pick<Mutant, "file" | "line" | "column" | "operator" | "original" | "replacement">): string {
  const squash = (s: string): string => s.replace(/\s+/g, " ").trim();
  return `${m.file}:${m.line}:${m.column} ${m.operator} ${squash(m.original)} -> ${squash(m.replacement)}`;
}
