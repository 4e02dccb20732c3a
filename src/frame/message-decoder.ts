/**
 * Message assembly (wsproto's `MessageDecoder`, behavior spec §6.6): the continuation
 * rules, the per-message limits, and the strict UTF-8 decoding of text, turning data
 * frame chunks into `TextMessage` / `BytesMessage` events as they arrive.
 */
import { CloseReason, Opcode } from "../constants.js";
import { BytesMessage, TextMessage } from "../events.js";
import type { FrameLimits } from "./limits.js";
import { ParseFailure } from "./parse-failure.js";
import { Utf8StreamDecoder } from "./utf8.js";

/** No message in progress. */
const NONE = -1;

/** wsproto's `repr()` of the opcodes a frame may wrongly carry inside a message. */
function opcodeRepr(opcode: number): string {
  return opcode === Opcode.TEXT ? "<Opcode.TEXT: 1>" : "<Opcode.BINARY: 2>";
}

/**
 * Follows one data message at a time. The frame decoder announces every data frame
 * header with {@link MessageDecoder.beginFrame} and hands over its payload chunks with
 * {@link MessageDecoder.receive}.
 *
 * @example
 * ```ts
 * const messages = new MessageDecoder(resolveLimits(undefined));
 * messages.beginFrame(Opcode.TEXT, true, 2, 0);                    // null: accepted
 * messages.receive(new TextEncoder().encode("hi"), true);          // TextMessage "hi"
 * ```
 */
export class MessageDecoder {
  readonly #limits: FrameLimits;
  /** Made with the first text message: many connections only ever receive binary. */
  #utf8: Utf8StreamDecoder | null = null;
  /** TEXT or BINARY while a message is being assembled, else NONE. */
  #opcode = NONE;
  /** FIN of the frame being received. */
  #fin = false;
  /** Whether an extension transforms this message (it owns a reserved bit of its first frame). */
  #transformed = false;
  #fragments = 0;
  /** Sum of the declared payload lengths of an untransformed message. */
  #declaredSize = 0;
  /** Payload bytes of this message handed out so far (after extensions). */
  #deliveredSize = 0;
  #inProgress = false;

  constructor(limits: FrameLimits) {
    this.#limits = limits;
  }

  /** Whether a message has delivered a chunk but not its last one. */
  get inProgress(): boolean {
    return this.#inProgress;
  }

  /** Whether the current message is text (its chunks are decoded to strings, not handed out). */
  get decodesText(): boolean {
    return this.#opcode === Opcode.TEXT;
  }

  /** How many more bytes the current message may deliver within `maxMessageSize`. */
  get budget(): number {
    return this.#limits.maxMessageSize - this.#deliveredSize;
  }

  /**
   * Checks a data frame header against the continuation rules and the limits, before
   * any of its payload is read. `rsv` tells whether an extension transforms a new
   * message (its declared lengths then say nothing about the delivered size).
   * Returns the failure, or null.
   */
  beginFrame(opcode: number, fin: boolean, payloadLength: number, rsv: number): ParseFailure | null {
    if (opcode === Opcode.CONTINUATION) {
      if (this.#opcode === NONE) return new ParseFailure(CloseReason.PROTOCOL_ERROR, "unexpected CONTINUATION");
    } else {
      if (this.#opcode !== NONE) {
        return new ParseFailure(CloseReason.PROTOCOL_ERROR, `expected CONTINUATION, got ${opcodeRepr(opcode)}`);
      }
      this.#opcode = opcode;
      this.#transformed = rsv !== 0;
      this.#fragments = 0;
      this.#declaredSize = 0;
      this.#deliveredSize = 0;
    }
    this.#fin = fin;
    const limits = this.#limits;
    if (++this.#fragments > limits.maxFragments) {
      return new ParseFailure(
        CloseReason.POLICY_VIOLATION,
        `Message has more than ${limits.maxFragments} fragments (maxFragments)`,
      );
    }
    if (!this.#transformed) {
      this.#declaredSize += payloadLength;
      if (this.#declaredSize > limits.maxMessageSize) return this.#tooBig();
    }
    return null;
  }

  /**
   * Turns a payload chunk of the current frame into an event; `frameFinished` marks the
   * frame's last chunk. Returns the failure when the message grows past
   * `maxMessageSize` (checked first, so a limit hit inside a UTF-8 sequence is 1009) or
   * its text is not UTF-8 (1007, at the first chunk that makes it impossible).
   */
  receive(chunk: Uint8Array, frameFinished: boolean): TextMessage | BytesMessage | ParseFailure {
    this.#deliveredSize += chunk.length;
    if (this.#deliveredSize > this.#limits.maxMessageSize) return this.#tooBig();
    const messageFinished = frameFinished && this.#fin;
    const opcode = this.#opcode;
    if (messageFinished) {
      this.#opcode = NONE;
      this.#deliveredSize = 0;
    }
    this.#inProgress = !messageFinished;
    if (opcode === Opcode.BINARY) return new BytesMessage({ data: chunk, frameFinished, messageFinished });
    const utf8 = (this.#utf8 ??= new Utf8StreamDecoder());
    const text = utf8.decode(chunk, messageFinished);
    if (text === null) return new ParseFailure(CloseReason.INVALID_FRAME_PAYLOAD_DATA, utf8.error);
    return new TextMessage({ data: text, frameFinished, messageFinished });
  }

  #tooBig(): ParseFailure {
    return new ParseFailure(
      CloseReason.MESSAGE_TOO_BIG,
      `Message is longer than ${this.#limits.maxMessageSize} bytes (maxMessageSize)`,
    );
  }
}
