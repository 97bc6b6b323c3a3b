/** Port checks: fail early with a clear message instead of a child dying with EADDRINUSE. */
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
