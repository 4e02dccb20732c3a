/**
 * The frame layer in one object (wsproto's `FrameProtocol`): bytes in, `TextMessage`,
 * `BytesMessage`, `Ping`, `Pong` and `CloseConnection` events out, lazily; events'
 * contents in, whole frames out. No lifecycle here: what may be sent when is the
 * statechart's business.
 */
import { CloseReason, Opcode } from "../constants.js";
import { LocalProtocolError } from "../errors.js";
import { BytesMessage, CloseConnection, Ping, Pong, TextMessage } from "../events.js";
import type { Extension, FrameContext } from "../extensions/extension.js";
import { encodeClosePayload, parseClosePayload } from "./close-payload.js";
import type { Allocator } from "./allocate.js";
import { describeValue } from "./describe-value.js";
import { DecodeStatus, FrameDecoder } from "./frame-decoder.js";
import { FrameEncoder } from "./frame-encoder.js";
import { MAX_CONTROL_PAYLOAD } from "./frame-format.js";
import { resolveLimits, type FrameLimits } from "./limits.js";
import { defaultMaskKeys, MaskKeySource, type RandomFill } from "./mask-keys.js";
import { MessageDecoder } from "./message-decoder.js";
import { ParseFailure } from "./parse-failure.js";

/** Options of {@link FrameProtocol}. */
export interface FrameProtocolOptions extends Partial<FrameLimits> {
  /** True when we are the client: we mask every frame, and the peer must not. */
  client: boolean;
  /** Negotiated extensions; only those whose `enabled()` is true (now) take part. */
  extensions?: readonly Extension[];
  /**
   * The source of masking keys: fills its argument with random bytes. Default
   * `crypto.getRandomValues`. It is called with a 4 KiB buffer, once per 1024 frames.
   */
  randomFill?: RandomFill;
  /** Received bytes may be unmasked in place and handed out as payload views (see `ConnectionOptions`). */
  unmaskInPlace?: boolean;
  /** Where large frames and payload copies are allocated (see `ConnectionOptions`). */
  allocate?: Allocator;
}

/** An event the receive path yields. */
export type FrameEvent = TextMessage | BytesMessage | Ping | Pong | CloseConnection;

const EMPTY = new Uint8Array(0);
const NO_EXTENSIONS: readonly Extension[] = Object.freeze([]);

/** What extension hooks see: the role, and the budget left in the current inbound message. */
class HookContext implements FrameContext {
  readonly client: boolean;
  /** The message being sent asked to be compressed (true), not (false), or left it to the extension. */
  outboundCompress: boolean | undefined = undefined;
  readonly #messages: MessageDecoder;

  constructor(client: boolean, messages: MessageDecoder) {
    this.client = client;
    this.#messages = messages;
  }

  get inboundBudget(): number {
    return this.#messages.budget;
  }
}

function controlPayload(payload: unknown, what: string): Uint8Array {
  if (!(payload instanceof Uint8Array)) {
    throw new LocalProtocolError(`The ${what} payload must be a Uint8Array; got ${describeValue(payload)}.`);
  }
  if (payload.length > MAX_CONTROL_PAYLOAD) {
    throw new LocalProtocolError(
      `The ${what} payload is ${payload.length} bytes; control frames carry at most 125 (RFC 6455 §5.5).`,
    );
  }
  return payload;
}

function badData(data: unknown): LocalProtocolError {
  return new LocalProtocolError(
    `Message data must be a string (sent as TEXT) or a Uint8Array (sent as BINARY); got ${describeValue(data)}.`,
  );
}

/**
 * Parses and builds the frames of one connection side.
 *
 * @example
 * ```ts
 * const frames = new FrameProtocol({ client: true });
 * frames.receiveBytes(new Uint8Array([0x81, 0x02, 0x68, 0x69, 0x88, 0x00]));
 * frames.nextEvent(); // TextMessage { data: "hi", frameFinished: true, messageFinished: true }
 * frames.nextEvent(); // CloseConnection { code: 1005, reason: "" }
 * frames.nextEvent(); // null (stopped)
 * socket.write(frames.encodeClose(1000)); // 88 82 <key> <masked 03 e8>
 * ```
 */
export class FrameProtocol {
  readonly #decoder: FrameDecoder;
  readonly #messages: MessageDecoder;
  readonly #encoder: FrameEncoder;
  readonly #context: HookContext;
  #failed = false;

