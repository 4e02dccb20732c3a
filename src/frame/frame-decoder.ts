/**
 * The streaming frame decoder: bytes in, frame headers and payload chunks out
 * (wsproto's `FrameDecoder`, §6.2–6.5 of the behavior spec).
 *
 * One byte-level state machine driven by one loop, as in ws's `Receiver`: read the first
 * two header bytes, the extended length, the masking key, then the payload. Data frames
 * are delivered as their bytes arrive (each `poll` returns every payload byte currently
 * held for the frame); control frames only when whole. Header checks run in wsproto's
 * order, so the first violated rule names the failure.
 */
import { CloseReason, Opcode } from "../constants.js";
import type { Extension, FrameContext } from "../extensions/extension.js";
import { allocateWith, scratchBytes, type Allocator } from "./allocate.js";
import { ByteQueue } from "./byte-queue.js";
import { MAX_CONTROL_PAYLOAD, RSV_BITS, rsvValue } from "./frame-format.js";
import { maskInto } from "./mask.js";
import { ParseFailure } from "./parse-failure.js";

/** What {@link FrameDecoder.poll} found. */
export const DecodeStatus = Object.freeze({
  /** Every held byte is consumed; feed more. */
  NEED_MORE: 0,
  /** A frame header is complete: `opcode`, `fin`, `rsv`, `payloadLength` describe it. */
  HEADER: 1,
  /** A payload chunk is ready: `payload`, `frameFinished` (and the header fields). */
  PAYLOAD: 2,
  /** The input broke the protocol: see `failure`. Decoding has stopped for good. */
  FAILED: 3,
} as const);
/** One of the {@link DecodeStatus} values. */
export type DecodeStatus = (typeof DecodeStatus)[keyof typeof DecodeStatus];

const READ_INFO = 0;
const READ_LENGTH_16 = 1;
const READ_LENGTH_64 = 2;
const READ_MASK_KEY = 3;
const HEADER_READY = 4;
const READ_PAYLOAD = 5;
const STOPPED = 6;

const EMPTY = new Uint8Array(0);
/** The masking key as bytes, filled from the decoder's number just before use (shared, used within one call). */
const maskKeyScratch = new Uint8Array(4);
const TWO_POW_32 = 2 ** 32;

function isKnownOpcode(opcode: number): boolean {
  return opcode <= Opcode.BINARY || (opcode >= Opcode.CLOSE && opcode <= Opcode.PONG);
}

/** Options of {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** True when we are the client: the peer must not mask. */
  readonly client: boolean;
  /** Enabled extensions, consulted in order for every frame. */
  readonly extensions: readonly Extension[];
  /** What hooks are told about the connection. */
  readonly context: FrameContext;
  /** The largest declared payload length of a data frame (1009 above it). */
  readonly maxFrameSize: number;
  /** Masked payloads lying within one received chunk are unmasked there and handed out as views. */
  readonly unmaskInPlace?: boolean;
  /** Where large payload copies are allocated (see `allocateWith`); default zero-filled arrays. */
  readonly allocate?: Allocator;
}

/**
 * Decodes frames from the bytes given to {@link FrameDecoder.receive}.
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder({ client: true, extensions: [], context, maxFrameSize: 1 << 20 });
 * decoder.receive(new Uint8Array([0x81, 0x02, 0x68, 0x69]));
 * decoder.poll(); // DecodeStatus.HEADER  (decoder.opcode === Opcode.TEXT)
 * decoder.poll(); // DecodeStatus.PAYLOAD (decoder.payload = "hi" as bytes, frameFinished)
 * decoder.poll(); // DecodeStatus.NEED_MORE
 * ```
 */
export class FrameDecoder {
  readonly #queue = new ByteQueue();
  readonly #client: boolean;
  readonly #extensions: readonly Extension[];
  readonly #context: FrameContext;
  readonly #maxFrameSize: number;
  readonly #unmaskInPlace: boolean;
  readonly #allocate: Allocator | undefined;

  #state = READ_INFO;
  #fin = false;
  #rsv = 0;
  #opcode = 0;
  #masked = false;
  #payloadLength = 0;
  #payloadRead = 0;
  /** The current frame's masking key, big-endian in one number (a typed array per connection costs ~180 bytes). */
  #maskWord = 0;
  #maskIsZero = true;
  #payload: Uint8Array = EMPTY;
  #frameFinished = false;
  #failure: ParseFailure | null = null;

  /**
   * Set by the consumer when it will be done with each payload chunk before it polls
   * again and never keeps it (text decoded straight to a string): chunks that need a copy
   * are then written to a shared scratch buffer instead of a new allocation. Ignored
   * while extensions take part, since a hook may keep what it is given.
   */
  transientPayload = false;

  constructor(options: FrameDecoderOptions) {
    this.#client = options.client;
    this.#extensions = options.extensions;
    this.#context = options.context;
    this.#maxFrameSize = options.maxFrameSize;
    this.#unmaskInPlace = options.unmaskInPlace === true;
    this.#allocate = options.allocate;
  }

