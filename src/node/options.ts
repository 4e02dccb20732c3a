/**
 * The options every Node WebSocket (client or server side) shares: limits handed to the
 * engine, the timers the adapter runs, automatic replies and an observer, and their
 * validation.
 */
import type { InspectionEvent } from "xstate";
import type { AnyEvent, Event } from "../events.js";
import type { PerMessageDeflateOptions } from "../extensions/permessage-deflate.js";
import { resolveLimits, type FrameLimits } from "../frame/limits.js";
import { HttpHeadParser, type HeadLimits } from "../handshake/http-head.js";

/**
 * Sees everything about one connection: the statechart's inspection stream, the raw bytes
 * read and written, and the protocol events in both directions. For logging, metrics or
 * the visualizer's inspection hub. Every member is optional.
 *
 * @example
 * ```ts
 * const observer: ConnectionObserver = {
 *   inspect: (event) => { if (event.type === "@xstate.snapshot") console.log(event.snapshot.value); },
 *   bytesIn: (bytes) => console.log(`read ${bytes.length} bytes`),
 * };
 * ```
 */
export interface ConnectionObserver {
  /** The XState inspection stream of the connection's lifecycle statechart. */
  inspect?: (event: InspectionEvent) => void;
  /** Bytes read from the socket, before the engine sees them. */
  bytesIn?: (bytes: Uint8Array) => void;
  /** Bytes written to the socket. */
  bytesOut?: (bytes: Uint8Array) => void;
  /** A protocol event the engine produced from the peer's bytes. */
  eventIn?: (event: AnyEvent) => void;
  /** A protocol event this side sent. */
  eventOut?: (event: Event) => void;
}

/** Options shared by {@link connect} and {@link createWebSocketServer}. */
export interface SocketOptions extends Partial<FrameLimits>, Partial<HeadLimits> {
  /**
   * Milliseconds the opening handshake may take, from the TCP connection to the 101
   * (slowloris defence, hardening §1.12); the socket is destroyed when it runs out.
   * Default 10 000; 0 turns the timer off.
   */
  handshakeTimeout?: number;
  /**
   * Milliseconds the closing handshake may take, from the first Close (sent or received)
   * to the end of the TCP connection; the socket is destroyed when it runs out (a peer
   * that never answers a Close, or never closes TCP). Default 30 000 (as `ws`); 0 turns
   * the timer off.
   */
  closeTimeout?: number;
  /** Answer every Ping with a Pong at once (RFC 6455 §5.5.2). Default true. */
  autoPong?: boolean;
  /** Answer the peer's Close with the same Close at once (RFC 6455 §5.5.1). Default true. */
  autoCloseReply?: boolean;
  /**
   * Offer (client) or accept (server) permessage-deflate (RFC 7692): `true` for the
   * defaults, or the parameters. Default false: compression costs memory and CPU per
   * connection and is worth it only for large, compressible messages.
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
}

/** The adapter's own settings, validated, with defaults applied. */
export interface AdapterSettings {
  readonly handshakeTimeout: number;
  readonly closeTimeout: number;
  readonly autoPong: boolean;
  readonly autoCloseReply: boolean;
}

/** The default handshake deadline (websockets' `open_timeout`). */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;
/** The default closing-handshake deadline (`ws`'s). */
export const DEFAULT_CLOSE_TIMEOUT = 30_000;
/** `setTimeout` cannot wait longer. */
const MAX_TIMEOUT = 0x7fff_ffff;

function checkTimeout(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_TIMEOUT) {
    throw new RangeError(`${name} must be an integer number of milliseconds from 0 (off) to ${MAX_TIMEOUT}; got ${String(value)}`);
  }
  return value;
}

function checkFlag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new TypeError(`${name} must be a boolean; got ${typeof value}`);
  return value;
}

/**
 * Validates the adapter's options and applies the defaults.
 *
 * @throws RangeError for a timeout that is not an integer from 0 to 2^31 − 1 ms,
 *   TypeError for a flag that is not a boolean.
 */
export function resolveAdapterSettings(options: SocketOptions): AdapterSettings {
  return {
    handshakeTimeout: checkTimeout("handshakeTimeout", options.handshakeTimeout, DEFAULT_HANDSHAKE_TIMEOUT),
    closeTimeout: checkTimeout("closeTimeout", options.closeTimeout, DEFAULT_CLOSE_TIMEOUT),
    autoPong: checkFlag("autoPong", options.autoPong, true),
    autoCloseReply: checkFlag("autoCloseReply", options.autoCloseReply, true),
  };
}

/**
 * The engine's limits out of the options, validated now (the engine itself checks the
 * frame limits only once a handshake succeeds).
 */
export function engineLimits(options: SocketOptions): Partial<FrameLimits & HeadLimits> {
  const { maxMessageSize, maxFrameSize, maxFragments, maxHandshakeSize, maxHeaders } = options;
  resolveLimits({ maxMessageSize, maxFrameSize, maxFragments });
  HttpHeadParser.request({ maxHandshakeSize, maxHeaders });
  const limits: Partial<FrameLimits & HeadLimits> = { maxMessageSize, maxFrameSize, maxFragments, maxHandshakeSize, maxHeaders };
  for (const key of Object.keys(limits) as Array<keyof typeof limits>) if (limits[key] === undefined) delete limits[key];
  return limits;
}

/**
 * The engine's allocator in Node: memory from Node's allocator, not zero-filled (the
 * engine writes every byte before handing an array out) — no zero-fill, and no page
 * faults of fresh memory, which cost most of a large masked send.
 */
export const allocateUnsafe = (size: number): Uint8Array => Buffer.allocUnsafe(size);

/** The `PerMessageDeflate` options to use, or null when compression is off. */
export function deflateOptions(value: SocketOptions["perMessageDeflate"]): PerMessageDeflateOptions | null {
  if (value === undefined || value === false) return null;
  if (value === true) return {};
  if (typeof value !== "object" || value === null) {
    throw new TypeError(`perMessageDeflate must be a boolean or PerMessageDeflate options; got ${String(value)}`);
  }
  return value;
}
