/**
 * Child-process supervision for the devnet, the e2e test and the benchmark.
 *
 * Every child runs in its own process group (detached), so stopping it also stops whatever it spawned
 * (npx, ts-node, hardhat workers) and a SIGKILL really is a SIGKILL of the whole tree. Output goes to
 * one log file per child. A child that exits while it was expected to run is reported through
 * `onUnexpectedExit`, which the caller uses to stop everything with a clear message.
 */
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export interface ChildSpec {
  /** Short unique name: used for the log file and in messages. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface SupervisedChild {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Undefined while running; a description like "exited with code 1" once it stopped. */
  exitReason(): string | undefined;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** Sends `signal` to the child's whole process group. */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM the group, SIGKILL after `graceMs`; resolves once the child has exited. */
  stop(graceMs?: number): Promise<void>;
  /** The last `lines` lines of the child's log. */
  tail(lines?: number): string;
}

export class Supervisor {
  private readonly children = new Map<string, SupervisedChild>();
  private stopping = false;

  constructor(
    private readonly logDir: string,
    private readonly onUnexpectedExit: (child: SupervisedChild, reason: string) => void = () => {},
  ) {
    fs.mkdirSync(logDir, { recursive: true });
  }

  /** Starts a child. The log file is appended to, so a restarted child keeps its history. */
  start(spec: ChildSpec): SupervisedChild {
    if (this.children.get(spec.name)?.exitReason() === undefined && this.children.has(spec.name)) {
      throw new Error(`child "${spec.name}" is already running`);
    }
    const logFile = path.join(this.logDir, `${spec.name}.log`);
    const fd = fs.openSync(logFile, "a");
    fs.writeSync(fd, `\n--- ${new Date().toISOString()} start: ${spec.command} ${spec.args.join(" ")}\n`);
    const proc: ChildProcess = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ["ignore", fd, fd],
      detached: true,
    });
    fs.closeSync(fd);
    if (proc.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
    const pid = proc.pid;
    let reason: string | undefined;
    let expectedExit = false;
    const exited = new Promise<void>((resolve) => {
      proc.on("exit", (code, sig) => {
        reason = sig ? `killed by ${sig}` : `exited with code ${code}`;
        resolve();
        if (!expectedExit && !this.stopping) this.onUnexpectedExit(child, reason);
      });
      proc.on("error", (err) => {
        reason = `failed to start: ${err.message}`;
        resolve();
        if (!this.stopping) this.onUnexpectedExit(child, reason);
      });
    });
    const signalGroup = (sig: NodeJS.Signals): void => {
      try {
        process.kill(-pid, sig);
      } catch {
        // the group is already gone
      }
    };
    const child: SupervisedChild = {
      name: spec.name,
      pid,
      logFile,
      exitReason: () => reason,
      exited,
      signal: (sig) => {
        expectedExit = true;
        signalGroup(sig);
      },
      stop: async (graceMs = 5000) => {
        expectedExit = true;
        if (reason !== undefined) {
          signalGroup("SIGKILL"); // leftovers of the group, if any
          return;
        }
        signalGroup("SIGTERM");
        const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
        signalGroup("SIGKILL");
      },
      tail: (lines = 20) => tailFile(logFile, lines),
    };
    this.children.set(spec.name, child);
    return child;
  }

  get(name: string): SupervisedChild | undefined {
    return this.children.get(name);
  }

  /**
   * Stops every child, the most recently started first, one after the other: the relayer stops before
   * the chains it talks to, so its last log lines are about stopping, not about chains going away.
   */
  async stopAll(graceMs = 5000): Promise<void> {
    this.stopping = true;
    for (const child of [...this.children.values()].reverse()) await child.stop(graceMs);
  }
}

function tailFile(file: string, lines: number): string {
  try {
    const text = fs.readFileSync(file, "utf8");
    return text
      .split("\n")
      .slice(-lines - 1)
      .join("\n");
  } catch {
    return "";
  }
}

/** Absolute path of the hardhat CLI, run with `node` directly (npx adds a second process and ~0.5 s). */
export function hardhatCli(): string {
  return require.resolve("hardhat/internal/cli/cli.js");
}

/** `node -r <this> script.ts` runs a TypeScript script with the Hardhat runtime loaded (HARDHAT_CONFIG, HARDHAT_NETWORK). */
export function hardhatRegister(): string {
  return require.resolve("hardhat/register");
}

/** Absolute path of ts-node's binary entry, for running TypeScript children without npx. */
export function tsNodeBin(): string {
  return require.resolve("ts-node/dist/bin.js");
}

/**
 * Starts a run with fresh logs: every `<name>.log` in `logDir` becomes `<name>.log.1` (replacing the one
 * before), so a run's logs hold only that run and the previous run's stay at hand. Within a run the
 * supervisor appends, so a restarted child keeps its history.
 */
export function rotateLogs(logDir: string): string[] {
  if (!fs.existsSync(logDir)) return [];
  const rotated: string[] = [];
  for (const name of fs.readdirSync(logDir)) {
    if (!name.endsWith(".log")) continue;
    fs.renameSync(path.join(logDir, name), path.join(logDir, `${name}.1`));
    rotated.push(name);
  }
  return rotated;
}
