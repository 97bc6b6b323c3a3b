/** Prometheus metrics of the transfer pipeline, on the relayer's registry. */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export class TransferMetrics {
  readonly seen: Counter<"route">;
  readonly delivered: Counter<"route">;
  readonly queued: Counter<"route">;
  readonly released: Counter<"route">;
  readonly refunded: Counter<"reason">;
  readonly refused: Counter<"route">;
  readonly sourceReorged: Counter<"source">;
  readonly rerunsJoined: Counter<"chain">;
  readonly inFlightCount: Gauge;
  readonly inFlightValue: Gauge;
  readonly reconciliationDelta: Gauge;
  readonly latency: Histogram<"route">;
  readonly batchSize: Histogram<"target" | "outcome">;

  constructor(registry: Registry) {
    const r = [registry];
    this.seen = new Counter({ name: "relayer_transfers_seen_total", help: "Transfers found at their source", labelNames: ["route"], registers: r });
    this.delivered = new Counter({ name: "relayer_transfers_delivered_total", help: "Transfers minted on an EVM chain or released on the hub", labelNames: ["route"], registers: r });
    this.queued = new Counter({ name: "relayer_transfers_queued_total", help: "Deliveries queued by the destination's inbound limit", labelNames: ["route"], registers: r });
    this.released = new Counter({ name: "relayer_transfers_queue_released_total", help: "Queued deliveries released", labelNames: ["route"], registers: r });
    this.refunded = new Counter({ name: "relayer_transfers_refunded_total", help: "Hub deposits refunded, by reason", labelNames: ["reason"], registers: r });
    this.sourceReorged = new Counter({ name: "relayer_transfers_source_reorged_total", help: "Burns gone from their chain after their confirmations (a reorg deeper than them; alert)", labelNames: ["source"], registers: r });
    this.rerunsJoined = new Counter({
      name: "relayer_transfer_job_reruns_joined_total",
      help: "Transfer jobs BullMQ handed out again while their first run was still going here (a lapsed lock: event-loop lag); they waited for it instead of working twice",
      labelNames: ["chain"],
      registers: r,
    });
    this.refused = new Counter({ name: "relayer_transfers_refused_total", help: "Transfer jobs an attester refused to sign (alert)", labelNames: ["route"], registers: r });
    this.inFlightCount = new Gauge({ name: "relayer_transfers_in_flight", help: "Transfers sent and not yet delivered, released or refunded", registers: r });
    this.inFlightValue = new Gauge({ name: "relayer_transfers_in_flight_allo", help: "Value in flight, ALLO (float)", registers: r });
    this.reconciliationDelta = new Gauge({
      name: "relayer_reconciliation_delta_allo",
      help: "Escrow backing minus (EVM supply + in flight), ALLO (float); 0 when every token is accounted for",
      registers: r,
    });
    this.latency = new Histogram({
      name: "relayer_transfer_latency_seconds",
      help: "From the source block's time to the delivery seen",
      labelNames: ["route"],
      buckets: [1, 2, 3, 5, 8, 13, 21, 60, 300],
      registers: r,
    });
    this.batchSize = new Histogram({
      name: "relayer_transfer_batch_size",
      help: "Transfers per transaction (an EVM chain's multicall of deliveries, or a hub escrow tx of payments), by outcome",
      labelNames: ["target", "outcome"],
      buckets: [1, 2, 4, 8, 16, 32],
      registers: r,
    });
  }
}
