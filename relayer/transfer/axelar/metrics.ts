/**
 * Route 4 in the daemon's metrics. The relayer does not carry Axelar transfers, so it sees them where the
 * supply check does: in flight (sent through an adapter, not yet executed), per route, after each check.
 * A route that drained stays at 0 rather than vanishing, so a dashboard sees it settle.
 */
import { Gauge, type Registry } from "prom-client";
import { formatUnits } from "ethers";
import type { InFlight } from "../reconcile";

/** The suffix the supply check gives Axelar routes (`ethereum->base (axelar)`). */
export const AXELAR_ROUTE_SUFFIX = " (axelar)";

/** Count and value in flight per Axelar route (`ethereum->base`), from the supply check's rows. Pure. */
export function axelarInFlightByRoute(rows: readonly InFlight[]): Map<string, { count: number; amount: bigint }> {
  const out = new Map<string, { count: number; amount: bigint }>();
  for (const r of rows) {
    if (!r.route.endsWith(AXELAR_ROUTE_SUFFIX)) continue;
    const route = r.route.slice(0, -AXELAR_ROUTE_SUFFIX.length);
    const cur = out.get(route) ?? { count: 0, amount: 0n };
    out.set(route, { count: cur.count + 1, amount: cur.amount + r.amount });
  }
  return out;
}

export class AxelarMetrics {
  private readonly count: Gauge<"route">;
  private readonly value: Gauge<"route">;
  private readonly seen = new Set<string>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.count = new Gauge({ name: "relayer_axelar_transfers_in_flight", help: "Axelar GMP transfers sent through an adapter and not yet executed, per route", labelNames: ["route"], registers });
    this.value = new Gauge({ name: "relayer_axelar_transfers_in_flight_allo", help: "Value of those, ALLO (float), per route", labelNames: ["route"], registers });
  }

  /** After a supply check: its in-flight rows. */
  observe(rows: readonly InFlight[]): void {
    const byRoute = axelarInFlightByRoute(rows);
    for (const route of byRoute.keys()) this.seen.add(route);
    for (const route of this.seen) {
      const r = byRoute.get(route) ?? { count: 0, amount: 0n };
      this.count.set({ route }, r.count);
      this.value.set({ route }, Number(formatUnits(r.amount, 18)));
    }
  }
}
