/**
 * What the page knows about the watched connections, built from the hub's messages.
 * Bounded: at most `MAX_CONNECTIONS` connections and `MAX_ENTRIES` entries each.
 */
import { decodeFrameHeader, fromHex, type FrameContextHint, type FrameSender } from "../frame-view.js";
import type { ConnectionSnapshot, Direction, FrameEntry, HubEntry, HubMessage, TransitionEntry } from "../messages.js";

const MAX_CONNECTIONS = 50;
const MAX_ENTRIES = 500;

/** An entry, with what the page worked out about it. */
export interface TimelineItem {
  readonly entry: HubEntry;
  /** For frames: who sent it and what it continues, for `describeFrame`. */
  readonly hint?: FrameContextHint;
}

/** One connection as the page shows it. */
export interface WatchedConnection {
  readonly id: string;
  role: "CLIENT" | "SERVER" | null;
  opened: boolean | null;
  value: unknown;
  status: string;
  since: number;
  items: TimelineItem[];
  /** The target of its opening request, e.g. `/echo?watch=k3v9`. */
  target: string | null;
  /** The transitions of the latest change (one machine step). */
  lastTransitions: TransitionEntry[];
  /** The message kind each direction is in the middle of, for continuation frames. */
  readonly fragment: Record<Direction, "text" | "binary" | null>;
  /** permessage-deflate was agreed in the handshake. */
  deflate: boolean;
}

/** What changed, for the page to redraw only that. */
export type StoreChange =
  | { readonly kind: "reset" }
  | { readonly kind: "connections" }
  | { readonly kind: "entry"; readonly id: string; readonly item: TimelineItem };

/** Who sent a frame: `in` is what the hub's side read, so it came from the other role. */
export function senderOf(role: WatchedConnection["role"], direction: Direction): FrameSender {
  const local: FrameSender = role ?? "SERVER";
  const peer: FrameSender = local === "SERVER" ? "CLIENT" : "SERVER";
  return direction === "in" ? peer : local;
}

export class Store {
  readonly connections = new Map<string, WatchedConnection>();
  readonly #listeners = new Set<(change: StoreChange) => void>();

  /** Calls `listener` after every change. */
  listen(listener: (change: StoreChange) => void): void {
    this.#listeners.add(listener);
  }

  #notify(change: StoreChange): void {
    for (const listener of this.#listeners) listener(change);
  }

  /** Takes one message from the hub (already parsed); ignores what it does not know. */
  receive(message: HubMessage): void {
    if (message.type === "hello") {
      this.connections.clear();
      for (const snapshot of message.connections) this.#ensure(snapshot.id, snapshot);
      this.#notify({ kind: "reset" });
      return;
    }
    if (typeof (message as { id?: unknown }).id !== "string") return;
    const isNew = !this.connections.has(message.id);
    const connection = this.#ensure(message.id);
    const item = this.#apply(connection, message);
    connection.items.push(item);
    if (connection.items.length > MAX_ENTRIES) connection.items.splice(0, connection.items.length - MAX_ENTRIES);
    if (isNew || message.type === "connection" || message.type === "state") this.#notify({ kind: "connections" });
    this.#notify({ kind: "entry", id: connection.id, item });
  }

  #ensure(id: string, snapshot?: ConnectionSnapshot): WatchedConnection {
    let connection = this.connections.get(id);
    if (connection === undefined) {
      if (this.connections.size >= MAX_CONNECTIONS) {
        const oldest = [...this.connections.values()].find((c) => c.status === "done") ?? this.connections.values().next().value!;
        this.connections.delete(oldest.id);
      }
      connection = {
        id,
        role: snapshot?.role ?? null,
        opened: snapshot?.opened ?? null,
        value: snapshot?.value ?? null,
        status: snapshot?.status ?? "active",
        since: snapshot?.since ?? Date.now(),
        items: [],
        target: null,
        lastTransitions: [],
        fragment: { in: null, out: null },
        deflate: false,
      };
      this.connections.set(id, connection);
    }
    return connection;
  }

  #apply(connection: WatchedConnection, entry: HubEntry): TimelineItem {
    switch (entry.type) {
      case "connection":
        connection.role = entry.role ?? connection.role;
        connection.opened = entry.opened ?? connection.opened;
        return { entry };
      case "state":
        connection.value = entry.value;
        connection.status = entry.status;
        return { entry };
      case "transition": {
        const previous = connection.items.at(-1)?.entry;
        if (previous?.type !== "transition") connection.lastTransitions = [];
        connection.lastTransitions.push(entry);
        return { entry };
      }
      case "http":
        if (/^HTTP\/\S+ 101\b/.test(entry.text) && /^sec-websocket-extensions:.*permessage-deflate/im.test(entry.text)) {
          connection.deflate = true;
        }
        return { entry };
      case "event":
        if (entry.name === "Request") connection.target = /^GET (\S+)/.exec(entry.summary)?.[1] ?? null;
        return { entry };
      case "frame":
        return { entry, hint: this.#frameHint(connection, entry) };
      default:
        return { entry };
    }
  }

  /** The context a frame is read in, and the fragmentation state it leaves behind. */
  #frameHint(connection: WatchedConnection, entry: FrameEntry): FrameContextHint {
    const hint: FrameContextHint = {
      sender: senderOf(connection.role, entry.direction),
      continues: connection.fragment[entry.direction] ?? undefined,
      deflate: connection.deflate,
    };
    const bytes = fromHex(entry.hex);
    const reading = bytes === null ? null : decodeFrameHeader(bytes);
    if (reading?.complete) {
      const { opcode, fin } = reading.header;
      if ((opcode === 0x1 || opcode === 0x2) && !fin) connection.fragment[entry.direction] = opcode === 0x1 ? "text" : "binary";
      if (opcode === 0x0 && fin) connection.fragment[entry.direction] = null;
    }
    return hint;
  }
}
