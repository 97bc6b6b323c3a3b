/** ABCI events as CometBFT serves them, and small builders. */
export interface EventAttribute {
  key: string;
  value: string;
  index: boolean;
}

export interface AbciEvent {
  type: string;
  attributes: EventAttribute[];
}

/** Builds an event; `msgIndex` appends the `msg_index` attribute the SDK adds to message events. */
export function makeEvent(type: string, attrs: [string, string][], msgIndex?: number): AbciEvent {
  const attributes = attrs.map(([key, value]) => ({ key, value, index: true }));
  if (msgIndex !== undefined) attributes.push({ key: "msg_index", value: String(msgIndex), index: true });
  return { type, attributes };
}
