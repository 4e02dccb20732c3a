/**
 * The inspection hub: the Node side of the visualizer. A demo server hands it, for each
 * connection, the XState inspection stream, the raw bytes read and written, and the
 * protocol events; it turns them into compact JSON messages (see `messages.ts`), keeps a
 * bounded history, and broadcasts them to the pages subscribed over `/__inspect`.
 *
 * Nothing in `src/` imports this module.
 */
import type { InspectionEvent } from "xstate";
import type { Event } from "../src/events.js";
import { sendEventType } from "../src/lifecycle.js";
import { summarizeEvent } from "./event-summary.js";
import type { ConnectionSnapshot, Direction, HelloMessage, HubEntry } from "./messages.js";
import { WireStream, type WirePiece } from "./wire-stream.js";

/** What the demo server talks to. */
export interface InspectionHub {
  /** Pass as `inspect` to `new WSConnection(type, { inspect })` / `new Connection(...)`; returns the observer for connection `id`. */
  observerFor(id: string): (event: InspectionEvent) => void;
  /** Report raw bytes the server read on connection `id`. */
  frameIn(id: string, bytes: Uint8Array): void;
  /** Report raw bytes the server wrote on connection `id`. */
  frameOut(id: string, bytes: Uint8Array): void;
  /** Report a protocol event the engine produced on connection `id`. */
  eventIn(id: string, event: { type: string }): void;
  /** Report a protocol event the application sent on connection `id`. */
  eventOut(id: string, event: { type: string }): void;
  /** Subscribe a sink (one per page connected to /__inspect); returns unsubscribe. */
  subscribe(send: (json: string) => void): () => void;
}

/** Bounds of the hub; every one keeps memory bounded whatever the connections do. */
export interface InspectionHubOptions {
  /** Messages kept for pages that subscribe later (default 1000). */
  historyLimit?: number;
  /** Connections remembered; the oldest closed ones are forgotten first (default 50). */
  connectionLimit?: number;
  /** Payload bytes shown per frame (default 1024). */
  keepPayload?: number;
}

interface ConnectionRecord {
  readonly id: string;
  role: "CLIENT" | "SERVER" | null;
  opened: boolean | null;
  value: unknown;
  valueKey: string;
  status: string;
  readonly since: number;
  readonly wire: Record<Direction, WireStream>;
}

type Entry<T extends HubEntry["type"]> = Omit<Extract<HubEntry, { type: T }>, "seq" | "time" | "id" | "type">;

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/**
 * Creates a hub. Give each connection an id, pass `observerFor(id)` as its `inspect`,
 * report its bytes and events, and stream what `subscribe` delivers to the page.
 *
 * @example
 * ```ts
 * const hub = createInspectionHub();
 * const ws = new WSConnection(ConnectionType.SERVER, { inspect: hub.observerFor("c1") });
 * socket.on("data", (chunk) => {
 *   hub.frameIn("c1", chunk);
 *   ws.receiveData(chunk);
 *   for (const event of ws.events()) hub.eventIn("c1", event);
 * });
 * inspectSocket.on("open", () => hub.subscribe((json) => inspectSocket.send(json)));
 * ```
 */