  /**
   * @throws TypeError / RangeError for invalid options (see `resolveLimits`), a
   *   non-boolean `client`, or a `randomFill` or `allocate` that is not a function.
   */
  constructor(options: FrameProtocolOptions) {
    if (typeof options?.client !== "boolean") {
      throw new TypeError(`FrameProtocol needs options.client, a boolean; got ${describeValue(options?.client)}`);
    }
    const { client, randomFill, unmaskInPlace = false, allocate } = options;
    if (randomFill !== undefined && typeof randomFill !== "function") {
      throw new TypeError(`randomFill must be a function; got ${describeValue(randomFill)}`);
    }
    if (allocate !== undefined && typeof allocate !== "function") {
      throw new TypeError(`allocate must be a function; got ${describeValue(allocate)}`);
    }
    if (typeof unmaskInPlace !== "boolean") {
      throw new TypeError(`unmaskInPlace must be a boolean; got ${describeValue(unmaskInPlace)}`);
    }
    const limits = resolveLimits(options);
    const given = options.extensions;
    const extensions = given === undefined || given.length === 0 ? NO_EXTENSIONS : given.filter((extension) => extension.enabled());
    this.#messages = new MessageDecoder(limits);
    const context = (this.#context = new HookContext(client, this.#messages));
    this.#decoder = new FrameDecoder({ client, extensions, context, maxFrameSize: limits.maxFrameSize, unmaskInPlace, allocate });
    const maskKeys = randomFill === undefined ? defaultMaskKeys : new MaskKeySource(randomFill);
    this.#encoder = new FrameEncoder({ client, extensions, context, maskKeys, allocate });
  }

  /** Whether the last `CloseConnection` came from a protocol failure, not a peer Close. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Whether parsing ended (after a Close frame or a failure); later input is ignored. */
  get stopped(): boolean {
    return this.#decoder.stopped;
  }

  /** Whether a data message has delivered a chunk but not its last one. */
  get inboundMessageInProgress(): boolean {
    return this.#messages.inProgress;
  }

  /** Input bytes held but not yet parsed. */
  get bufferedAmount(): number {
    return this.#decoder.bufferedAmount;
  }

  /**
   * Holds bytes for parsing; parses nothing yet. Ignored once parsing stopped. Big
   * chunks are held as given, so they must not be changed afterwards (and with
   * `unmaskInPlace` they are changed: unmasked).
   *
   * @throws LocalProtocolError when `data` is not a Uint8Array.
   */
  receiveBytes(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) {
      throw new LocalProtocolError(`receiveBytes needs a Uint8Array; got ${describeValue(data)}.`);
    }
    this.#decoder.receive(data);
  }

  /**
   * Parses lazily and returns the next event, or `null` when more bytes are needed or
   * parsing stopped. Data arrives in chunks as its bytes do (`frameFinished` on the last
   * chunk of each frame, `messageFinished` on the last of the message, empty chunks
   * included as wsproto yields them); control frames arrive whole. A peer Close yields
   * its `CloseConnection` (empty payload: 1005); a protocol failure yields
   * `CloseConnection(code, diagnostic)` with {@link FrameProtocol.failed} set. Either
   * stops parsing for good. Never throws.
   */
  nextEvent(): FrameEvent | null {
    if (this.#decoder.stopped) return null;
    try {
      return this.#parse();
    } catch (error) {
      // An extension hook threw (or returned something unusable): not the peer's fault.
      const detail = error instanceof Error ? error.message : String(error);
      return this.#fail(new ParseFailure(CloseReason.INTERNAL_ERROR, `Internal error while parsing: ${detail}`));
    }
  }

  #parse(): FrameEvent | null {
    const decoder = this.#decoder;
    for (;;) {
      const status = decoder.poll();
      if (status === DecodeStatus.PAYLOAD) {
        const opcode = decoder.opcode;
        if (opcode < Opcode.CLOSE) {
          const event = this.#messages.receive(decoder.payload, decoder.frameFinished);
          return event instanceof ParseFailure ? this.#fail(event) : event;
        }
        if (opcode === Opcode.PING) return new Ping({ payload: decoder.payload });
        if (opcode === Opcode.PONG) return new Pong({ payload: decoder.payload });
        const close = parseClosePayload(decoder.payload);
        if (close instanceof ParseFailure) return this.#fail(close);
        decoder.stop();
        return close;
      }
      if (status === DecodeStatus.HEADER) {
        if (decoder.opcode < Opcode.CLOSE) {
          const failure = this.#messages.beginFrame(decoder.opcode, decoder.fin, decoder.payloadLength, decoder.rsv);
          if (failure !== null) return this.#fail(failure);
          decoder.transientPayload = this.#messages.decodesText;
        } else {
          decoder.transientPayload = false; // Ping and Pong payloads are handed out
        }
        continue;
      }
      if (status === DecodeStatus.NEED_MORE) return null;
      return this.#fail(decoder.failure as ParseFailure);
    }
  }

