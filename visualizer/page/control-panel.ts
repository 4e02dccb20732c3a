/**
 * "Try it": a WebSocket opened by this browser itself to the demo echo server, so the user
 * watches their own connection move through the chart. The browser API sends text, binary
 * and Close frames; it cannot send a Ping (it answers the server's pings by itself).
 */
import { h } from "./dom.js";

/** What the panel tells the page. */
export interface ControlPanelEvents {
  /** A connection is being opened with this `watch` tag in its URL. */
  onConnecting(tag: string): void;
}

const BINARY_SIZES: ReadonlyArray<[number, string]> = [
  [5, "5 bytes: 7-bit length"],
  [300, "300 bytes: 16-bit length"],
  [70_000, "70 000 bytes: 64-bit length"],
];

/** The URL of the echo endpoint next to this page, `ws:` or `wss:` as the page. */
export function echoUrl(location: Location, tag: string): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/echo?watch=${encodeURIComponent(tag)}`;
}

const READY_STATES = ["CONNECTING", "OPEN", "CLOSING", "CLOSED"];

/** Builds the panel. */
export function controlPanel(events: ControlPanelEvents): HTMLElement {
  let socket: WebSocket | null = null;
  const status = h("span", { class: "ws-status ws-status--none" }, "not connected");
  const log = h("ul", { class: "ws-log" });
  const text = h("input", { attrs: { type: "text", value: "Hello", "aria-label": "text to send", maxlength: "100000" } });
  const size = h("select", { attrs: { "aria-label": "binary size" } }, ...BINARY_SIZES.map(([n, label]) => h("option", { attrs: { value: String(n) } }, label)));
  const code = h("input", { attrs: { type: "number", value: "1000", min: "1000", max: "4999", "aria-label": "close code" } });
  const reason = h("input", { attrs: { type: "text", value: "bye", "aria-label": "close reason", maxlength: "123" } });

  const note = (line: string, kind = "") => {
    log.append(h("li", { class: kind }, line));
    while (log.childElementCount > 6) log.firstElementChild?.remove();
  };
  const showStatus = () => {
    const state = socket === null ? "not connected" : READY_STATES[socket.readyState];
    status.textContent = state;
    status.className = `ws-status ws-status--${state.replace(" ", "-").toLowerCase()}`;
    for (const button of sendButtons) button.disabled = socket?.readyState !== WebSocket.OPEN;
    connectButton.disabled = socket !== null && socket.readyState !== WebSocket.CLOSED;
  };
  const guarded = (action: (ws: WebSocket) => void) => () => {
    if (socket === null || socket.readyState !== WebSocket.OPEN) return;
    try {
      action(socket);
    } catch (error) {
      note(`The browser refused: ${(error as Error).message}`, "bad");
    }
    showStatus();
  };

  const connectButton = h("button", {
    class: "primary",
    onClick: () => {
      const tag = Math.random().toString(36).slice(2, 8);
      events.onConnecting(tag);
      const url = echoUrl(location, tag);
      note(`new WebSocket("${url}")`);
      const ws = new WebSocket(url);
      ws.binaryType = "arraybuffer";
      ws.addEventListener("open", () => (note("open: the server answered 101 Switching Protocols", "good"), showStatus()));
      ws.addEventListener("message", (event) =>
        note(typeof event.data === "string" ? `received text: ${JSON.stringify(event.data.slice(0, 60))}` : `received ${(event.data as ArrayBuffer).byteLength} bytes`),
      );
      ws.addEventListener("close", (event) => (note(`close: code ${event.code}${event.reason ? ` "${event.reason}"` : ""}, clean: ${event.wasClean}`), showStatus()));
      ws.addEventListener("error", () => note("error: the connection failed (is the demo server running?)", "bad"));
      socket = ws;
      showStatus();
    },
  }, "Connect");

  const sendButtons = [
    h("button", { onClick: guarded((ws) => (ws.send(text.value), note(`sent text ${JSON.stringify(text.value.slice(0, 60))}`))) }, "Send text"),
    h("button", {
      onClick: guarded((ws) => {
        const bytes = new Uint8Array(Number(size.value)).map((_, i) => i & 0xff);
        ws.send(bytes);
        note(`sent ${bytes.length} binary bytes`);
      }),
    }, "Send binary"),
    h("button", { onClick: guarded((ws) => (ws.close(Number(code.value), reason.value), note(`close(${code.value}, "${reason.value}")`))) }, "Close"),
  ];
  showStatus();

  return h(
    "div",
    { class: "controls" },
    h("div", { class: "control-row" }, connectButton, status),
    h("label", { class: "control-row" }, h("span", {}, "Text"), text, sendButtons[0]),
    h("label", { class: "control-row" }, h("span", {}, "Binary"), size, sendButtons[1]),
    h("label", { class: "control-row" }, h("span", {}, "Close"), code, reason, sendButtons[2]),
    h(
      "p",
      { class: "muted small" },
      "The browser's WebSocket API cannot send a Ping; it answers the server's Pings by itself. Close codes: 1000, or 3000–4999 (§7.4.2).",
    ),
    log,
  );
}
