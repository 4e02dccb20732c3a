/** One line per protocol event, as the page's event list shows it. */
import { describe, expect, it } from "vitest";
import {
  AcceptConnection,
  BytesMessage,
  CloseConnection,
  Pong,
  RejectConnection,
  RejectData,
  TextMessage,
} from "../../src/events.js";
import { summarizeEvent } from "../../visualizer/event-summary.js";

describe("summarizeEvent", () => {
  it("shows text quoted and cut, and whether the frame or message goes on", () => {
    expect(summarizeEvent(new TextMessage({ data: "Hello" }))).toBe('"Hello" (5 chars)');
    expect(summarizeEvent(new TextMessage({ data: "x".repeat(100), frameFinished: false, messageFinished: false }))).toBe(
      `"${"x".repeat(80)}…" (100 chars) · frame and message continue`,
    );
  });

  it("shows the first bytes of binary data as hex", () => {
    expect(summarizeEvent(new BytesMessage({ data: Uint8Array.of(0xde, 0xad) }))).toBe("2 bytes: de ad");
    expect(summarizeEvent(new BytesMessage({ data: new Uint8Array(20).fill(7) }))).toBe(
      "20 bytes: 07 07 07 07 07 07 07 07 07 07 07 07 07 07 07 07 …",
    );
    expect(summarizeEvent(new Pong())).toBe("no payload");
  });

  it("names close codes and handshake outcomes", () => {
    expect(summarizeEvent(new CloseConnection({ code: 1009 }))).toBe("1009 MESSAGE_TOO_BIG");
    expect(summarizeEvent(new CloseConnection({ code: 4000, reason: "done" }))).toBe('4000 private use (application) "done"');
    expect(summarizeEvent(new AcceptConnection())).toBe("101 Switching Protocols");
    expect(summarizeEvent(new AcceptConnection({ subprotocol: "chat" }))).toBe("subprotocol: chat");
    expect(summarizeEvent(new RejectConnection({ statusCode: 403, hasBody: true }))).toBe("403 · a body follows");
    expect(summarizeEvent(new RejectData({ data: Uint8Array.of(0x6e, 0x6f), bodyFinished: false }))).toBe("2 bytes: 6e 6f · more follows");
  });

  it("falls back to the type for anything else", () => {
    expect(summarizeEvent({ type: "SomethingNew" })).toBe("SomethingNew");
  });
});
