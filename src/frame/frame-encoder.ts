/**
 * The send path (behavior spec §7.1): one call builds one whole frame — header, masking
 * key for a client, and the (masked) payload — in a single new `Uint8Array`, after the
 * enabled extensions' `frameOutbound` hooks ran in reverse order.
 */
import { Opcode } from "../constants.js";
import { LocalProtocolError } from "../errors.js";
import { NO_RSV, type Extension, type FrameContext } from "../extensions/extension.js";
import { allocateBytes, allocateWith, ON_HEAP_MAX, type Allocator } from "./allocate.js";
import { MAX_CONTROL_PAYLOAD, rsvValue } from "./frame-format.js";
import { maskBytes, maskInto } from "./mask.js";
import type { MaskKeySource } from "./mask-keys.js";
import { isWellFormedText } from "./utf8.js";

const TWO_POW_32 = 2 ** 32;
/** Texts up to this many UTF-16 units are tried as ASCII without a look first. */
const ASCII_TEXT_MAX = 1024;
/** Texts whose UTF-8 form surely fits are encoded into one reused buffer, then copied. */
const SCRATCH_SIZE = 64 * 1024;

/** How much of a long text is looked at to guess whether it is ASCII. */
const ASCII_PROBE = 1024;
const NON_ASCII = /[^\x00-\x7f]/;

const utf8Encoder = new TextEncoder();
/**
 * Where a frame's masking key is drawn before it is copied into the frame: shared by
 * every encoder (used within one call only), so a connection does not keep its own.
 */
const maskKey = new Uint8Array(4);
let scratch: Uint8Array | null = null;

/** Options of {@link FrameEncoder}. */
export interface FrameEncoderOptions {
  /** True when we are the client: every frame is masked with a fresh key. */
  readonly client: boolean;
  /** Enabled extensions; their `frameOutbound` hooks run in reverse order. */
  readonly extensions: readonly Extension[];
  /** What hooks are told about the connection. */
  readonly context: FrameContext;
  /** Where masking keys come from (client only). */
  readonly maskKeys: MaskKeySource;
  /** Where large frames are allocated (see `allocateWith`); default zero-filled arrays. */
  readonly allocate?: Allocator;
}

/**
 * Serializes frames for one side of a connection.
 *
 * @example
 * ```ts
 * const encoder = new FrameEncoder({ client: false, extensions: [], context, maskKeys: defaultMaskKeys });
 * encoder.encode(Opcode.CLOSE, new Uint8Array([0x03, 0xe8]), true); // 88 02 03 e8
 * encoder.encodeText(Opcode.TEXT, "hi", true);                      // 81 02 68 69
 * ```
 */
export class FrameEncoder {
  readonly #client: boolean;
  readonly #extensions: readonly Extension[];
  readonly #context: FrameContext;
  readonly #maskKeys: MaskKeySource;
  readonly #allocate: Allocator | undefined;

  constructor(options: FrameEncoderOptions) {
    this.#client = options.client;
    this.#extensions = options.extensions;
    this.#context = options.context;
    this.#maskKeys = options.maskKeys;
    this.#allocate = options.allocate;
  }

