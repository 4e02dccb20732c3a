/**
 * The extension contract (wsproto's `Extension`, in camelCase).
 *
 * An extension negotiates itself during the opening handshake (`offer` on the client,
 * `accept` on the server, `finalize` on the client once the server answered) and, once
 * `enabled()`, sees every frame: inbound hooks run in list order, outbound hooks in
 * reverse list order. A hook fails the connection by returning a close code (a number).
 */

/** Which of the three reserved bits of a frame header are set, or owned. */
export interface RsvBits {
  readonly rsv1: boolean;
  readonly rsv2: boolean;
  readonly rsv3: boolean;
}

/** `RsvBits` with every bit clear. */
export const NO_RSV: RsvBits = Object.freeze({ rsv1: false, rsv2: false, rsv3: false });

/**
 * What the frame layer tells an extension about the connection when it calls a hook.
 */
export interface FrameContext {
  /** True when this side is the client. */
  readonly client: boolean;
  /**
   * Inbound hooks only: how many more payload bytes the current message may deliver
   * before it exceeds `maxMessageSize`. An extension that expands data (inflation) must
   * stop producing output past this budget and return `CloseReason.MESSAGE_TOO_BIG`.
   */
  readonly inboundBudget: number;
  /**
   * Outbound hooks only: the application's per-message compression wish, passed through
   * unchanged for every frame of the message (`false` = send it uncompressed, `true` =
   * compress even when small, `undefined` = the extension decides). An extension reads it
   * on a message's first frame; its continuation frames follow that decision.
   */
  readonly outboundCompress?: boolean;
}

/**
 * A close code returned by a hook to fail the connection (e.g. 1002, 1007, 1009).
 */
export type HookFailure = number;

/**
 * Base class for extensions. Every method has wsproto's default behaviour, so a subclass
 * overrides only what it needs.
 *
 * @example
 * ```ts
 * class Shout extends Extension {
 *   readonly name = "x-shout";
 *   #on = false;
 *   override enabled() { return this.#on; }
 *   override offer() { return true; }
 *   override finalize() { this.#on = true; }
 * }
 * ```
 */
export abstract class Extension {
  /** The extension token used in `Sec-WebSocket-Extensions`. */
  abstract readonly name: string;

  /** Whether the extension was negotiated and takes part in framing. */
  enabled(): boolean {
    return false;
  }

  /**
   * Client: what to offer. `true` offers the bare name, a string offers
   * `name; <string>`, `false`/`null` offers nothing.
   */
  offer(): string | boolean | null {
    return null;
  }

  /**
   * Server: called with one whole offer item (name and parameters). Return `true` to
   * accept with the bare name, a string to accept with `name; <string>` (`""` for the
   * bare name), or `false`/`null` to decline that offer. Must not throw for bad input.
   */
  accept(_offer: string): string | boolean | null {
    return null;
  }

  /** Client: called with the item the server accepted. Throwing fails the handshake. */
  finalize(_accepted: string): void {}

  /**
   * Called for every inbound frame header. Return the reserved bits this extension
   * owns for the frame, or a close code to fail.
   */
  frameInboundHeader(
    _ctx: FrameContext,
    _opcode: number,
    _rsv: RsvBits,
    _payloadLength: number,
  ): RsvBits | HookFailure {
    return NO_RSV;
  }

  /** Called for each inbound payload chunk; returns the chunk to pass on, or a close code. */
  frameInboundPayloadData(_ctx: FrameContext, data: Uint8Array): Uint8Array | HookFailure {
    return data;
  }

  /**
   * Called when an inbound frame's payload is complete (`fin` = the frame's FIN bit).
   * Returns bytes to append to the frame's payload, `null`, or a close code.
   */
  frameInboundComplete(_ctx: FrameContext, _fin: boolean): Uint8Array | HookFailure | null {
    return null;
  }

  /**
   * Called for every outbound frame, including control frames. Returns the reserved
   * bits and the payload to send.
   */
  frameOutbound(
    _ctx: FrameContext,
    _opcode: number,
    rsv: RsvBits,
    data: Uint8Array,
    _fin: boolean,
  ): [RsvBits, Uint8Array] {
    return [rsv, data];
  }
}
