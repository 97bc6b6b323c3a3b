/** Port checks: fail early with a clear message instead of a child dying with EADDRINUSE. */
import fs from "node:fs";
import net from "node:net";

/** Resolves true when something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

/** Throws naming every busy port and the flag that moves it. */
export async function assertPortsFree(ports: { port: number; what: string; flag: string }[]): Promise<void> {
  const busy = (
    await Promise.all(ports.map(async (p) => ((await portInUse(p.port)) ? p : undefined)))
  ).filter((p): p is { port: number; what: string; flag: string } => p !== undefined);
  if (busy.length === 0) return;
  throw new Error(
    busy
      .map(
        (p) =>
          `port ${p.port} (${p.what}) is already in use: stop what runs there (another npm start?) or choose another port with ${p.flag}`,
      )
      .join("\n"),
  );
}

/**
 * The kernel's range for the local ports of outgoing connections (Linux: /proc/sys/net/ipv4/ip_local_port_range,
 * 32768-60999 by default). A server told to listen on a port in it can lose the port to any outgoing connection
 * made a moment before (to Redis, to a chain), and then dies with EADDRINUSE although the port looked free.
 */
export function ephemeralPortRange(readFile: (p: string) => string = (p) => fs.readFileSync(p, "utf8")): { low: number; high: number } {
  try {
    const [low, high] = readFile("/proc/sys/net/ipv4/ip_local_port_range").trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low > 0 && high >= low) return { low, high };
  } catch {
    // not Linux, or /proc unreadable: the IANA default range
  }
  return { low: 49152, high: 65535 };
}

/** One line per listening port inside the ephemeral range, naming the flag that moves it (empty when none is). */
export function ephemeralPortWarnings(ports: { port: number; what: string; flag: string }[], range = ephemeralPortRange()): string[] {
  return ports
    .filter((p) => p.port >= range.low && p.port <= range.high)
    .map(
      (p) =>
        `port ${p.port} (${p.what}) is inside the kernel's ephemeral range ${range.low}-${range.high}: an outgoing connection can take it first (EADDRINUSE); choose one below ${range.low} with ${p.flag}`,
    );
}