  /**
   * One frame with `payload`. Control payloads must be at most 125 bytes (checked by the
   * caller before, and here again after extensions ran).
   */
  encode(opcode: number, payload: Uint8Array, fin: boolean): Uint8Array {
    if (this.#extensions.length === 0) return this.#frame(opcode, 0, fin, payload);
    const [rsv, data] = this.#runExtensions(opcode, payload, fin);
    return this.#frame(opcode, rsv, fin, data);
  }

  /**
   * The frame {@link FrameEncoder.encode} builds, as `[header, payload]` with the payload
   * not copied (a server's frames are not masked): for a caller that can write a list of
   * arrays (`writev`). A client masks, which copies anyway: it gets `[frame]`.
   */
  encodeParts(opcode: number, payload: Uint8Array, fin: boolean): Uint8Array[] {
    if (this.#client) return [this.encode(opcode, payload, fin)];
    if (this.#extensions.length === 0) return [this.#header(opcode, 0, fin, payload.length), payload];
    const [rsv, data] = this.#runExtensions(opcode, payload, fin);
    return [this.#header(opcode, rsv, fin, data.length), data];
  }

  /** A server's frame header alone. */
  #header(opcode: number, rsv: number, fin: boolean, length: number): Uint8Array {
    const header = allocateBytes(this.#payloadStart(length));
    this.#writeHeader(header, opcode, rsv, fin, length, header.length);
    return header;
  }

  /** The extensions' `frameOutbound` hooks in reverse order: the RSV bits (as a number) and the payload to send. */
  #runExtensions(opcode: number, payload: Uint8Array, fin: boolean): [number, Uint8Array] {
    const extensions = this.#extensions;
    let rsv = NO_RSV;
    let data = payload;
    for (let i = extensions.length - 1; i >= 0; i--) {
      [rsv, data] = extensions[i].frameOutbound(this.#context, opcode, rsv, data, fin);
    }
    if (opcode >= Opcode.CLOSE && data.length > MAX_CONTROL_PAYLOAD) {
      throw new LocalProtocolError(
        `An extension made a control frame payload of ${data.length} bytes; control frames carry at most 125.`,
      );
    }
    return [rsvValue(rsv), data];
  }

  /**
   * One frame with the UTF-8 encoding of `text`.
   *
   * @throws LocalProtocolError when `text` has a lone surrogate (it has no UTF-8 form;
   *   `TextEncoder` would silently send U+FFFD instead).
   */
  encodeText(opcode: number, text: string, fin: boolean): Uint8Array {
    if (this.#extensions.length === 0) {
      // ASCII is tried first (it is well-formed, and one byte a unit): no check, no copy.
      const length = text.length;
      const frame =
        length + (this.#client ? 6 : 2) <= ON_HEAP_MAX
          ? this.#shortAsciiFrame(opcode, text, fin)
          : length <= ASCII_TEXT_MAX || !NON_ASCII.test(text.slice(0, ASCII_PROBE))
            ? this.#asciiFrame(opcode, text, fin)
            : null;
      if (frame !== null) return frame;
    }
    if (!isWellFormedText(text)) {
      throw new LocalProtocolError(
        "The text contains a lone surrogate, which has no UTF-8 encoding: pass well-formed text " +
          "(see String.prototype.isWellFormed / toWellFormed), or send bytes as a BytesMessage.",
      );
    }
    if (this.#extensions.length === 0 && text.length * 3 <= SCRATCH_SIZE) {
      const buffer = (scratch ??= new Uint8Array(SCRATCH_SIZE));
      const { written } = utf8Encoder.encodeInto(text, buffer);
      return this.#frame(opcode, 0, fin, buffer.subarray(0, written));
    }
    return this.encode(opcode, utf8Encoder.encode(text), fin);
  }

  /**
   * The frame for an ASCII text encoded straight into place, or null if it is not all
   * ASCII. One allocation and no copy: encoding first and then framing would allocate
   * twice and copy (measured on Node 20: a fresh 64 KiB array costs 4–7 µs, about as much
   * as encoding 64 KiB into it).
   */
  #asciiFrame(opcode: number, text: string, fin: boolean): Uint8Array | null {
    const length = text.length;
    const payloadStart = this.#payloadStart(length);
    const frame = allocateWith(this.#allocate, payloadStart + length); // over ON_HEAP_MAX: its buffer may be asked for
    // A view made directly costs less than `subarray` (no species lookup).
    const payload = new Uint8Array(frame.buffer, frame.byteOffset + payloadStart, length);
    const { read, written } = utf8Encoder.encodeInto(text, payload);
    // Each UTF-16 unit became one byte, and all fit, only if every one is ASCII.
    if (read !== length || written !== length) return null;
    this.#writeHeader(frame, opcode, 0, fin, length, payloadStart);
    if (this.#client) maskInto(payload, frame, payloadStart, maskKey, 0);
    return frame;
  }

  /**
   * The frame for a short ASCII text, written (and masked) unit by unit, or null if it is
   * not all ASCII. The frame fits in an array V8 keeps on its heap, which must not be
   * asked for its buffer (no `subarray`, no `encodeInto`): that would move it off-heap.
   */
  #shortAsciiFrame(opcode: number, text: string, fin: boolean): Uint8Array | null {
    const length = text.length;
    const client = this.#client;
    const start = client ? 6 : 2;
    const frame = allocateBytes(start + length);
    for (let i = 0; i < length; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0x80) return null;
      frame[start + i] = unit;
    }
    if (client) {
      // The key is drawn only now that the frame is sure to be sent: keys go out in order.
      const key = maskKey;
      this.#maskKeys.writeKey(key, 0);
      frame[2] = key[0];
      frame[3] = key[1];
      frame[4] = key[2];
      frame[5] = key[3];
      maskBytes(frame, start, frame, start, length, key, 0);
    }
    frame[0] = (fin ? 0x80 : 0) | opcode;
    frame[1] = (client ? 0x80 : 0) | length;
    return frame;
  }

  #frame(opcode: number, rsv: number, fin: boolean, payload: Uint8Array): Uint8Array {
    const length = payload.length;
    const payloadStart = this.#payloadStart(length);
    // A client masks the payload into place: align it as the source is, for word-wise XOR.
    const alignAs = this.#client ? (payload.byteOffset - payloadStart) & 3 : 0;
    const frame = allocateWith(this.#allocate, payloadStart + length, alignAs);
    this.#writeHeader(frame, opcode, rsv, fin, length, payloadStart);
    if (this.#client) maskInto(payload, frame, payloadStart, maskKey, 0);
    else frame.set(payload, payloadStart);
    return frame;
  }

  /** Where the payload of `length` bytes starts: after the header and, for a client, the key. */
  #payloadStart(length: number): number {
    const lengthSize = length <= MAX_CONTROL_PAYLOAD ? 0 : length <= 0xffff ? 2 : 8;
    return 2 + lengthSize + (this.#client ? 4 : 0);
  }

  /** Writes the header; a client's fresh masking key goes into the frame and `maskKey`. */
  #writeHeader(frame: Uint8Array, opcode: number, rsv: number, fin: boolean, length: number, payloadStart: number): void {
    const maskBit = this.#client ? 0x80 : 0;
    frame[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
    if (length <= MAX_CONTROL_PAYLOAD) {
      frame[1] = maskBit | length;
    } else if (length <= 0xffff) {
      frame[1] = maskBit | 126;
      frame[2] = length >>> 8;
      frame[3] = length & 0xff;
    } else {
      frame[1] = maskBit | 127;
      const high = Math.floor(length / TWO_POW_32);
      const low = length >>> 0;
      frame[2] = high >>> 24;
      frame[3] = (high >>> 16) & 0xff;
      frame[4] = (high >>> 8) & 0xff;
      frame[5] = high & 0xff;
      frame[6] = low >>> 24;
      frame[7] = (low >>> 16) & 0xff;
      frame[8] = (low >>> 8) & 0xff;
      frame[9] = low & 0xff;
    }
    if (this.#client) {
      const key = maskKey;
      this.#maskKeys.writeKey(key, 0);
      // Byte by byte: `set` costs more than four stores for an array this small.
      frame[payloadStart - 4] = key[0];
      frame[payloadStart - 3] = key[1];
      frame[payloadStart - 2] = key[2];
      frame[payloadStart - 1] = key[3];
    }
  }
}
