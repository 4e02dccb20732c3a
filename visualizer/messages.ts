/**
 * The JSON messages the inspection hub sends to the page over `/__inspect`, one per
 * WebSocket text message. The hub (Node) writes them, the page reads them.
 */

/** `in`: the server read it (or the engine produced it); `out`: the server wrote it (or sent it). */
export type Direction = "in" | "out";

/** Fields of every message about one connection. */
interface ConnectionEntryBase {
  /** Increases by one per message, across connections. */
  readonly seq: number;
  /** `Date.now()` when the hub saw it. */
  readonly time: number;
  /** The connection id given to `observerFor` / `frameIn` / `eventIn`. */
  readonly id: string;
}

/** A connection appeared (or its role became known). */
export interface ConnectionEntry extends ConnectionEntryBase {
  readonly type: "connection";
  readonly role: "CLIENT" | "SERVER" | null;
  /** True for a bare `Connection` (no opening handshake). */
  readonly opened: boolean | null;
}

/** The statechart's state value after a change, e.g. `{ "OPEN": { "inbound": "idle", "outbound": "idle" } }`. */
export interface StateEntry extends ConnectionEntryBase {
  readonly type: "state";
  readonly value: unknown;
  /** `active`, or `done` once CLOSED (a final state) is reached. */
  readonly status: string;
}

/** One transition the statechart took, with the RFC section it implements. */
export interface TransitionEntry extends ConnectionEntryBase {
  readonly type: "transition";
  /** The machine event, e.g. `SEND_CLOSE`; `""` for an eventless (`always`) transition. */
  readonly event: string;
  /** State node ids, e.g. `connection.OPEN` → `connection.LOCAL_CLOSING.idle`. */
  readonly source: string;
  readonly targets: readonly string[];
  readonly rfc: string | null;
  readonly description: string | null;
}

/** One WebSocket frame: header and the first payload bytes, as hex without spaces. */
export interface FrameEntry extends ConnectionEntryBase {
  readonly type: "frame";
  readonly direction: Direction;
  readonly hex: string;
  /** The whole frame's length in bytes (header + payload). */
  readonly length: number;
  /** True when `hex` holds only the beginning of the payload. */
  readonly truncated: boolean;
}

/** The HTTP head of the opening handshake (request in, response out on a server). */
export interface HttpEntry extends ConnectionEntryBase {
  readonly type: "http";
  readonly direction: Direction;
  readonly text: string;
  /** False when the head was longer than the hub reads. */
  readonly complete: boolean;
}

/** Bytes that are neither handshake head nor frames (a rejection's body): the first ones. */
export interface RawEntry extends ConnectionEntryBase {
  readonly type: "raw";
  readonly direction: Direction;
  readonly hex: string;
  readonly length: number;
}

/** A protocol event the engine produced (`in`) or the application sent (`out`). */
export interface EventEntry extends ConnectionEntryBase {
  readonly type: "event";
  readonly direction: Direction;
  /** The event class, e.g. `TextMessage`, `CloseConnection`. */
  readonly name: string;
  /** One line, e.g. `"Hello" (5 chars)` or `1000 NORMAL_CLOSURE "bye"`. */
  readonly summary: string;
  /** For sends: the statechart event it is, e.g. `SEND_TEXT` (also when it changes no state). */
  readonly machineEvent: string | null;
}

/** A message about one connection; the hub keeps the latest ones as history. */
export type HubEntry = ConnectionEntry | StateEntry | TransitionEntry | FrameEntry | HttpEntry | RawEntry | EventEntry;

/** What the hub knows about a connection now. */
export interface ConnectionSnapshot {
  readonly id: string;
  readonly role: "CLIENT" | "SERVER" | null;
  readonly opened: boolean | null;
  /** The last state value, or null before the first snapshot. */
  readonly value: unknown;
  readonly status: string;
  /** `Date.now()` when the connection appeared. */
  readonly since: number;
}

/** The first message to each subscriber: the connections the hub knows; the history follows. */
export interface HelloMessage {
  readonly type: "hello";
  readonly version: 1;
  readonly connections: readonly ConnectionSnapshot[];
}

/** Every message the page may receive. */
export type HubMessage = HelloMessage | HubEntry;
