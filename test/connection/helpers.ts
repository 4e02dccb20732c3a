/**
 * Helpers of the Connection-level tests: feeding a real `Connection` in chunks, watching
 * which lifecycle events its statechart receives, reading the frames it sends, and a
 * tiny frame encoder of our own (independent of the engine's) to build valid input.
 */
import { Deflate, Z_SYNC_FLUSH } from "pako";
import { Connection, type ConnectionEvent, type ConnectionOptions } from "../../src/connection.js";
import { ConnectionType } from "../../src/constants.js";
import { PerMessageDeflate, type PerMessageDeflateOptions } from "../../src/extensions/permessage-deflate.js";
import { concatBytes, wireFrame } from "../fixtures/frame-rows.js";

export { wireFrame };

/** A Connection plus the lifecycle (machine) events its actor received, in order. */
export interface Watched {
  readonly connection: Connection;
  /** Types of the machine events the actor processed (inspection, `xstate.*` left out). */
  readonly lifecycle: string[];
}

/** A Connection of the given role whose lifecycle events are recorded through `inspect`. */
export function watchedConnection(client: boolean, options: ConnectionOptions = {}): Watched {
  const lifecycle: string[] = [];
  const connection = new Connection(client ? ConnectionType.CLIENT : ConnectionType.SERVER, {
    ...options,
    inspect: (event) => {
      if (event.type !== "@xstate.event") return;
      const type = (event.event as { type: string }).type;
      if (!type.startsWith("xstate.")) lifecycle.push(type);
    },
  });
  return { connection, lifecycle };
}

/** Every event ready now. */
export function drain(connection: Connection): ConnectionEvent[] {
  return [...connection.events()];
}

/**
 * The state a caller sees right after taking `event` must be the one the event implies
 * (DESIGN.md: parsing is lazy, "the state seen by the caller after an event is the state
 * that event implies"). Returns what is wrong, or null.
 */
export function stateMismatch(connection: Connection, event: ConnectionEvent): string | null {
  const value = connection.actor.getSnapshot().value as unknown;
  const state = connection.state;
  if (event.type === "CloseConnection") {
    return state === "REMOTE_CLOSING" || state === "CLOSED" ? null : `${state} right after a CloseConnection`;
  }
  if (event.type !== "TextMessage" && event.type !== "BytesMessage") return null;
  const inbound =
    typeof value === "object" && value !== null && "OPEN" in value
      ? (value as { OPEN: { inbound: string } }).OPEN.inbound
      : typeof value === "object" && value !== null && "LOCAL_CLOSING" in value
        ? (value as { LOCAL_CLOSING: string }).LOCAL_CLOSING
        : null;
  const expected = event.messageFinished ? "idle" : event.type === "TextMessage" ? "receivingText" : "receivingBinary";
  return inbound === expected ? null : `inbound ${String(inbound)} right after a ${event.type} (messageFinished ${event.messageFinished})`;
}

/**
 * Feeds the chunks one by one, draining events after each, the way a transport loop
 * does: it stops reading once the connection is CLOSED. Throws when the state seen
 * after an event is not the one it implies.
 */
export function feedAll(connection: Connection, chunks: Iterable<Uint8Array>): ConnectionEvent[] {
  const events: ConnectionEvent[] = [];
  for (const chunk of chunks) {
    if (connection.state === "CLOSED") break;
    connection.receiveData(chunk);
    for (const event of connection.events()) {
      const mismatch = stateMismatch(connection, event);
      if (mismatch !== null) throw new Error(`event ${events.length}: ${mismatch}`);
      events.push(event);
    }
  }
  return events;
}

/**
 * The same in push mode: a `"*"` listener takes the events while `receiveData` runs.
 * Listeners must see the state each event implies too.
 */
export function feedAllPushed(connection: Connection, chunks: Iterable<Uint8Array>): ConnectionEvent[] {
  const events: ConnectionEvent[] = [];
  const problems: string[] = [];
  const off = connection.on("*", (event) => {
    const mismatch = stateMismatch(connection, event as ConnectionEvent);
    if (mismatch !== null) problems.push(`event ${events.length}: ${mismatch}`);
    events.push(event as ConnectionEvent);
  });
  for (const chunk of chunks) {
    if (connection.state === "CLOSED") break;
    connection.receiveData(chunk);
    if (drain(connection).length > 0) problems.push("events() yielded something in push mode");
  }
  off();
  if (problems.length > 0) throw new Error(problems.join("; "));
  return events;
}

