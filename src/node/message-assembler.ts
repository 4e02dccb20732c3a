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
  /** The chunks of the unfinished message (the engine never interleaves two); null between messages. */
  #parts: WholeMessage[] | null = null;

  /** Adds a chunk; returns the message once its last chunk arrived, else null. */
  push(chunk: TextMessage | BytesMessage): WholeMessage | null {
    const data = chunk.type === "TextMessage" ? chunk.data : asBuffer(chunk.data);
    if (this.#parts === null) {
      if (chunk.messageFinished) return data;
      this.#parts = [];
    }
    this.#parts.push(data);
    if (!chunk.messageFinished) return null;
    const parts = this.#parts;
    this.#parts = null;
    return chunk.type === "TextMessage" ? (parts as string[]).join("") : Buffer.concat(parts as Buffer[]);
  }
}
