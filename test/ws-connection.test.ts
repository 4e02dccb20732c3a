/**
 * WSConnection: the whole lifecycle through the façade — handshake, frames, rejection —
 * for both roles, in memory, fed whole and byte by byte.
 */
import { describe, expect, it } from "vitest";
import {
  AcceptConnection,
  BytesMessage,
  CloseConnection,
  Ping,
  RejectConnection,
  RejectData,
  Request,
  TextMessage,
  type AnyEvent,
} from "../src/events.js";
import { WSConnection } from "../src/ws-connection.js";
import { ConnectionState, ConnectionType } from "../src/constants.js";
import { LocalProtocolError, RemoteProtocolError } from "../src/errors.js";
import { BASE, OK_101 } from "./fixtures/handshake-rows.js";
import { GOOD_HEADERS } from "./fixtures/wsproto-requests.js";

const ascii = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Feeds `bytes` whole or one byte at a time and collects the events. */
function feed(ws: WSConnection, bytes: Uint8Array, byteByByte: boolean): AnyEvent[] {
  const events: AnyEvent[] = [];
  if (byteByByte) {
    for (let i = 0; i < bytes.length; i++) {
      ws.receiveData(bytes.subarray(i, i + 1));
      events.push(...ws.events());
    }
  } else {
    ws.receiveData(bytes);
    events.push(...ws.events());
  }
  return events;
}

function handshake(options: { subprotocols?: string[]; choose?: string } = {}) {
  const client = new WSConnection(ConnectionType.CLIENT);
  const server = new WSConnection(ConnectionType.SERVER);
  const request = client.send(new Request({ host: "example.com", target: "/chat", subprotocols: options.subprotocols }));
  expect(client.state).toBe(ConnectionState.CONNECTING);
  const [received] = feed(server, request, false);
  expect(received).toBeInstanceOf(Request);
  const response = server.send(new AcceptConnection({ subprotocol: options.choose ?? null }));
  expect(server.state).toBe(ConnectionState.OPEN);
  const [accepted] = feed(client, response, false);
  expect(accepted).toBeInstanceOf(AcceptConnection);
  expect(client.state).toBe(ConnectionState.OPEN);
  return { client, server, received: received as Request, accepted: accepted as AcceptConnection };
}