  #fail(failure: ParseFailure): CloseConnection {
    this.#failed = true;
    this.#decoder.stop();
    return new CloseConnection({ code: failure.code, reason: failure.reason });
  }

  /**
   * One data frame: a string is sent as TEXT (UTF-8), a Uint8Array as BINARY;
   * `continuation` sends opcode CONTINUATION instead (the caller decides whether a
   * message is in progress). `fin` ends the message. `compress` is the message's wish for
   * a compressing extension (`FrameContext.outboundCompress`); leave it undefined to let
   * the extension decide (permessage-deflate: its size threshold).
   *
   * @throws LocalProtocolError when `data` is neither, or a string with a lone surrogate.
   */
  encodeData(data: string | Uint8Array, continuation: boolean, fin: boolean, compress?: boolean): Uint8Array {
    const opcode = continuation ? Opcode.CONTINUATION : typeof data === "string" ? Opcode.TEXT : Opcode.BINARY;
    if (compress === undefined) return this.#encodeData(data, opcode, fin);
    return this.#withCompressWish(compress, () => this.#encodeData(data, opcode, fin));
  }

  /**
   * The binary frame {@link FrameProtocol.encodeData} builds, as a list of arrays to write
   * in order: `[header, payload]` with the payload not copied (server role), or `[frame]`.
   *
   * @throws LocalProtocolError when `data` is not a Uint8Array.
   */
  encodeBinaryParts(data: Uint8Array, continuation: boolean, fin: boolean, compress?: boolean): Uint8Array[] {
    if (!(data instanceof Uint8Array)) throw badData(data);
    const opcode = continuation ? Opcode.CONTINUATION : Opcode.BINARY;
    if (compress === undefined) return this.#encoder.encodeParts(opcode, data, fin);
    return this.#withCompressWish(compress, () => this.#encoder.encodeParts(opcode, data, fin));
  }

  /** Builds a frame with the message's compression wish visible to extensions (`FrameContext.outboundCompress`). */
  #withCompressWish<T>(compress: boolean, build: () => T): T {
    this.#context.outboundCompress = compress;
    try {
      return build();
    } finally {
      this.#context.outboundCompress = undefined;
    }
  }

  #encodeData(data: string | Uint8Array, opcode: number, fin: boolean): Uint8Array {
    if (typeof data === "string") return this.#encoder.encodeText(opcode, data, fin);
    if (data instanceof Uint8Array) return this.#encoder.encode(opcode, data, fin);
    throw badData(data);
  }

  /**
   * A Ping frame.
   *
   * @throws LocalProtocolError when `payload` is not a Uint8Array or exceeds 125 bytes.
   */
  encodePing(payload: Uint8Array = EMPTY): Uint8Array {
    return this.#encoder.encode(Opcode.PING, controlPayload(payload, "Ping"), true);
  }

  /**
   * A Pong frame.
   *
   * @throws LocalProtocolError when `payload` is not a Uint8Array or exceeds 125 bytes.
   */
  encodePong(payload: Uint8Array = EMPTY): Uint8Array {
    return this.#encoder.encode(Opcode.PONG, controlPayload(payload, "Pong"), true);
  }

  /**
   * A Close frame. Code 1005 (NO_STATUS_RCVD) sends an empty payload (and needs an empty
   * reason); the reason is cut to 123 UTF-8 bytes on a character boundary.
   *
   * @throws LocalProtocolError for a code that may not be sent (below 1000, 1004, 1006,
   *   1015, 1016–2999, 5000 and above, non-integers) or a reason that is not well-formed
   *   text.
   */
  encodeClose(code: number, reason: string = ""): Uint8Array {
    return this.#encoder.encode(Opcode.CLOSE, encodeClosePayload(code, reason), true);
  }
}
