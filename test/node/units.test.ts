/**
 * The adapter's pure parts: the lifecycle log, message assembly, the Origin policy and
 * option validation.
 */
import { describe, expect, it } from "vitest";
import { ConnectionType } from "../../src/constants.js";
import { AcceptConnection, BytesMessage, CloseConnection, Request, TextMessage } from "../../src/events.js";
import { WSConnection } from "../../src/ws-connection.js";
import { formatTransition, lifecycleTransitions, logLifecycle } from "../../src/node/index.js";
import { MessageAssembler } from "../../src/node/message-assembler.js";
import { resolveAdapterSettings } from "../../src/node/options.js";
import { resolveOriginPolicy } from "../../src/node/origin.js";
import { randomSplit } from "./helpers.js";

describe("lifecycle log", () => {
  it("prints every transition of a whole connection, as the machine takes it", () => {
    const lines: string[] = [];
    const server = new WSConnection(ConnectionType.SERVER, { inspect: logLifecycle((line) => lines.push(line), "S ") });
    const client = new WSConnection(ConnectionType.CLIENT);
    server.receiveData(client.send(new Request({ host: "example.com", target: "/" })));
    for (const event of server.events()) if (event instanceof Request) client.receiveData(server.send(new AcceptConnection()));
    [...client.events()];
    server.receiveData(client.send(new TextMessage({ data: "a", messageFinished: false })));
    [...server.events()];
    server.receiveData(client.send(new TextMessage({ data: "b" })));
    [...server.events()];
    server.send(new CloseConnection({ code: 1000 }));
    server.receiveData(client.send(new CloseConnection({ code: 1000 })));
    [...server.events()];
    expect(lines.map((line) => line.split("  ").slice(0, 3).join("  "))).toEqual([
      "S start → CONNECTING.server  (start)  RFC 6455 §4.2",
      "S CONNECTING.server.awaitingRequest → requestReceived  REQUEST_RECEIVED  RFC 6455 §4.2.1",
      "S CONNECTING.server.requestReceived → OPEN  SEND_ACCEPT  RFC 6455 §4.2.2",
      "S OPEN.inbound.idle → receivingText  INBOUND_TEXT_STARTED  RFC 6455 §5.4",
      "S OPEN.inbound.receivingText → idle  INBOUND_MESSAGE_FINISHED  RFC 6455 §5.4",
      "S OPEN → LOCAL_CLOSING.idle  SEND_CLOSE  RFC 6455 §5.5.1, §7.1.2",
      "S LOCAL_CLOSING → CLOSED  CLOSE_RECEIVED  RFC 6455 §7.1.3",
    ]);
    expect(lines[1]).toBe(
      "S CONNECTING.server.awaitingRequest → requestReceived  REQUEST_RECEIVED  RFC 6455 §4.2.1  A valid upgrade request arrived: the application accepts or rejects it.",
    );
  });

  it("reads only microsteps of the connection's own actor", () => {
    const seen: number[] = [];
    new WSConnection(ConnectionType.CLIENT, { inspect: (event) => seen.push(lifecycleTransitions(event).length) });
    expect(seen.filter((n) => n > 0)).toEqual([1]);
    expect(seen.length).toBeGreaterThan(1);
  });

  it("names siblings by their own name and anything else by its path", () => {
    const base = { rfc: null, description: null };
    expect(formatTransition({ ...base, event: "E", from: "A.b.c", to: ["A.b.d"] })).toBe("A.b.c → d  E");
    expect(formatTransition({ ...base, event: "E", from: "A.b.c", to: ["A.x"] })).toBe("A.b.c → A.x  E");
    expect(formatTransition({ ...base, event: "E", from: "A.b", to: ["A.b.c.d"] })).toBe("A.b → A.b.c.d  E");
    expect(formatTransition({ ...base, event: "E", from: "OPEN", to: ["CLOSED"] })).toBe("OPEN → CLOSED  E");
    expect(formatTransition({ ...base, event: "", from: "OPEN", to: [] })).toBe("OPEN → (stays)  (start)");
    expect(formatTransition({ event: "E", from: "A", to: ["B"], rfc: "RFC 1", description: "why" })).toBe("A → B  E  RFC 1  why");
  });
});