describe("WSConnection handshake", () => {
  it("opens a client/server pair in memory, negotiating a subprotocol", () => {
    const { client, server, received, accepted } = handshake({ subprotocols: ["one", "two"], choose: "two" });
    expect(received.subprotocols).toEqual(["one", "two"]);
    expect(received.host).toBe("example.com");
    expect(received.target).toBe("/chat");
    expect(accepted.subprotocol).toBe("two");
    expect(feed(server, client.send(new TextMessage({ data: "hi" })), false)).toEqual([new TextMessage({ data: "hi" })]);
    expect(feed(client, server.send(new Ping()), false)).toEqual([new Ping()]);
    const [close] = feed(server, client.send(new CloseConnection({ code: 1000, reason: "bye" })), false);
    expect(close).toEqual(new CloseConnection({ code: 1000, reason: "bye" }));
    feed(client, server.send((close as CloseConnection).response()), false);
    expect(client.state).toBe(ConnectionState.CLOSED);
    expect(server.state).toBe(ConnectionState.CLOSED);
  });

  for (const byteByByte of [false, true]) {
    it(`server: frames sent right after the request are parsed once accepted (deviation 1)${byteByByte ? ", byte by byte" : ""}`, () => {
      const server = new WSConnection(ConnectionType.SERVER);
      const frames = Uint8Array.of(0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69);
      const input = new Uint8Array([...ascii(BASE), ...frames]);
      const events = feed(server, input, byteByByte);
      expect(events).toHaveLength(1);
      expect(events[0]).toBeInstanceOf(Request);
      const response = text(server.send(new AcceptConnection()));
      expect(response).toBe(OK_101);
      expect([...server.events()]).toEqual([new TextMessage({ data: "hi" })]);
    });

    it(`client: frames in the same chunk as the 101 come after AcceptConnection${byteByByte ? ", byte by byte" : ""}`, () => {
      const client = new WSConnection(ConnectionType.CLIENT);
      const server = new WSConnection(ConnectionType.SERVER);
      feed(server, client.send(new Request({ host: "h", target: "/" })), false);
      const response = server.send(new AcceptConnection());
      const frame = server.send(new TextMessage({ data: "early" }));
      const events = feed(client, new Uint8Array([...response, ...frame]), byteByByte);
      expect(events.map((e) => e.type)).toEqual(
        byteByByte ? ["AcceptConnection", "TextMessage", "TextMessage", "TextMessage", "TextMessage", "TextMessage"] : ["AcceptConnection", "TextMessage"],
      );
      expect(events.slice(1).map((e) => (e as TextMessage).data).join("")).toBe("early");
    });
  }

  it("server: a bad request throws RemoteProtocolError whose hint can be sent, then CLOSED", () => {
    const server = new WSConnection(ConnectionType.SERVER);
    let error: unknown;
    try {
      server.receiveData(ascii(BASE.replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8")));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RemoteProtocolError);
    const hint = (error as RemoteProtocolError).eventHint as RejectConnection;
    expect(hint.statusCode).toBe(426);
    expect(() => server.send(new AcceptConnection())).toThrow(LocalProtocolError);
    const bytes = text(server.send(hint));
    expect(bytes.startsWith("HTTP/1.1 426 Upgrade Required\r\n")).toBe(true);
    expect(bytes.toLowerCase()).toContain("sec-websocket-version: 13\r\n");
    expect(server.state).toBe(ConnectionState.CLOSED);
  });

  it("server: rejection with a body, then the client reads it", () => {
    const client = new WSConnection(ConnectionType.CLIENT);
    const server = new WSConnection(ConnectionType.SERVER);
    feed(server, client.send(new Request({ host: "h", target: "/" })), false);
    const head = server.send(new RejectConnection({ statusCode: 403, hasBody: true }));
    expect(server.state).toBe(ConnectionState.REJECTING);
    const body = server.send(new RejectData({ data: ascii("nope") }));
    expect(server.state).toBe(ConnectionState.CLOSED);
    for (const byteByByte of [false, true]) {
      const c = byteByByte ? new WSConnection(ConnectionType.CLIENT) : client;
      if (byteByByte) {
        const again = new WSConnection(ConnectionType.SERVER);
        feed(again, c.send(new Request({ host: "h", target: "/" })), false);
      }
      const events = feed(c, new Uint8Array([...head, ...body]), byteByByte);
      expect(events[0]).toBeInstanceOf(RejectConnection);
      expect((events[0] as RejectConnection).statusCode).toBe(403);
      const data = events.slice(1) as RejectData[];
      expect(text(new Uint8Array(data.flatMap((d) => [...d.data])))).toBe("nope");
      expect(data.at(-1)!.bodyFinished).toBe(true);
      expect(c.state).toBe(ConnectionState.CLOSED);
    }
  });

  it("client: a wrong accept token fails the connection (CLOSED)", () => {
    const client = new WSConnection(ConnectionType.CLIENT);
    client.send(new Request({ host: "h", target: "/" }));
    expect(() =>
      client.receiveData(
        ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n"),
      ),
    ).toThrow(RemoteProtocolError);
    expect(client.state).toBe(ConnectionState.CLOSED);
  });

  it("refuses data before the handshake and says why", () => {
    const client = new WSConnection(ConnectionType.CLIENT);
    expect(() => client.send(new TextMessage({ data: "x" }))).toThrow(/handshake is not complete/);
    expect(() => client.send(new AcceptConnection())).toThrow(LocalProtocolError);
    client.send(new Request({ host: "h", target: "/" }));
    expect(() => client.send(new Request({ host: "h", target: "/" }))).toThrow(LocalProtocolError);
    const server = new WSConnection(ConnectionType.SERVER);
    expect(() => server.send(new Request({ host: "h", target: "/" }))).toThrow(LocalProtocolError);
    expect(() => server.send(new AcceptConnection())).toThrow(LocalProtocolError);
  });

  it("EOF: idle server closes quietly, a truncated head is a RemoteProtocolError", () => {
    const idle = new WSConnection(ConnectionType.SERVER);
    idle.receiveData(null);
    expect(idle.state).toBe(ConnectionState.CLOSED);
    const truncated = new WSConnection(ConnectionType.SERVER);
    truncated.receiveData(ascii("GET / HTTP/1.1\r\nHo"));
    expect(() => truncated.receiveData(null)).toThrow(RemoteProtocolError);
    expect(truncated.state).toBe(ConnectionState.CLOSED);
  });

  it("initiateUpgradeConnection: a server whose HTTP layer parsed the request", () => {
    const server = new WSConnection(ConnectionType.SERVER);
    server.initiateUpgradeConnection(GOOD_HEADERS, "/");
    const [request] = [...server.events()] as Request[];
    expect(request.host).toBe("localhost");
    expect(request.extraHeaders).toContainEqual(["x-foo", "bar"]);
    expect(() => new WSConnection(ConnectionType.CLIENT).initiateUpgradeConnection([], "/")).toThrow(LocalProtocolError);
  });

  it("push mode delivers handshake and connection events to listeners", () => {
    const server = new WSConnection(ConnectionType.SERVER);
    const seen: string[] = [];
    server.on("*", (e) => seen.push(e.type));
    server.on("Request", () => server.send(new AcceptConnection()));
    server.receiveData(new Uint8Array([...ascii(BASE), 0x82, 0x81, 0, 0, 0, 0, 7]));
    expect(seen).toEqual(["Request", "BytesMessage"]);
    expect(server.state).toBe(ConnectionState.OPEN);
    expect([...server.events()]).toEqual([]);
  });

  it("keeps one statechart for the whole lifecycle", () => {
    const { client } = handshake();
    expect(client.actor.getSnapshot().value).toEqual({ OPEN: { inbound: "idle", outbound: "idle" } });
    client.send(new BytesMessage({ data: Uint8Array.of(1), messageFinished: false }));
    expect(client.actor.getSnapshot().value).toEqual({ OPEN: { inbound: "idle", outbound: "sendingBinary" } });
  });
});

describe("WSConnection options", () => {
  it("validates the frame limits at construction, not when the handshake completes", () => {
    for (const bad of [2 ** 53, -1, Number.NaN, 1.5, "10"]) {
      expect(() => new WSConnection(ConnectionType.SERVER, { maxMessageSize: bad as number })).toThrow();
    }
  });
});
