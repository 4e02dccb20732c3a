/**
 * The fuzzer's WebSocket endpoint: a model of Autobahn's `WebSocketProtocol` as the
 * fuzzing client/server uses it. It writes raw frames (masked when it is the client),
 * queues chopped and synced writes one loop turn apart, reads and strictly checks what
 * the peer sends, runs the closing handshake and its timeouts, and records everything the
 * verdict needs (closedByMe, wasClean, droppedByMe, remoteCloseCode, received events).
 */
import type { FuzzerDeflate } from "./deflate.js";
import { sha1Hex } from "./payload.js";
import { seededRandom } from "./random.js";
import type { Reactor, TimerHandle } from "./reactor.js";
import type { FuzzerEndpoint, InMemoryTcp } from "./tcp.js";
import { applyMask, concatBytes, FrameReader, frameHeader, isValidUtf8, WireError, writeFrame, type IncomingFrame } from "./wire.js";

/** Autobahn's connection states after the opening handshake. */
export type FuzzerState = "OPEN" | "CLOSING" | "CLOSED";

/** An event the fuzzer records (Autobahn's `received` list). */
export type ReceivedEvent =
  | { readonly type: "message"; readonly binary: boolean; readonly length: number; readonly sha1: string; readonly head: string }
  | { readonly type: "pong"; readonly hex: string }
  | { readonly type: "ping"; readonly hex: string }
  | { readonly type: "timeout"; readonly tag: string };

/** What a case does when the fuzzer reports something. */
export interface CaseLogic {
  onOpen(): void;
  onMessage(payload: Uint8Array, binary: boolean): void;
  onPong(payload: Uint8Array): void;
  onPing(payload: Uint8Array): void;
}

/** Close codes a peer may put on the wire (RFC 6455 §7.4, as Autobahn checks them). */
export function isAllowedWireCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999);
}

/** A message sent with begin_message / begin_message_frame / frame_data_chunk. */
interface StreamingMessage {
  opcode: number;
  frames: number;
  mask: Uint8Array | null;
  /** Position in the current frame's payload, for the masking key. */
  offset: number;
}

/** Autobahn's timeouts, in (virtual) seconds. */
const CLOSE_HANDSHAKE_TIMEOUT = 1;
const SERVER_CONNECTION_DROP_TIMEOUT = 1;

export interface FuzzerOptions {
  /** The fuzzer is the client (masks its frames; the peer is a server). */
  readonly isClient: boolean;
  readonly seed: number;
  /** The negotiated permessage-deflate codec, or null. */
  readonly deflate: FuzzerDeflate | null;
}

export class Fuzzer implements FuzzerEndpoint {
  state: FuzzerState = "OPEN";
  closedByMe = false;
  droppedByMe = false;
  wasClean = false;
  wasNotCleanReason: string | null = null;
  remoteCloseCode: number | null = null;
  remoteCloseReason: string | null = null;
  /** Protocol violations by the peer (any one fails the case). */
  readonly violations: string[] = [];
  /** Autobahn's `received` list. */
  readonly received: ReceivedEvent[] = [];
  /** Frames the fuzzer wrote, by opcode (Autobahn's txFrameStats). */
  readonly txFrames = new Map<number, number>();
  /** Set once the connection is gone; the verdict is taken then. */
  lost = false;
  /** `killAfter` had to drop the connection: the peer neither finished nor closed in time. */
  killedBySafetyNet = false;
  /** Auto-fragment size for `sendMessage` (0 = off). */
  autoFragmentSize = 0;

  readonly isClient: boolean;
  readonly deflate: FuzzerDeflate | null;
  logic: CaseLogic | null = null;
  readonly #reactor: Reactor;
  readonly #tcp: InMemoryTcp;
  readonly #random: () => number;
  readonly #reader = new FrameReader();
  #sendQueue: Uint8Array[] = [];
  #sendTriggered = false;
  #closeHandshakeTimer: TimerHandle | null = null;
  #closeReceived = false;
  /** The peer's message in progress. */
  #inbound: { opcode: number; compressed: boolean; parts: Uint8Array[] } | null = null;
  /** The streaming message the fuzzer is sending (begin_message …). */
  #streaming: StreamingMessage | null = null;
  #onLost: (() => void) | null = null;

