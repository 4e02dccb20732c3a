/**
 * The permessage-deflate extension (RFC 7692): negotiation plus a synchronous, bounded
 * compressor and decompressor wired into the frame hooks.
 */

import { Opcode, CloseReason, isControlOpcode } from "../constants.js";
import { LocalProtocolError } from "../errors.js";
import { Extension, type FrameContext, type HookFailure, type RsvBits } from "./extension.js";
import {
  MAX_WINDOW_BITS,
  MIN_DEFLATE_WINDOW_BITS,
  PERMESSAGE_DEFLATE,
  clientAgreement,
  clientOfferParams,
  serverAgreement,
  type DeflateParams,
  type DeflatePreferences,
} from "./deflate-negotiation.js";
import { MessageDeflater, MessageInflater } from "./deflate-stream.js";

/** Options of {@link PerMessageDeflate}. */
export interface PerMessageDeflateOptions {
  /** Ask (client) or require (server) that the client compress each message on its own. */
  readonly clientNoContextTakeover?: boolean;
  /**
   * The largest window (9–15) the client should compress with. Client: offered as
   * `client_max_window_bits=N`; server: answered to a client that announced support.
   * Absent: no preference (15).
   */
  readonly clientMaxWindowBits?: number;
  /** Ask (client) or promise (server) that the server compress each message on its own. */
  readonly serverNoContextTakeover?: boolean;
  /** The largest window (9–15) the server should compress with. Absent: 15. */
  readonly serverMaxWindowBits?: number;
  /**
   * Messages sent in one frame and shorter than this many bytes are sent uncompressed:
   * below about 1 KiB deflate saves a few bytes at best and costs more CPU than the bytes
   * it saves (and a header that 7-bit lengths would not need). Fragmented messages are
   * always compressed, since their size is not known from their first frame. A message's
   * `compress` option (`FrameContext.outboundCompress`) overrides this. Default 1024.
   */
  readonly threshold?: number;
  /**
   * zlib's compression level for what this side sends: 0 (stored, no compression) to 9
   * (smallest, slowest). Default 6, zlib's default and `ws`'s. Lower levels trade a
   * little size for time: on JSON-like text, level 3 takes about half the time of 6 for
   * nearly the same size (measured with pako on Node 20).
   */
  readonly compressionLevel?: number;
}

/** The default of {@link PerMessageDeflateOptions.threshold}, in bytes (the same as `ws`). */
export const DEFAULT_COMPRESSION_THRESHOLD = 1024;
/** The default of {@link PerMessageDeflateOptions.compressionLevel}: zlib's own default. */
export const DEFAULT_COMPRESSION_LEVEL = 6;

const RSV1_OWNED: RsvBits = Object.freeze({ rsv1: true, rsv2: false, rsv3: false });

function checkWindowBits(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < MIN_DEFLATE_WINDOW_BITS || value > MAX_WINDOW_BITS) {
    throw new LocalProtocolError(
      `PerMessageDeflate: ${name} must be an integer from 9 to 15, got ${String(value)} ` +
        "(RFC 7692 allows 8, but zlib cannot compress with a 256-byte window)",
    );
  }
  return value;
}

function checkBoolean(name: string, value: boolean | undefined): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") {
    throw new LocalProtocolError(`PerMessageDeflate: ${name} must be a boolean, got ${String(value)}`);
  }
  return value;
}

/**
 * permessage-deflate (RFC 7692). Give a fresh instance to each connection: negotiation
 * and the compression windows are per connection.
 *
 * Negotiation is strict and never throws on peer input: `accept()` declines (returns
 * `null`) a malformed offer or one it cannot honour and keeps no trace of it, so the
 * server can try the client's next offer; `finalize()` throws an `Error` that explains
 * a bad response, which the handshake reports as a `RemoteProtocolError`.
 *
 * Inflation stops as soon as a message would exceed the frame layer's
 * `ctx.inboundBudget` (close code 1009); corrupt data fails with 1007, RSV1 on a control
 * or continuation frame with 1002. Whichever failure comes first in the stream wins,
 * however the input is chunked. A message ending in a BFINAL block is accepted, and a
 * control frame between compressed fragments does not disturb the message.
 *
 * @example
 * ```ts
 * const server = new WSConnection(ConnectionType.SERVER);
 * // … on Request:
 * socket.write(server.send(new AcceptConnection({ extensions: [new PerMessageDeflate()] })));
 *
 * const client = new WSConnection(ConnectionType.CLIENT);
 * socket.write(client.send(new Request({
 *   host: "example.com", target: "/chat",
 *   extensions: [new PerMessageDeflate({ clientMaxWindowBits: 12, threshold: 256 })],
 * })));
 * ```
 */