/** The snapshot value a Connection in `state` must show, given its inbound message state. */
export function expectedSnapshotValue(
  state: string,
  inbound: "idle" | "receivingText" | "receivingBinary",
  outbound: "idle" | "sendingText" | "sendingBinary" = "idle",
): unknown {
  switch (state) {
    case "OPEN":
      return { OPEN: { inbound, outbound } };
    case "LOCAL_CLOSING":
      return { LOCAL_CLOSING: inbound };
    default:
      return state;
  }
}

/** One frame read back from bytes a Connection sent (unmasked), and what followed it. */
export interface SentFrame {
  readonly fin: boolean;
  readonly rsv: number;
  readonly opcode: number;
  readonly masked: boolean;
  readonly payload: Uint8Array;
  /** Offset of the next frame. */
  readonly end: number;
}

/** Reads one frame at `offset`: header, mask and payload; null when the bytes end first. */
export function readFrame(bytes: Uint8Array, offset = 0): SentFrame | null {
  if (offset + 2 > bytes.length) return null;
  const first = bytes[offset];
  const masked = (bytes[offset + 1] & 0x80) !== 0;
  let length = bytes[offset + 1] & 0x7f;
  let at = offset + 2;
  if (length === 126) {
    if (at + 2 > bytes.length) return null;
    length = (bytes[at] << 8) | bytes[at + 1];
    at += 2;
  } else if (length === 127) {
    if (at + 8 > bytes.length) return null;
    length = 0;
    for (let i = 0; i < 8; i++) length = length * 256 + bytes[at + i];
    at += 8;
  }
  const key = masked ? bytes.subarray(at, at + 4) : null;
  if (masked) at += 4;
  if (at + length > bytes.length) return null;
  const payload = bytes.slice(at, at + length);
  if (key !== null) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
  return { fin: (first & 0x80) !== 0, rsv: (first >> 4) & 7, opcode: first & 0x0f, masked, payload, end: at + length };
}

/** Every frame in `bytes`, which must hold whole frames only. */
export function readFrames(bytes: Uint8Array): SentFrame[] {
  const frames: SentFrame[] = [];
  for (let at = 0; at < bytes.length; ) {
    const frame = readFrame(bytes, at);
    if (frame === null) throw new Error(`bytes end inside a frame at offset ${at}`);
    frames.push(frame);
    at = frame.end;
  }
  return frames;
}

/** Code and reason of a Close frame's payload (`null` code for an empty payload). */
export function closePayload(payload: Uint8Array): { code: number | null; reason: Uint8Array } {
  if (payload.length === 0) return { code: null, reason: payload };
  return { code: (payload[0] << 8) | payload[1], reason: payload.subarray(2) };
}

// ---------------------------------------------------------------------------------------
// permessage-deflate

/** A server-side PerMessageDeflate negotiated by `accept(offer)`. */
export function serverDeflate(offer = "permessage-deflate", options: PerMessageDeflateOptions = {}): PerMessageDeflate {
  const extension = new PerMessageDeflate(options);
  if (extension.accept(offer) === null) throw new Error(`the server declined ${offer}`);
  return extension;
}

/** A client-side PerMessageDeflate negotiated by `finalize(response)`. */
export function clientDeflate(response = "permessage-deflate", options: PerMessageDeflateOptions = {}): PerMessageDeflate {
  const extension = new PerMessageDeflate(options);
  extension.finalize(response);
  return extension;
}

/**
 * Both ends of one negotiation: the client offers, the server accepts the offer, the
 * client finalizes the server's answer.
 */
export function negotiate(
  clientOptions: PerMessageDeflateOptions,
  serverOptions: PerMessageDeflateOptions,
): { client: PerMessageDeflate; server: PerMessageDeflate } {
  const client = new PerMessageDeflate(clientOptions);
  const server = new PerMessageDeflate(serverOptions);
  const offer = client.offer();
  const answer = server.accept(offer === "" ? "permessage-deflate" : `permessage-deflate; ${offer}`);
  if (answer === null) throw new Error(`the server declined ${offer}`);
  client.finalize(answer === "" ? "permessage-deflate" : `permessage-deflate; ${answer}`);
  return { client, server };
}

/**
 * Raw deflate of `data` ended by a sync flush with its `00 00 ff ff` trailer removed: a
 * whole permessage-deflate payload (RFC 7692 §7.2.1), made by pako, not by the engine.
 */
export function deflatePayload(data: Uint8Array, windowBits = 15): Uint8Array {
  const deflate = new Deflate({ raw: true, windowBits });
  deflate.push(data, Z_SYNC_FLUSH);
  const out = concatBytes(deflate.chunks);
  return out.subarray(0, out.length - 4);
}