describe("message assembly", () => {
  const text = "añ€😀 whole message";
  const bytes = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);

  function chunksOf(data: string | Uint8Array, seed: number) {
    if (typeof data === "string") {
      const chars = Array.from(data);
      const parts: string[] = [];
      for (let at = 0, n = 0; at < chars.length; n++) {
        const size = 1 + ((seed * 7 + n * 13) % 5);
        parts.push(chars.slice(at, at + size).join(""));
        at += size;
      }
      return parts.map((part, i) => new TextMessage({ data: part, messageFinished: i === parts.length - 1 }));
    }
    const parts = randomSplit(data, seed, 50);
    return parts.map((part, i) => new BytesMessage({ data: part, messageFinished: i === parts.length - 1 }));
  }

  it("joins chunks into the same whole message however they are split", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const assembler = new MessageAssembler();
      const out: unknown[] = [];
      for (const chunk of [...chunksOf(text, seed), ...chunksOf(bytes, seed), ...chunksOf(text, seed + 1)]) {
        const message = assembler.push(chunk);
        if (message !== null) out.push(typeof message === "string" ? message : [...message]);
      }
      expect(out).toEqual([text, [...bytes], text]);
    }
  });

  it("hands a single-chunk message on as it is, binary as a Buffer view", () => {
    const assembler = new MessageAssembler();
    expect(assembler.push(new TextMessage({ data: "one" }))).toBe("one");
    const whole = assembler.push(new BytesMessage({ data: bytes }));
    expect(Buffer.isBuffer(whole)).toBe(true);
    expect((whole as Buffer).buffer).toBe(bytes.buffer);
    expect(assembler.push(new BytesMessage({ data: new Uint8Array(0) }))).toEqual(Buffer.alloc(0));
  });
});

describe("Origin policy", () => {
  it("requires exactly one policy", () => {
    expect(() => resolveOriginPolicy({})).toThrow(/must decide about the Origin header/);
    expect(() => resolveOriginPolicy({ allowAnyOrigin: false })).toThrow(/must decide/);
    expect(() => resolveOriginPolicy({ allowAnyOrigin: true, checkOrigin: () => true })).toThrow(/checkOrigin and allowAnyOrigin/);
    expect(() => resolveOriginPolicy({ checkOrigin: "yes" as never })).toThrow(/function/);
  });

  it("allowedOrigins compares case-insensitively and lets requests without Origin in", () => {
    const check = resolveOriginPolicy({ allowedOrigins: ["https://App.example", "null"] });
    expect(check("https://app.example")).toBe(true);
    expect(check("HTTPS://APP.EXAMPLE")).toBe(true);
    expect(check("https://app.example:8443")).toBe(false);
    expect(check("http://app.example")).toBe(false);
    expect(check("null")).toBe(true);
    expect(check(null)).toBe(true);
    expect(resolveOriginPolicy({ allowedOrigins: [] })("https://app.example")).toBe(false);
  });

  it("allowAnyOrigin allows all; checkOrigin is used as given", () => {
    expect(resolveOriginPolicy({ allowAnyOrigin: true })("https://evil.example")).toBe(true);
    const check = (origin: string | null) => origin === "x";
    expect(resolveOriginPolicy({ checkOrigin: check })).toBe(check);
  });
});

describe("adapter settings", () => {
  it("defaults: 10 s handshake, 30 s close, automatic Pong and Close replies", () => {
    expect(resolveAdapterSettings({})).toEqual({ handshakeTimeout: 10_000, closeTimeout: 30_000, autoPong: true, autoCloseReply: true });
    expect(resolveAdapterSettings({ handshakeTimeout: 0, closeTimeout: 5, autoPong: false, autoCloseReply: false })).toEqual({
      handshakeTimeout: 0,
      closeTimeout: 5,
      autoPong: false,
      autoCloseReply: false,
    });
  });

  it("refuses timeouts that setTimeout would mangle and flags that are not booleans", () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 31, "10" as never]) {
      expect(() => resolveAdapterSettings({ closeTimeout: bad })).toThrow(RangeError);
    }
    expect(() => resolveAdapterSettings({ autoCloseReply: 1 as never })).toThrow(TypeError);
  });
});