  constructor(reactor: Reactor, tcp: InMemoryTcp, options: FuzzerOptions) {
    this.#reactor = reactor;
    this.#tcp = tcp;
    this.isClient = options.isClient;
    this.#random = seededRandom(options.seed);
    this.deflate = options.deflate;
    tcp.attach(this);
  }

  /** Called once the connection is gone. */
  whenLost(callback: () => void): void {
    this.#onLost = callback;
  }

  // ---------------------------------------------------------------- sending

  #mask(): Uint8Array | null {
    if (!this.isClient) return null;
    const mask = new Uint8Array(4);
    for (let i = 0; i < 4; i++) mask[i] = Math.floor(this.#random() * 256);
    return mask;
  }

  /** Autobahn's `sendFrame`: one raw frame, any opcode/RSV, optionally chopped or synced. */
  sendFrame(opcode: number, payload: Uint8Array, options: { fin?: boolean; rsv?: number; chopsize?: number; sync?: boolean } = {}): void {
    const raw = writeFrame({ opcode, fin: options.fin ?? true, rsv: options.rsv ?? 0, payload, mask: this.#mask() });
    this.txFrames.set(opcode, (this.txFrames.get(opcode) ?? 0) + 1);
    this.sendData(raw, options.sync ?? false, options.chopsize ?? 0);
  }

  /**
   * Autobahn's `sendData`: chopped data becomes queue entries written one loop turn apart;
   * synced data (or anything behind queued data) is queued too; the rest is written now.
   */
  sendData(data: Uint8Array, sync: boolean, chopsize: number): void {
    if (chopsize > 0) {
      for (let i = 0; i < data.length; i += chopsize) this.#sendQueue.push(data.subarray(i, i + chopsize));
      if (data.length === 0) this.#sendQueue.push(data);
      this.#trigger();
    } else if (sync || this.#sendQueue.length > 0) {
      this.#sendQueue.push(data);
      this.#trigger();
    } else {
      this.#tcp.write(data);
    }
  }

  #trigger(): void {
    if (this.#sendTriggered) return;
    this.#sendTriggered = true;
    this.#reactor.callSoon(() => this.#sendNext());
  }

  #sendNext(): void {
    const next = this.#sendQueue.shift();
    if (next === undefined) {
      this.#sendTriggered = false;
      return;
    }
    if (this.state !== "CLOSED") this.#tcp.write(next);
    // Queued after the flush of this write: each entry reaches the peer on its own.
    this.#reactor.callSoon(() => this.#sendNext());
  }

  /** Autobahn's `sendMessage`: compressed when deflate was agreed, fragmented at `fragmentSize`. */
  sendMessage(payload: Uint8Array, binary: boolean, fragmentSize = 0, frames?: number): void {
    if (this.state !== "OPEN") return;
    const opcode = binary ? 2 : 1;
    const wire = this.deflate === null ? payload : this.deflate.compress(payload);
    const rsv = this.deflate === null ? 0 : 4;
    const size = fragmentSize > 0 ? fragmentSize : this.autoFragmentSize;
    const count = frames ?? (size > 0 ? Math.max(1, Math.ceil(wire.length / size)) : 1);
    if (count === 1) {
      this.sendFrame(opcode, wire, { rsv });
      return;
    }
    for (let i = 0; i < count; i++) {
      const part = wire.subarray(i * size, i === count - 1 ? wire.length : (i + 1) * size);
      this.sendFrame(i === 0 ? opcode : 0, part, { fin: i === count - 1, rsv: i === 0 ? rsv : 0 });
    }
  }

  /** Autobahn's `beginMessage`. */
  beginMessage(binary: boolean): void {
    this.#streaming = { opcode: binary ? 2 : 1, frames: 0, mask: null, offset: 0 };
  }

  /** Autobahn's `beginMessageFrame`: a FIN=0 header declaring `length` payload bytes. */
  beginMessageFrame(length: number): void {
    const streaming = this.#requireStreaming();
    const opcode = streaming.frames === 0 ? streaming.opcode : 0;
    streaming.frames++;
    streaming.mask = this.#mask();
    streaming.offset = 0;
    this.txFrames.set(opcode, (this.txFrames.get(opcode) ?? 0) + 1);
    this.sendData(frameHeader(opcode, false, 0, length, streaming.mask), false, 0);
  }

  /** Autobahn's `sendMessageFrameData`: payload bytes of the frame begun last. */
  sendMessageFrameData(data: Uint8Array): void {
    const streaming = this.#requireStreaming();
    const bytes = streaming.mask === null ? data : applyMask(data, streaming.mask, streaming.offset);
    streaming.offset += data.length;
    this.sendData(bytes, false, 0);
  }

  /** Autobahn's `endMessage`: an empty FIN continuation frame. */
  endMessage(): void {
    this.#requireStreaming();
    this.#streaming = null;
    this.sendFrame(0, new Uint8Array(0));
  }

  #requireStreaming(): StreamingMessage {
    if (this.#streaming === null) throw new Error("harness: frame data outside begin_message");
    return this.#streaming;
  }

  /** Autobahn's `sendCloseFrame`: code and reason bytes as given (possibly invalid). */
  sendCloseFrame(code: number | null, reason: Uint8Array | null, isReply: boolean): void {
    if (this.state !== "OPEN") return;
    const parts: Uint8Array[] = [];
    if (code !== null) parts.push(Uint8Array.of(code >> 8, code & 0xff));
    if (reason !== null) parts.push(reason);
    this.sendFrame(8, concatBytes(parts));
    this.state = "CLOSING";
    this.closedByMe = !isReply;
    if (this.closedByMe) {
      this.#closeHandshakeTimer = this.#reactor.callLater(CLOSE_HANDSHAKE_TIMEOUT, () => {
        if (this.state === "CLOSED") return;
        this.wasClean = false;
        this.wasNotCleanReason = "closing handshake timeout: the peer did not answer the fuzzer's Close";
        this.dropConnection();
      });
    }
  }

  /** Autobahn's `sendClose` (starts the closing handshake). */
  sendClose(code: number | null = null, reason: Uint8Array | null = null): void {
    this.sendCloseFrame(code, reason, false);
  }

  /** Autobahn's `dropConnection`. */
  dropConnection(): void {
    if (this.state === "CLOSED") return;
    this.droppedByMe = true;
    this.state = "CLOSED";
    this.#tcp.abort();
  }

  /** Autobahn's `failConnection` with failByDrop (its default): drop TCP. */
  failConnection(reason: string): void {
    if (this.state === "CLOSED") return;
    this.wasClean = false;
    this.wasNotCleanReason ??= reason;
    this.dropConnection();
  }

  /** `continueLater`: runs `fn` after `seconds` unless the connection is gone by then. */
  continueLater(seconds: number, fn: () => void): void {
    this.#reactor.callLater(seconds, () => {
      if (this.state !== "CLOSED") fn();
    });
  }

  /** `killAfter`: the safety net that drops TCP if the connection still exists. */
  killAfter(seconds: number): void {
    this.#reactor.callLater(seconds, () => {
      if (this.state === "CLOSED") return;
      this.killedBySafetyNet = true;
      this.failConnection(`killAfter(${seconds}) fired: the connection was still there`);
    });
  }

  /** `closeAfter`: starts a closing handshake (no code) if the connection still exists. */
  closeAfter(seconds: number): void {
    this.#reactor.callLater(seconds, () => {
      if (this.state !== "CLOSED") this.sendClose();
    });
  }

  // ---------------------------------------------------------------- receiving

  dataReceived(bytes: Uint8Array): void {
    if (this.state === "CLOSED") return;
    this.#reader.push(bytes);
    // Processing a frame can close the connection (a violation, the peer's Close).
    while (!this.#isClosed()) {
      let frame: IncomingFrame | null;
      try {
        frame = this.#reader.next();
      } catch (error) {
        if (!(error instanceof WireError)) throw error;
        this.#violation(error.message);
        return;
      }
      if (frame === null) return;
      this.#processFrame(frame);
    }
  }

  #isClosed(): boolean {
    return this.state === "CLOSED";
  }

  connectionLost(): void {
    if (this.lost) return;
    if (this.state !== "CLOSED") this.state = "CLOSED";
    if (!this.wasClean && !this.droppedByMe) {
      this.wasNotCleanReason ??= "the peer dropped the TCP connection without a closing handshake";
    }
    this.#closeHandshakeTimer?.cancel();
    this.lost = true;
    this.#onLost?.();
  }

  #violation(message: string): void {
    this.violations.push(message);
    this.failConnection(`peer violated the protocol: ${message}`);
  }

  #processFrame(frame: IncomingFrame): void {
    const { opcode } = frame;
    const name = `opcode ${opcode}`;
    if (this.#closeReceived) return this.#violation(`${name} frame after the peer's Close`);
    if (frame.masked !== !this.isClient) {
      return this.#violation(this.isClient ? `masked ${name} frame from a server` : `unmasked ${name} frame from a client`);
    }
    if (!frame.minimalLength) return this.#violation(`${name} frame length not in its minimal encoding`);
    const startsCompressedMessage = this.deflate !== null && (opcode === 1 || opcode === 2);
    const allowedRsv = startsCompressedMessage ? 4 : 0;
    if ((frame.rsv & ~allowedRsv) !== 0) return this.#violation(`${name} frame with RSV=${frame.rsv}`);

    if (opcode >= 8) {
      if (opcode > 10) return this.#violation(`reserved control opcode ${opcode}`);
      if (!frame.fin) return this.#violation(`fragmented control frame (${name})`);
      if (frame.payload.length > 125) return this.#violation(`control frame with ${frame.payload.length}-byte payload`);
      if (opcode === 8) return this.#onCloseFrame(frame.payload);
      const hex = Buffer.from(frame.payload).toString("hex");
      if (opcode === 9) {
        this.received.push({ type: "ping", hex });
        if (this.state === "OPEN") this.sendFrame(10, frame.payload);
        this.logic?.onPing(frame.payload);
      } else {
        this.received.push({ type: "pong", hex });
        this.logic?.onPong(frame.payload);
      }
      return;
    }
    if (opcode !== 0 && opcode !== 1 && opcode !== 2) return this.#violation(`reserved data opcode ${opcode}`);
    if (opcode === 0) {
      if (this.#inbound === null) return this.#violation("continuation frame outside a fragmented message");
    } else {
      if (this.#inbound !== null) return this.#violation(`new data frame (${name}) inside a fragmented message`);
      this.#inbound = { opcode, compressed: (frame.rsv & 4) !== 0, parts: [] };
    }
    const inbound = this.#inbound;
    inbound.parts.push(frame.payload);
    if (!frame.fin) return;
    this.#inbound = null;
    let payload = concatBytes(inbound.parts);
    if (inbound.compressed) {
      try {
        payload = this.deflate!.decompress(payload);
      } catch (error) {
        return this.#violation(`compressed message does not inflate: ${(error as Error).message}`);
      }
    }
    const binary = inbound.opcode === 2;
    if (!binary && !isValidUtf8(payload)) return this.#violation("text message is not valid UTF-8");
    this.received.push({
      type: "message",
      binary,
      length: payload.length,
      sha1: sha1Hex(payload),
      head: Buffer.from(payload.subarray(0, 16)).toString("hex"),
    });
    this.logic?.onMessage(payload, binary);
  }

  #onCloseFrame(payload: Uint8Array): void {
    let code: number | null = null;
    if (payload.length === 1) return this.#violation("Close frame with a 1-byte payload");
    if (payload.length >= 2) {
      code = (payload[0] << 8) | payload[1];
      if (!isAllowedWireCloseCode(code)) return this.#violation(`Close frame with code ${code}, which may not be sent`);
      const reason = payload.subarray(2);
      if (!isValidUtf8(reason)) return this.#violation("Close reason is not valid UTF-8");
      this.remoteCloseReason = Buffer.from(reason).toString("utf8");
    }
    this.remoteCloseCode = code;
    this.#closeReceived = true;
    if (this.state === "CLOSING") {
      this.#closeHandshakeTimer?.cancel();
      this.wasClean = true;
    } else if (this.state === "OPEN") {
      this.wasClean = true;
      this.sendCloseFrame(1000, null, true);
    }
    if (!this.isClient) {
      // A server drops TCP as soon as the closing handshake is done.
      this.dropConnection();
    } else {
      this.#reactor.callLater(SERVER_CONNECTION_DROP_TIMEOUT, () => {
        if (this.state === "CLOSED") return;
        this.wasClean = false;
        this.wasNotCleanReason = "the server did not drop the TCP connection after the closing handshake";
        this.dropConnection();
      });
    }
  }
}
