/**
 * Extension negotiation on both sides of the opening handshake (RFC 6455 §9.1,
 * RFC 7692 §5), independent of HTTP/1.1: the same helpers serve WebSocket over HTTP/2
 * (RFC 8441), where the caller moves the header values itself.
 */

import { LocalProtocolError, RemoteProtocolError } from "../errors.js";
import { RejectConnection } from "../events.js";
import type { Extension } from "../extensions/extension.js";
import { parseExtensionHeader } from "../extensions/extension-header.js";
import { requireHeaderValue, trimOws } from "./header-values.js";

/** The extension name of an item: the text before its first `;`, trimmed. */
function itemName(item: string): string {
  const semicolon = item.indexOf(";");
  return trimOws(semicolon < 0 ? item : item.slice(0, semicolon));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What {@link clientExtensionsOffer} produced. */
export interface ExtensionsOffer {
  /** The `Sec-WebSocket-Extensions` request value, or `null` when nothing is offered. */
  readonly header: string | null;
  /** The extensions that made an offer, in order: pass them to {@link clientExtensionsHandshake}. */
  readonly offered: readonly Extension[];
}

/**
 * Client side: the `Sec-WebSocket-Extensions` value offering `extensions`, in order. Each
 * extension's `offer()`: `true` or `""` offers the bare name, a string `name; <string>`,
 * `false`/`null` nothing.
 *
 * @throws {LocalProtocolError} when an extension is listed twice, or its `offer()` throws
 *   or returns something that is not one valid header item (RFC 6455 §9.1).
 * @example
 * ```ts
 * const { header, offered } = clientExtensionsOffer([new PerMessageDeflate()]);
 * // header: "permessage-deflate; client_max_window_bits"; send it as the HTTP/2 header
 * // sec-websocket-extensions, then clientExtensionsHandshake(acceptedItems, offered).
 * ```
 */
export function clientExtensionsOffer(extensions: readonly Extension[]): ExtensionsOffer {
  const items: string[] = [];
  const offered: Extension[] = [];
  const names = new Set<string>();
  for (const extension of extensions) {
    if (names.has(extension.name)) {
      throw new LocalProtocolError(`Extension ${extension.name} is listed twice: offer it once`);
    }
    names.add(extension.name);
    const item = offerItem(extension);
    if (item !== null) {
      items.push(item);
      offered.push(extension);
    }
  }
  return { header: items.length === 0 ? null : items.join(", "), offered };
}

/** One extension's offer item, or null when it offers nothing. */
function offerItem(extension: Extension): string | null {
  let offer: string | boolean | null;
  try {
    offer = extension.offer();
  } catch (error) {
    throw new LocalProtocolError(`Extension ${extension.name}: offer() threw: ${errorText(error)}`);
  }
  if (offer === false || offer === null || offer === undefined) return null;
  if (offer !== true && typeof offer !== "string") {
    throw new LocalProtocolError(`Extension ${extension.name}: offer() must return a string, true, false or null`);
  }
  const item = offer === true || offer === "" ? extension.name : `${extension.name}; ${offer}`;
  requireHeaderValue("Sec-WebSocket-Extensions", item);
  const parsed = parseExtensionHeader(item);
  if (parsed === null || parsed.length !== 1 || parsed[0].name !== extension.name) {
    throw new LocalProtocolError(
      `Extension ${extension.name}: the offer ${JSON.stringify(item)} is not one valid Sec-WebSocket-Extensions item (RFC 6455 §9.1)`,
    );
  }
  return item;
}

/**
 * Server side: chooses extensions from the client's offers and returns the
 * `Sec-WebSocket-Extensions` response value, or `null` when none was accepted.
 *
 * Offers are considered in the client's order. For each extension name, the first offer
 * that a supported extension of that name accepts wins (RFC 7692 §7 "first acceptable");
 * later offers of that name are not shown to it. `accept()` returning `true` or `""`
 * answers with the bare name, a string answers `name; <string>`, `false`/`null` declines
 * the offer. Accepting enables the extension object, so pass fresh objects per connection.
 *
 * @param offers - the offered items, e.g. `Request.extensions` or, over HTTP/2, the
 *   `text` of each item of `parseExtensionHeader(value)`.
 * @param supported - the extensions the server is willing to run.
 * @throws {LocalProtocolError} when an extension's `accept()` throws or answers with a
 *   string that is not valid in the header.
 * @example
 * ```ts
 * const pmd = new PerMessageDeflate();
 * serverExtensionsHandshake(["permessage-deflate; client_max_window_bits", "x-other"], [pmd]);
 * // "permessage-deflate; client_max_window_bits=15", and pmd.enabled() is now true
 * ```
 */
export function serverExtensionsHandshake(offers: readonly string[], supported: readonly Extension[]): string | null {
  for (const extension of supported) {
    if (typeof extension !== "object" || extension === null || typeof extension.accept !== "function") {
      throw new LocalProtocolError("Supported extensions must be Extension objects (such as PerMessageDeflate)");
    }
  }
  const accepted = new Map<string, string>();
  for (const offer of offers) {
    const name = itemName(offer);
    if (accepted.has(name)) continue;
    for (const extension of supported) {
      if (extension.name !== name) continue;
      const item = acceptedItem(extension, offer);
      if (item !== null) {
        accepted.set(name, item);
        break;
      }
    }
  }
  return accepted.size === 0 ? null : [...accepted.values()].join(", ");
}

/** Asks one extension about one offer; returns the response item or null (declined). */
function acceptedItem(extension: Extension, offer: string): string | null {
  let answer: string | boolean | null;
  try {
    answer = extension.accept(offer);
  } catch (error) {
    throw new LocalProtocolError(`Extension ${extension.name}: accept() threw (it must decline instead): ${errorText(error)}`);
  }
  if (answer === true || answer === "") return extension.name;
  if (typeof answer !== "string") return null;
  const item = `${extension.name}; ${answer}`;
  requireHeaderValue("Sec-WebSocket-Extensions", item);
  const parsed = parseExtensionHeader(item);
  if (parsed === null || parsed.length !== 1) {
    throw new LocalProtocolError(
      `Extension ${extension.name}: accept() answered ${JSON.stringify(answer)}, which is not valid ` +
        "extension parameter syntax (RFC 6455 §9.1: param[=value] separated by \"; \")",
    );
  }
  return item;
}

/**
 * Client side: applies the server's `Sec-WebSocket-Extensions` answer. Each accepted
 * item is handed to `finalize()` of the first offered extension with its name; the
 * extensions are returned in the server's order, ready for the connection.
 *
 * @param accepted - the accepted items (whole item text, name and parameters), from every
 *   `Sec-WebSocket-Extensions` header of the response.
 * @param offered - the extensions the client offered.
 * @throws {RemoteProtocolError} when the server accepted an extension that was not
 *   offered, accepted one twice, or `finalize()` refused its parameters (threw).
 * @example
 * ```ts
 * const pmd = new PerMessageDeflate();
 * const extensions = clientExtensionsHandshake(["permessage-deflate; server_max_window_bits=10"], [pmd]);
 * // [pmd], configured and enabled
 * ```
 */
export function clientExtensionsHandshake(accepted: readonly string[], offered: readonly Extension[]): Extension[] {
  const result: Extension[] = [];
  const seen = new Set<string>();
  for (const item of accepted) {
    const name = itemName(item);
    if (seen.has(name)) {
      throw new RemoteProtocolError(`extension ${name} accepted twice`, new RejectConnection());
    }
    seen.add(name);
    const extension = offered.find((candidate) => candidate.name === name);
    if (extension === undefined) {
      throw new RemoteProtocolError(`unrecognized extension ${name}`, new RejectConnection());
    }
    try {
      extension.finalize(item);
    } catch (error) {
      throw new RemoteProtocolError(
        `extension ${name} refused the server's parameters: ${errorText(error)}`,
        new RejectConnection(),
      );
    }
    result.push(extension);
  }
  return result;
}