export function createInspectionHub(options: InspectionHubOptions = {}): InspectionHub {
  const historyLimit = options.historyLimit ?? 1000;
  const connectionLimit = options.connectionLimit ?? 50;
  const keepPayload = options.keepPayload ?? 1024;
  const connections = new Map<string, ConnectionRecord>();
  const history: HubEntry[] = [];
  const subscribers = new Set<(json: string) => void>();
  let seq = 0;

  function deliver(send: (json: string) => void, json: string): boolean {
    try {
      send(json);
      return true;
    } catch {
      // A sink that throws (its page went away) is dropped; the engine must never see it.
      subscribers.delete(send);
      return false;
    }
  }

  function emit<T extends HubEntry["type"]>(id: string, type: T, fields: Entry<T>): void {
    const entry = { seq: ++seq, time: Date.now(), id, type, ...fields } as unknown as HubEntry;
    history.push(entry);
    if (history.length > historyLimit) history.splice(0, history.length - historyLimit);
    const json = JSON.stringify(entry);
    for (const send of subscribers) deliver(send, json);
  }

  function forgetOne(): void {
    let oldest: string | null = null;
    for (const record of connections.values()) {
      if (record.status === "done") {
        connections.delete(record.id);
        return;
      }
      oldest ??= record.id;
    }
    if (oldest !== null) connections.delete(oldest);
  }

  /**
   * The record of connection `id`, created (and announced) on first sight. The machine's
   * init event carries its input: the role is learnt from it (never the engine handle).
   */
  function record(id: string, event?: { type: string; input?: unknown }): ConnectionRecord {
    const input = event?.type === "xstate.init" ? (event.input as { role?: unknown; opened?: unknown } | undefined) : undefined;
    const role = input?.role === "CLIENT" || input?.role === "SERVER" ? input.role : null;
    const opened = role !== null && typeof input?.opened === "boolean" ? input.opened : null;
    let found = connections.get(id);
    if (found === undefined) {
      if (connections.size >= connectionLimit) forgetOne();
      found = {
        id,
        role,
        opened,
        value: null,
        valueKey: "",
        status: "active",
        since: Date.now(),
        wire: { in: new WireStream({ keepPayload }), out: new WireStream({ keepPayload }) },
      };
      connections.set(id, found);
    } else if (found.role !== null || role === null) {
      return found;
    }
    found.role = role;
    found.opened = opened;
    emit(id, "connection", { role, opened });
    return found;
  }

  function onInspection(id: string, event: InspectionEvent): void {
    if (event.actorRef.sessionId !== event.rootId) return; // only the connection's own machine
    if (event.type === "@xstate.microstep") {
      record(id, event.event);
      for (const transition of event._transitions) {
        const meta = transition.meta as { rfc?: unknown; description?: unknown } | undefined;
        emit(id, "transition", {
          event: transition.eventType,
          source: transition.source.id,
          targets: (transition.target ?? []).map((node) => node.id),
          rfc: text(meta?.rfc),
          description: text(meta?.description),
        });
      }
    } else if (event.type === "@xstate.snapshot") {
      const connection = record(id, event.event);
      const snapshot = event.snapshot as { value?: unknown; status: string };
      const valueKey = JSON.stringify(snapshot.value ?? null) + snapshot.status;
      if (valueKey === connection.valueKey) return;
      connection.valueKey = valueKey;
      connection.value = snapshot.value ?? null;
      connection.status = snapshot.status;
      emit(id, "state", { value: connection.value, status: connection.status });
    }
  }

  function onBytes(id: string, direction: Direction, bytes: Uint8Array): void {
    for (const piece of record(id).wire[direction].push(bytes)) emitPiece(id, direction, piece);
  }

  function emitPiece(id: string, direction: Direction, piece: WirePiece): void {
    switch (piece.kind) {
      case "http":
        return emit(id, "http", { direction, text: piece.text, complete: piece.complete });
      case "frame":
        return emit(id, "frame", { direction, hex: hex(piece.bytes), length: piece.frameLength, truncated: piece.truncated });
      case "bytes":
        return emit(id, "raw", { direction, hex: hex(piece.bytes), length: piece.length });
    }
  }

  function onEvent(id: string, direction: Direction, event: { type: string }): void {
    record(id);
    emit(id, "event", {
      direction,
      name: String(event.type),
      summary: summarizeEvent(event),
      machineEvent: direction === "out" ? sendEventType(event as Event) : null,
    });
  }

  function snapshotOf(connection: ConnectionRecord): ConnectionSnapshot {
    const { id, role, opened, value, status, since } = connection;
    return { id, role, opened, value, status, since };
  }

  return {
    observerFor: (id) => (event) => onInspection(id, event),
    frameIn: (id, bytes) => onBytes(id, "in", bytes),
    frameOut: (id, bytes) => onBytes(id, "out", bytes),
    eventIn: (id, event) => onEvent(id, "in", event),
    eventOut: (id, event) => onEvent(id, "out", event),
    subscribe(send) {
      subscribers.add(send);
      const hello: HelloMessage = { type: "hello", version: 1, connections: [...connections.values()].map(snapshotOf) };
      if (!deliver(send, JSON.stringify(hello))) return () => {};
      for (const entry of history) if (!deliver(send, JSON.stringify(entry))) return () => {};
      return () => subscribers.delete(send);
    },
  };
}
