/**
 * Follows a child's log file and parses its pino JSON lines (the relayer logs one JSON object per line).
 * Used by the e2e test and the benchmark to wait for "relayer ready" and to collect "batch posted".
 */
import fs from "node:fs";

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export class LogWatcher {
  private offset: number;
  private partial = "";
  private timer?: NodeJS.Timeout;
  private readonly listeners = new Set<(line: LogLine) => void>();
  /** Every parsed line seen so far. */
  readonly lines: LogLine[] = [];

  /** Starts at the current end of the file (only lines written from now on are seen). */
  constructor(
    readonly file: string,
    fromStart = false,
  ) {
    this.offset = fromStart || !fs.existsSync(file) ? 0 : fs.statSync(file).size;
    this.timer = setInterval(() => this.poll(), 50);
  }

  private poll(): void {
    let size: number;
    try {
      size = fs.statSync(this.file).size;
    } catch {
      return;
    }
    if (size <= this.offset) return;
    const fd = fs.openSync(this.file, "r");
    const buf = Buffer.alloc(size - this.offset);
    fs.readSync(fd, buf, 0, buf.length, this.offset);
    fs.closeSync(fd);
    this.offset = size;
    const text = this.partial + buf.toString("utf8");
    const parts = text.split("\n");
    this.partial = parts.pop() ?? "";
    for (const raw of parts) {
      if (!raw.startsWith("{")) continue;
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        continue;
      }
      this.lines.push(line);
      for (const l of this.listeners) l(line);
    }
  }

  on(listener: (line: LogLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first line (already seen or new) matching `pred`; rejects after `timeoutMs`. */
  waitFor(pred: (line: LogLine) => boolean, timeoutMs: number, what = "log line"): Promise<LogLine> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no ${what} in ${this.file} within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.on((line) => {
        if (!pred(line)) return;
        clearTimeout(timer);
        off();
        resolve(line);
      });
    });
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.poll();
  }
}
