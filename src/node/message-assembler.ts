/**
 * Joins the engine's message chunks (`TextMessage` / `BytesMessage` with
 * `messageFinished: false`) into whole messages. The engine bounds a message by
 * `maxMessageSize`, so what is held here is bounded too.
 */
import type { BytesMessage, TextMessage } from "../events.js";

/** A whole message: text as a string, binary as a Buffer. */
export type WholeMessage = string | Buffer;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Collects the chunks of one message at a time. */
export class MessageAssembler {
  #text: string[] = [];
  #bytes: Buffer[] = [];

  /** Adds a chunk; returns the message once its last chunk arrived, else null. */
  push(chunk: TextMessage | BytesMessage): WholeMessage | null {
    if (chunk.type === "TextMessage") {
      if (chunk.messageFinished && this.#text.length === 0) return chunk.data;
      this.#text.push(chunk.data);
      if (!chunk.messageFinished) return null;
      const whole = this.#text.join("");
      this.#text = [];
      return whole;
    }
    const bytes = asBuffer(chunk.data);
    if (chunk.messageFinished && this.#bytes.length === 0) return bytes;
    this.#bytes.push(bytes);
    if (!chunk.messageFinished) return null;
    const whole = Buffer.concat(this.#bytes);
    this.#bytes = [];
    return whole;
  }
}
