/**
 * Test helpers that drive an Extension's hooks the way the frame layer does (spec §6.2,
 * §7.1), with a fake FrameContext whose inboundBudget is maxMessageSize minus what the
 * hooks already delivered for the current message.
 */

import { concatBytes } from "../../src/bytes.js";
import { Opcode, isControlOpcode } from "../../src/constants.js";
import type { Extension, FrameContext, RsvBits } from "../../src/extensions/extension.js";
import { PerMessageDeflate, type PerMessageDeflateOptions } from "../../src/extensions/permessage-deflate.js";

export const hex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");

export const bytes = (text: string): Uint8Array =>
  new Uint8Array(text.trim().split(/\s+/).filter(Boolean).map((b) => parseInt(b, 16)));

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

export const rsvOf = (rsv1: boolean): RsvBits => ({ rsv1, rsv2: false, rsv3: false });

/** One frame as it arrives: header fields and the payload (already unmasked). */
export interface InFrame {
  readonly opcode: number;
  readonly rsv1?: boolean;
  readonly fin?: boolean;
  readonly payload: Uint8Array;
}

/** What the hooks produced: completed messages (and control payloads), then maybe a failure. */
export interface Outcome {
  readonly messages: Array<{ opcode: number; data: Uint8Array }>;
  readonly controls: Array<{ opcode: number; data: Uint8Array }>;
  readonly failure: number | null;
}

/** How to cut a data frame's payload into chunks for frameInboundPayloadData. */
export type Chunker = (payload: Uint8Array) => Uint8Array[];

export const whole: Chunker = (payload) => [payload];
export const byteByByte: Chunker = (payload) =>
  payload.length === 0 ? [payload] : Array.from(payload, (_, i) => payload.subarray(i, i + 1));
/** Cuts at the given offsets (relative to the payload, out-of-range ones ignored). */
export const cutAt =
  (offsets: readonly number[]): Chunker =>
  (payload) => {
    const cuts = [...new Set(offsets.filter((o) => o > 0 && o < payload.length))].sort((a, b) => a - b);
    const chunks: Uint8Array[] = [];
    let start = 0;
    for (const cut of [...cuts, payload.length]) {
      chunks.push(payload.subarray(start, cut));
      start = cut;
    }
    return chunks;
  };

/**
 * Feeds frames through the inbound hooks of `ext` as a frame layer with the given
 * maxMessageSize would, stopping at the first failure. Header hooks run twice per frame
 * (the frame layer may re-run them while waiting for a mask key, spec §6.3 item 4).
 */
export function receive(
  ext: Extension,
  frames: readonly InFrame[],
  { client = false, maxMessageSize = 1 << 20, chunker = whole }: { client?: boolean; maxMessageSize?: number; chunker?: Chunker } = {},
): Outcome {
  const messages: Outcome["messages"] = [];
  const controls: Outcome["controls"] = [];
  let parts: Uint8Array[] = [];
  let delivered = 0;
  let messageOpcode = 0;
  const ctx = (): FrameContext => ({ client, inboundBudget: maxMessageSize - delivered });
  const fail = (code: number): Outcome => ({ messages, controls, failure: code });
  for (const frame of frames) {
    const fin = frame.fin ?? true;
    const rsv = rsvOf(frame.rsv1 ?? false);
    for (let attempt = 0; attempt < 2; attempt++) {
      const owned = ext.frameInboundHeader(ctx(), frame.opcode, rsv, frame.payload.length);
      if (typeof owned === "number") return fail(owned);
      if (rsv.rsv1 && !owned.rsv1) return fail(1002);
    }
    if (isControlOpcode(frame.opcode)) {
      const data = ext.frameInboundPayloadData({ client, inboundBudget: 125 }, frame.payload);
      if (typeof data === "number") return fail(data);
      const tail = ext.frameInboundComplete({ client, inboundBudget: 125 }, true);
      if (typeof tail === "number") return fail(tail);
      controls.push({ opcode: frame.opcode, data: concatBytes([data, tail ?? new Uint8Array(0)]) });
      continue;
    }
    if (frame.opcode !== Opcode.CONTINUATION) messageOpcode = frame.opcode;
    for (const chunk of chunker(frame.payload)) {
      const data = ext.frameInboundPayloadData(ctx(), chunk);
      if (typeof data === "number") return fail(data);
      delivered += data.length;
      if (delivered > maxMessageSize) return fail(1009);
      parts.push(data);
    }
    const tail = ext.frameInboundComplete(ctx(), fin);
    if (typeof tail === "number") return fail(tail);
    if (tail !== null) {
      delivered += tail.length;
      if (delivered > maxMessageSize) return fail(1009);
      parts.push(tail);
    }
    if (fin) {
      messages.push({ opcode: messageOpcode, data: concatBytes(parts) });
      parts = [];
      delivered = 0;
    }
  }
  return { messages, controls, failure: null };
}

/** One message to send: its frames' payloads (one entry = unfragmented). */
export interface OutMessage {
  readonly opcode: number;
  readonly fragments: readonly Uint8Array[];
  readonly compress?: boolean;
}

/** Runs messages (and control frames in between) through frameOutbound. */
export function send(
  ext: Extension,
  items: ReadonlyArray<OutMessage | InFrame>,
  { client = false }: { client?: boolean } = {},
): InFrame[] {
  const frames: InFrame[] = [];
  for (const item of items) {
    if ("payload" in item) {
      const [rsv, payload] = ext.frameOutbound({ client, inboundBudget: 0 }, item.opcode, rsvOf(false), item.payload, true);
      frames.push({ opcode: item.opcode, rsv1: rsv.rsv1, fin: true, payload });
      continue;
    }
    item.fragments.forEach((fragment, i) => {
      const opcode = i === 0 ? item.opcode : Opcode.CONTINUATION;
      const fin = i === item.fragments.length - 1;
      const ctx: FrameContext = { client, inboundBudget: 0, outboundCompress: item.compress };
      const [rsv, payload] = ext.frameOutbound(ctx, opcode, rsvOf(false), fragment, fin);
      frames.push({ opcode, rsv1: rsv.rsv1, fin, payload });
    });
  }
  return frames;
}

/** A negotiated pair: `client` finalized with what `server` accepted for client's offer. */
export function negotiatedPair(
  clientOptions: PerMessageDeflateOptions = {},
  serverOptions: PerMessageDeflateOptions = {},
): { client: PerMessageDeflate; server: PerMessageDeflate; response: string } {
  const client = new PerMessageDeflate(clientOptions);
  const server = new PerMessageDeflate(serverOptions);
  const offer = client.offer();
  const accepted = server.accept(offer === "" ? "permessage-deflate" : `permessage-deflate; ${offer}`);
  if (accepted === null) throw new Error(`server declined ${offer}`);
  const response = accepted === "" ? "permessage-deflate" : `permessage-deflate; ${accepted}`;
  client.finalize(response);
  return { client, server, response };
}

/** A server-role PerMessageDeflate enabled by a bare offer. */
export function enabledServer(options: PerMessageDeflateOptions = {}, offer = "permessage-deflate"): PerMessageDeflate {
  const ext = new PerMessageDeflate(options);
  if (ext.accept(offer) === null) throw new Error(`declined ${offer}`);
  return ext;
}

/** A client-role PerMessageDeflate enabled by the given response. */
export function enabledClient(options: PerMessageDeflateOptions = {}, response = "permessage-deflate"): PerMessageDeflate {
  const ext = new PerMessageDeflate(options);
  ext.finalize(response);
  return ext;
}