export class PerMessageDeflate extends Extension {
  readonly name = PERMESSAGE_DEFLATE;

  readonly #preferences: DeflatePreferences;
  readonly #threshold: number;
  readonly #level: number;
  #params: DeflateParams;
  #enabled = false;

  #inflater: MessageInflater | null = null;
  #deflater: MessageDeflater | null = null;
  /** The inbound message in progress is compressed (RSV1 on its first frame). */
  #inboundMessageCompressed = false;
  /** The inbound frame whose payload is flowing belongs to that compressed message. */
  #inboundFrameCompressed = false;
  /** The outbound message in progress is compressed. */
  #outboundMessageCompressed = false;
  /**
   * The inbound message's budget as this extension counts it: the last budget given to the
   * inflater minus what it produced. Infinity until the message's first inflation.
   */
  #inboundBudgetLeft = Infinity;

  /** @throws {LocalProtocolError} when an option is out of range or of the wrong type. */
  constructor(options: PerMessageDeflateOptions = {}) {
    super();
    this.#preferences = {
      clientNoContextTakeover: checkBoolean("clientNoContextTakeover", options.clientNoContextTakeover),
      clientMaxWindowBits: checkWindowBits("clientMaxWindowBits", options.clientMaxWindowBits),
      serverNoContextTakeover: checkBoolean("serverNoContextTakeover", options.serverNoContextTakeover),
      serverMaxWindowBits: checkWindowBits("serverMaxWindowBits", options.serverMaxWindowBits),
    };
    const threshold = options.threshold ?? DEFAULT_COMPRESSION_THRESHOLD;
    if (!Number.isSafeInteger(threshold) || threshold < 0) {
      throw new LocalProtocolError(
        `PerMessageDeflate: threshold must be a non-negative integer number of bytes, got ${String(threshold)}`,
      );
    }
    this.#threshold = threshold;
    const level = options.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL;
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      throw new LocalProtocolError(`PerMessageDeflate: compressionLevel must be an integer from 0 to 9, got ${String(level)}`);
    }
    this.#level = level;
    this.#params = {
      clientNoContextTakeover: this.#preferences.clientNoContextTakeover,
      clientMaxWindowBits: this.#preferences.clientMaxWindowBits ?? MAX_WINDOW_BITS,
      serverNoContextTakeover: this.#preferences.serverNoContextTakeover,
      serverMaxWindowBits: this.#preferences.serverMaxWindowBits ?? MAX_WINDOW_BITS,
    };
  }

  /** The parameters in force: negotiated once `enabled()`, configured before. */
  get params(): DeflateParams {
    return this.#params;
  }

  override enabled(): boolean {
    return this.#enabled;
  }

  /** Client: the offer's parameters (the handshake prefixes the name). */
  override offer(): string {
    return clientOfferParams(this.#preferences);
  }

  /**
   * Server: answers one offer item, or returns `null` to decline it (malformed, unknown
   * or duplicate parameters, limits it cannot honour, or an extension already agreed).
   */
  override accept(offer: string): string | null {
    if (this.#enabled) return null;
    const agreement = serverAgreement(this.#preferences, offer);
    if (typeof agreement === "string") return null;
    this.#params = agreement.params;
    this.#enabled = true;
    return agreement.response;
  }

  /** Client: adopts the server's answer. @throws {Error} explaining an unacceptable one. */
  override finalize(accepted: string): void {
    if (this.#enabled) throw new Error(`${PERMESSAGE_DEFLATE} was accepted twice`);
    const params = clientAgreement(this.#preferences, accepted);
    if (typeof params === "string") throw new Error(`invalid ${PERMESSAGE_DEFLATE} response: ${params}`);
    this.#params = params;
    this.#enabled = true;
  }

  override frameInboundHeader(
    _ctx: FrameContext,
    opcode: number,
    rsv: RsvBits,
    _payloadLength: number,
  ): RsvBits | HookFailure {
    // This hook may run more than once for one frame, so it only derives state from the
    // frame itself.
    if (isControlOpcode(opcode)) {
      if (rsv.rsv1) return CloseReason.PROTOCOL_ERROR;
      this.#inboundFrameCompressed = false;
      return RSV1_OWNED;
    }
    if (opcode === Opcode.CONTINUATION) {
      if (rsv.rsv1) return CloseReason.PROTOCOL_ERROR;
    } else {
      this.#inboundMessageCompressed = rsv.rsv1;
      this.#inboundBudgetLeft = Infinity;
    }
    this.#inboundFrameCompressed = this.#inboundMessageCompressed;
    return RSV1_OWNED;
  }

  override frameInboundPayloadData(ctx: FrameContext, data: Uint8Array): Uint8Array | HookFailure {
    if (!this.#inboundFrameCompressed) return data;
    const budget = this.#budget(ctx);
    return this.#spend(budget, this.#inbound(ctx).push(data, budget));
  }

  override frameInboundComplete(ctx: FrameContext, fin: boolean): Uint8Array | HookFailure | null {
    if (!this.#inboundFrameCompressed || !fin) return null;
    this.#inboundMessageCompressed = false;
    this.#inboundFrameCompressed = false;
    const keepWindow = !(ctx.client ? this.#params.serverNoContextTakeover : this.#params.clientNoContextTakeover);
    const budget = this.#budget(ctx);
    return this.#spend(budget, this.#inbound(ctx).finish(budget, keepWindow));
  }

  override frameOutbound(
    ctx: FrameContext,
    opcode: number,
    rsv: RsvBits,
    data: Uint8Array,
    fin: boolean,
  ): [RsvBits, Uint8Array] {
    if (isControlOpcode(opcode)) return [rsv, data];
    if (opcode !== Opcode.CONTINUATION) {
      this.#outboundMessageCompressed =
        ctx.outboundCompress ?? (!fin || data.length >= this.#threshold);
    }
    if (!this.#outboundMessageCompressed) return [rsv, data];
    const deflater = (this.#deflater ??= new MessageDeflater(
      ctx.client ? this.#params.clientMaxWindowBits : this.#params.serverMaxWindowBits,
      this.#level,
    ));
    const payload = deflater.compress(data, fin);
    if (fin) {
      this.#outboundMessageCompressed = false;
      if (ctx.client ? this.#params.clientNoContextTakeover : this.#params.serverNoContextTakeover) {
        deflater.reset();
      }
    }
    const firstFrame = opcode !== Opcode.CONTINUATION;
    return [firstFrame ? { rsv1: true, rsv2: rsv.rsv2, rsv3: rsv.rsv3 } : rsv, payload];
  }

  /** E.g. `<PerMessageDeflate client_max_window_bits=15; server_max_window_bits=15>`. */
  override toString(): string {
    const p = this.#params;
    const parts = [`client_max_window_bits=${p.clientMaxWindowBits}`];
    if (p.clientNoContextTakeover) parts.push("client_no_context_takeover");
    parts.push(`server_max_window_bits=${p.serverMaxWindowBits}`);
    if (p.serverNoContextTakeover) parts.push("server_no_context_takeover");
    return `<PerMessageDeflate ${parts.join("; ")}>`;
  }

  /**
   * The frame layer hands a frame's last chunk on together with what
   * `frameInboundComplete` adds, so the budget it gives that hook does not yet count the
   * last chunk's output: the tighter of its budget and our own count keeps the limit exact
   * (and the outcome the same however the frame was chunked).
   */
  #budget(ctx: FrameContext): number {
    const budget = ctx.inboundBudget;
    return budget >= 0 ? Math.min(budget, this.#inboundBudgetLeft) : 0; // NaN counts as no budget
  }

  #spend(budget: number, output: Uint8Array | HookFailure): Uint8Array | HookFailure {
    if (typeof output !== "number") this.#inboundBudgetLeft = budget - output.length;
    return output;
  }

  #inbound(ctx: FrameContext): MessageInflater {
    const peerBits = ctx.client ? this.#params.serverMaxWindowBits : this.#params.clientMaxWindowBits;
    // A peer limited to 8 is inflated with 9, which accepts every 8-bit stream (and zlib
    // peers that agreed to 8 send 9-bit streams anyway).
    return (this.#inflater ??= new MessageInflater(Math.max(MIN_DEFLATE_WINDOW_BITS, peerBits)));
  }
}
