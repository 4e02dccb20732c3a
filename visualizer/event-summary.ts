/**
 * One short line per protocol event, for the page's event list. Reads the fields of the
 * wstate event classes by name, so it needs no import of them.
 */
import { closeCodeName, toHex } from "./frame-view.js";

const MAX_TEXT = 80;
const MAX_BYTES = 16;

function quote(text: string): string {
  const shown = text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) + "…" : text;
  return JSON.stringify(shown);
}

function bytes(data: Uint8Array): string {
  if (data.length === 0) return "0 bytes";
  const shown = toHex(data.subarray(0, MAX_BYTES)) + (data.length > MAX_BYTES ? " …" : "");
  return `${data.length} byte${data.length === 1 ? "" : "s"}: ${shown}`;
}

function fragmentNote(event: Record<string, unknown>): string {
  if (event.messageFinished === false) return event.frameFinished === false ? " · frame and message continue" : " · message continues";
  return event.frameFinished === false ? " · frame continues" : "";
}

function names(list: unknown): string {
  if (!Array.isArray(list)) return "";
  return list.map((item) => (typeof item === "string" ? item : String((item as { name?: unknown })?.name ?? "?"))).join(", ");
}

function joined(parts: Array<string | false>): string {
  return parts.filter(Boolean).join(" · ");
}

/**
 * A one-line summary of a wstate event (or any `{ type }` object).
 *
 * @example
 * ```ts
 * summarizeEvent(new TextMessage({ data: "Hello" }));                        // '"Hello" (5 chars)'
 * summarizeEvent(new CloseConnection({ code: 1000, reason: "bye" }));        // '1000 NORMAL_CLOSURE "bye"'
 * ```
 */
export function summarizeEvent(event: { type: string }): string {
  const e = event as Record<string, unknown> & { type: string };
  switch (e.type) {
    case "TextMessage":
      return typeof e.data === "string" ? `${quote(e.data)} (${e.data.length} chars)${fragmentNote(e)}` : e.type;
    case "BytesMessage":
      return e.data instanceof Uint8Array ? bytes(e.data) + fragmentNote(e) : e.type;
    case "Ping":
    case "Pong":
      return e.payload instanceof Uint8Array && e.payload.length > 0 ? `payload ${bytes(e.payload)}` : "no payload";
    case "CloseConnection": {
      const code = typeof e.code === "number" ? `${e.code} ${closeCodeName(e.code)}` : "no code";
      return typeof e.reason === "string" && e.reason !== "" ? `${code} ${quote(e.reason)}` : code;
    }
    case "Request":
      return joined([
        `GET ${String(e.target)}`,
        `Host: ${String(e.host)}`,
        names(e.subprotocols) && `subprotocols: ${names(e.subprotocols)}`,
        names(e.extensions) && `extensions: ${names(e.extensions)}`,
      ]);
    case "AcceptConnection":
      return (
        joined([
          typeof e.subprotocol === "string" && `subprotocol: ${e.subprotocol}`,
          names(e.extensions) && `extensions: ${names(e.extensions)}`,
        ]) || "101 Switching Protocols"
      );
    case "RejectConnection":
      return `${String(e.statusCode)}${e.hasBody === true ? " · a body follows" : ""}`;
    case "RejectData":
      return e.data instanceof Uint8Array ? `${bytes(e.data)}${e.bodyFinished === false ? " · more follows" : " · body finished"}` : e.type;
    default:
      return e.type;
  }
}