  /** The current frame's opcode. */
  get opcode(): number {
    return this.#opcode;
  }
  /** The current frame's FIN bit. */
  get fin(): boolean {
    return this.#fin;
  }
  /** The current frame's reserved bits: RSV1 = 4, RSV2 = 2, RSV3 = 1 (see `frame-format.ts`). */
  get rsv(): number {
    return this.#rsv;
  }
  /** The current frame's declared payload length. */
  get payloadLength(): number {
    return this.#payloadLength;
  }
  /** The chunk of the last `PAYLOAD` status: unmasked, after extensions. */
  get payload(): Uint8Array {
    return this.#payload;
  }
  /** Whether the last `PAYLOAD` chunk completes its frame. */
  get frameFinished(): boolean {
    return this.#frameFinished;
  }
  /** Why decoding failed, after a `FAILED` status. */
  get failure(): ParseFailure | null {
    return this.#failure;
  }
  /** Whether decoding ended (after {@link FrameDecoder.stop} or a failure). */
  get stopped(): boolean {
    return this.#state === STOPPED;
  }
  /** Input bytes held and not yet decoded. */
  get bufferedAmount(): number {
    return this.#queue.length;
  }

  /** Holds `bytes` for decoding. Ignored once decoding stopped. */
  receive(bytes: Uint8Array): void {
    if (this.#state !== STOPPED) this.#queue.push(bytes);
  }

  /** Ends decoding for good and drops held input (after a Close frame or a failure). */
  stop(): void {
    this.#state = STOPPED;
    this.#queue.clear();
  }

  /** Decodes as far as the held bytes allow and reports the next step. */
  poll(): DecodeStatus {
    const queue = this.#queue;
    for (;;) {
      switch (this.#state) {
        case READ_INFO: {
          if (queue.length < 2) return DecodeStatus.NEED_MORE;
          const first = queue.readByte();
          const second = queue.readByte();
          const opcode = first & 0x0f;
          this.#fin = (first & 0x80) !== 0;
          this.#rsv = (first >> 4) & 0x07;
          this.#opcode = opcode;
          this.#masked = (second & 0x80) !== 0;
          const length = second & 0x7f;
          if (!isKnownOpcode(opcode)) return this.#fail(`Invalid opcode 0x${opcode.toString(16)}`);
          if (opcode >= Opcode.CLOSE) {
            if (!this.#fin) return this.#fail("Invalid attempt to fragment control frame");
            if (length > MAX_CONTROL_PAYLOAD) return this.#fail("Control frame with payload len > 125");
          }
          if (length === 126) this.#state = READ_LENGTH_16;
          else if (length === 127) this.#state = READ_LENGTH_64;
          else if (this.#lengthKnown(0, length)) return DecodeStatus.FAILED;
          break;
        }
        case READ_LENGTH_16: {
          if (queue.length < 2) return DecodeStatus.NEED_MORE;
          const length = (queue.readByte() << 8) | queue.readByte();
          if (length <= MAX_CONTROL_PAYLOAD) {
            return this.#fail("Payload length used 2 bytes when 1 would have sufficed");
          }
          if (this.#lengthKnown(0, length)) return DecodeStatus.FAILED;
          break;
        }
        case READ_LENGTH_64: {
          if (queue.length < 8) return DecodeStatus.NEED_MORE;
          const high = this.#readUint32();
          const low = this.#readUint32();
          if (high === 0 && low <= 0xffff) {
            return this.#fail("Payload length used 8 bytes when 2 would have sufficed");
          }
          if (high >= 0x8000_0000) return this.#fail("8-byte payload length with non-zero MSB");
          if (this.#lengthKnown(high, low)) return DecodeStatus.FAILED;
          break;
        }
        case READ_MASK_KEY: {
          if (queue.length < 4) return DecodeStatus.NEED_MORE;
          this.#maskWord = this.#readUint32();
          this.#maskIsZero = this.#maskWord === 0;
          this.#state = READ_PAYLOAD;
          return DecodeStatus.HEADER;
        }
        case HEADER_READY:
          this.#state = READ_PAYLOAD;
          return DecodeStatus.HEADER;
        case READ_PAYLOAD:
          return this.#readPayload();
        default:
          return this.#failure === null ? DecodeStatus.NEED_MORE : DecodeStatus.FAILED;
      }
    }
  }

  #readUint32(): number {
    const queue = this.#queue;
    return (
      ((queue.readByte() << 24) | (queue.readByte() << 16) | (queue.readByte() << 8) | queue.readByte()) >>> 0
    );
  }

  /**
   * The rest of the header checks once the length is read; true when one failed.
   * Otherwise moves on to the masking key, or (unmasked) to reporting the header.
   */
  #lengthKnown(high: number, low: number): boolean {
    if (this.#opcode < Opcode.CLOSE && (high !== 0 || low > this.#maxFrameSize)) {
      this.#failWith(CloseReason.MESSAGE_TOO_BIG, this.#tooBigReason(high, low));
      return true;
    }
    this.#payloadLength = high * TWO_POW_32 + low; // high is 0 here: every limit is < 2^32
    let owned = 0;
    const extensions = this.#extensions;
    for (let i = 0; i < extensions.length; i++) {
      const result = extensions[i].frameInboundHeader(
        this.#context,
        this.#opcode,
        RSV_BITS[this.#rsv],
        this.#payloadLength,
      );
      if (typeof result === "number") {
        this.#failWith(result, "error in extension");
        return true;
      }
      owned |= rsvValue(result);
    }
    if ((this.#rsv & ~owned) !== 0) {
      this.#failWith(CloseReason.PROTOCOL_ERROR, "Reserved bit set unexpectedly");
      return true;
    }
    if (this.#client && this.#masked) {
      this.#failWith(CloseReason.PROTOCOL_ERROR, "client received unexpected masked frame");
      return true;
    }
    if (!this.#client && !this.#masked) {
      this.#failWith(CloseReason.PROTOCOL_ERROR, "server received unexpected unmasked frame");
      return true;
    }
    this.#payloadRead = 0;
    if (this.#masked) {
      this.#state = READ_MASK_KEY;
    } else {
      this.#maskIsZero = true;
      this.#state = HEADER_READY;
    }
    return false;
  }

  #tooBigReason(high: number, low: number): string {
    const length = (BigInt(high) << 32n) | BigInt(low);
    return `Frame payload length ${length} exceeds maxFrameSize ${this.#maxFrameSize}`;
  }

  #readPayload(): DecodeStatus {
    const queue = this.#queue;
    const length = this.#payloadLength;
    const remaining = length - this.#payloadRead;
    let count: number;
    if (this.#opcode >= Opcode.CLOSE) {
      if (queue.length < length) return DecodeStatus.NEED_MORE;
      count = length;
    } else {
      count = queue.length < remaining ? queue.length : remaining;
      if (count === 0 && remaining > 0) return DecodeStatus.NEED_MORE;
    }
    const phase = this.#payloadRead;
    let payload: Uint8Array;
    if (count <= queue.contiguous && (this.#maskIsZero || this.#unmaskInPlace)) {
      payload = queue.takeView(count); // no copy at all
      if (!this.#maskIsZero) maskInto(payload, payload, 0, this.#maskKey(), phase);
    } else {
      const alignment = queue.alignment;
      payload =
        (this.transientPayload && this.#extensions.length === 0 && scratchBytes(count, alignment)) ||
        allocateWith(this.#allocate, count, alignment);
      const key = this.#maskIsZero ? null : this.#maskKey();
      for (let done = 0; done < count; ) {
        const piece = queue.takeView(Math.min(count - done, queue.contiguous));
        if (key === null) payload.set(piece, done);
        else maskInto(piece, payload, done, key, phase + done);
        done += piece.length;
      }
    }
    this.#payloadRead += count;
    const finished = this.#payloadRead === length;
    if (this.#extensions.length !== 0) {
      const processed = this.#runPayloadHooks(payload, finished);
      if (processed === null) return DecodeStatus.FAILED;
      payload = processed;
    }
    this.#payload = payload;
    this.#frameFinished = finished;
    if (finished) this.#state = READ_INFO;
    return DecodeStatus.PAYLOAD;
  }

  /** The current frame's masking key as bytes (in a scratch array shared by all decoders). */
  #maskKey(): Uint8Array {
    const word = this.#maskWord;
    const key = maskKeyScratch;
    key[0] = word >>> 24;
    key[1] = (word >>> 16) & 0xff;
    key[2] = (word >>> 8) & 0xff;
    key[3] = word & 0xff;
    return key;
  }

  /** Extension payload hooks, then completion hooks on the frame's last chunk; null on failure. */
  #runPayloadHooks(chunk: Uint8Array, finished: boolean): Uint8Array | null {
    const extensions = this.#extensions;
    const context = this.#context;
    let payload = chunk;
    for (let i = 0; i < extensions.length; i++) {
      const result = extensions[i].frameInboundPayloadData(context, payload);
      if (typeof result === "number") {
        this.#failWith(result, "error in extension");
        return null;
      }
      payload = result;
    }
    if (!finished) return payload;
    for (let i = 0; i < extensions.length; i++) {
      const result = extensions[i].frameInboundComplete(context, this.#fin);
      if (typeof result === "number") {
        this.#failWith(result, "error in extension");
        return null;
      }
      if (result !== null && result.length > 0) {
        const joined = allocateWith(this.#allocate, payload.length + result.length);
        joined.set(payload);
        joined.set(result, payload.length);
        payload = joined;
      }
    }
    return payload;
  }

  #fail(reason: string): DecodeStatus {
    this.#failWith(CloseReason.PROTOCOL_ERROR, reason);
    return DecodeStatus.FAILED;
  }

  #failWith(code: number, reason: string): void {
    this.#failure = new ParseFailure(code, reason);
    this.stop();
  }
}
