/**
 * CometBFT websocket endpoint (/websocket): any JSON-RPC method, plus subscribe / unsubscribe /
 * unsubscribe_all over the event bus (tm.event = NewBlock, NewBlockHeader, Tx, NewBlockEvents).
 */
import { RawData, WebSocket, WebSocketServer } from "ws";
import type { Logger } from "pino";
import { Condition, matches, parseQuery, QueryParseError, Tags, tagsToObject } from "./query";
import { RpcError, RpcMethods } from "./methods";

export interface BusEvent {
  /** CometBFT event data: { type: "tendermint/event/NewBlock", value: {...} } */
  data: { type: string; value: unknown };
  tags: Tags;
}

interface Subscription {
  id: unknown;
  query: string;
  conds: Condition[];
}

/** Max subscriptions per websocket client (CometBFT's default is 5; the devnet is generous). */
export const MAX_SUBSCRIPTIONS_PER_CLIENT = 100;

export class EventBus {
  private readonly clients = new Map<WebSocket, Map<string, Subscription>>();

  attach(ws: WebSocket): Map<string, Subscription> {
    const subs = new Map<string, Subscription>();
    this.clients.set(ws, subs);
    ws.on("close", () => this.clients.delete(ws));
    return subs;
  }

  publish(ev: BusEvent): void {
    let payloadEvents: Record<string, string[]> | undefined;
    for (const [ws, subs] of this.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      for (const s of subs.values()) {
        if (!matches(s.conds, ev.tags)) continue;
        payloadEvents ??= tagsToObject(ev.tags);
        ws.send(JSON.stringify({ jsonrpc: "2.0", id: s.id, result: { query: s.query, data: ev.data, events: payloadEvents } }));
      }
    }
  }

  get subscriberCount(): number {
    let n = 0;
    for (const s of this.clients.values()) n += s.size;
    return n;
  }

  closeAll(): void {
    for (const ws of this.clients.keys()) ws.terminate();
    this.clients.clear();
  }
}

export function createWsServer(bus: EventBus, methods: RpcMethods, log?: Logger): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true });
  wss.on("connection", (ws) => {
    const subs = bus.attach(ws);
    // The handler catches what it can; a throw from ws.send itself is logged, not left unhandled.
    const onMessage = async (raw: RawData) => {
      let req: { jsonrpc?: string; id?: unknown; method?: unknown; params?: unknown };
      try {
        req = JSON.parse(raw.toString());
      } catch (e) {
        ws.send(JSON.stringify({ jsonrpc: "2.0", id: -1, error: { code: -32700, message: "Parse error", data: (e as Error).message } }));
        return;
      }
      const id = req.id ?? -1;
      const reply = (result: unknown) => ws.send(JSON.stringify({ jsonrpc: "2.0", id, result }));
      const fail = (e: RpcError) =>
        ws.send(JSON.stringify({ jsonrpc: "2.0", id, error: { code: e.code, message: e.message, data: e.data } }));
      try {
        if (typeof req.method !== "string") throw new RpcError(-32600, "Invalid Request", "method must be a string");
        const params = (req.params ?? {}) as Record<string, unknown> | unknown[];
        const queryParam = Array.isArray(params) ? params[0] : params.query;
        switch (req.method) {
          case "subscribe": {
            if (typeof queryParam !== "string") throw RpcError.invalidParams("query: expected a string");
            let conds: Condition[];
            try {
              conds = parseQuery(queryParam);
            } catch (e) {
              if (e instanceof QueryParseError) throw RpcError.internal(`failed to parse query: ${e.message}`);
              throw e;
            }
            if (subs.has(queryParam)) throw RpcError.internal("failed to subscribe: already subscribed");
            if (subs.size >= MAX_SUBSCRIPTIONS_PER_CLIENT)
              throw RpcError.internal(`failed to subscribe: max_subscriptions_per_client ${MAX_SUBSCRIPTIONS_PER_CLIENT} reached`);
            subs.set(queryParam, { id, query: queryParam, conds });
            log?.debug({ query: queryParam }, "subscribe");
            reply({});
            return;
          }
          case "unsubscribe": {
            if (typeof queryParam !== "string") throw RpcError.invalidParams("query: expected a string");
            if (!subs.delete(queryParam)) throw RpcError.internal("subscription not found");
            reply({});
            return;
          }
          case "unsubscribe_all":
            if (subs.size === 0) throw RpcError.internal("subscription not found");
            subs.clear();
            reply({});
            return;
          default:
            reply(await methods.call(req.method, req.params as Record<string, unknown>, "json"));
        }
      } catch (e) {
        fail(e instanceof RpcError ? e : RpcError.internal((e as Error).message));
      }
    };
    ws.on("message", (raw) => void onMessage(raw).catch((e: unknown) => log?.warn({ err: (e as Error).message }, "websocket message failed")));
  });
  return wss;
}
