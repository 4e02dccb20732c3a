/**
 * wsproto's test/test_handshake.py (spec §9.4, 7 items) ported to `WSConnection`: a
 * client and a server talking to each other, every byte stream fed whole, byte by byte
 * and in random splits.
 */
import { describe, expect, it } from "vitest";
import {
  AcceptConnection,
  ConnectionState,
  ConnectionType,
  LocalProtocolError,
  Ping,
  RejectConnection,
  Request,
  WSConnection,
  type AnyEvent,
} from "../../src/index.js";
import { KEY } from "../fixtures/handshake-rows.js";
import { MULTIPLE_HEADERS_REQUEST, MULTIPLE_HEADERS_WIRE } from "../fixtures/wsproto-requests.js";
import { chunkings } from "../handshake/helpers.js";
import { bytes, feedAll, parseResponse, remoteError, text } from "./drive.js";

/** `wire` fed to a fresh `make()` in every chunking: the events, equal in each. */
function inEveryChunking(wire: Uint8Array, make: () => WSConnection): { events: AnyEvent[]; peer: WSConnection } {
  const runs = chunkings(wire).map(([how, chunks]) => {
    const peer = make();
    return { how, peer, events: feedAll(peer, chunks) };
  });
  for (const run of runs) expect(run.events, run.how).toEqual(runs[0].events);
  return runs[0];
}

describe("test_handshake.py", () => {
  it("test_successful_handshake", () => {
    const client = new WSConnection(ConnectionType.CLIENT);
    const server = new WSConnection(ConnectionType.SERVER);
    const request = client.send(new Request({ host: "localhost", target: "/" }));
    const { events: serverEvents } = inEveryChunking(request, () => new WSConnection(ConnectionType.SERVER));
    expect(serverEvents.map((e) => e.type)).toEqual(["Request"]);
    expect(feedAll(server, [request])).toEqual(serverEvents);
    const response = server.send(new AcceptConnection());
    // Every chunking of the 101 opens a client that sent this very key.
    for (const [how, chunks] of chunkings(response)) {
      const sameKey = new WSConnection(ConnectionType.CLIENT, { randomFill: (b) => b.set(bytes(atob(nonceOf(request)))) });
      sameKey.send(new Request({ host: "localhost", target: "/" }));
      expect(feedAll(sameKey, chunks), how).toEqual([new AcceptConnection()]);
      expect(sameKey.state).toBe(ConnectionState.OPEN);
    }
    // A client that sent another key fails on the same bytes.
    const zeroKey = new WSConnection(ConnectionType.CLIENT, { randomFill: (b) => b.fill(0) });
    zeroKey.send(new Request({ host: "localhost", target: "/" }));
    expect(() => feedAll(zeroKey, [response])).toThrow(/Bad accept token/);
    expect(feedAll(client, [response])).toEqual([new AcceptConnection()]);
    // wsproto checks the reprs "H11Handshake(client=True, state=ConnectionState.OPEN)"; here
    // the role and the statechart say the same.
    for (const [ws, isClient] of [
      [client, true],
      [server, false],
    ] as const) {
      expect(ws.client).toBe(isClient);
      expect(ws.state).toBe(ConnectionState.OPEN);
      expect(ws.actor.getSnapshot().value).toEqual({ OPEN: { inbound: "idle", outbound: "idle" } });
    }
  });

  it("test_host_encoding", () => {
    const client = new WSConnection(ConnectionType.CLIENT);
    const request = client.send(new Request({ host: "芝士汉堡", target: "/" }));
    expect(text(request)).toContain("\r\nHost: xn--7ks3rz39bh7u\r\n");
    const { events } = inEveryChunking(request, () => new WSConnection(ConnectionType.SERVER));
    expect((events[0] as Request).host).toBe("芝士汉堡");
  });

  it.each([
    // wsproto: "Missing header, 'Host'" (h11 does not require Host in HTTP/1.0). wstate
    // refuses HTTP/1.0 first, with 505 (RFC 6455 §4.2.1 requires HTTP/1.1; hardening H16).
    ["1.0", "WebSocket requires HTTP/1.1, not HTTP/1.0", 505],
    // wsproto: h11's "Bad HTTP message". wstate names the header.
    ["1.1", "Missing header, 'Host'", 400],
  ])("test_rejected_handshake HTTP/%s", (version, message, status) => {
    const wire = bytes(
      `GET / HTTP/${version}\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    for (const [how, chunks] of chunkings(wire)) {
      const server = new WSConnection(ConnectionType.SERVER);
      const error = remoteError(() => feedAll(server, chunks));
      expect(error.message, how).toBe(message);
      expect(error.eventHint).toEqual(new RejectConnection({ statusCode: status }));
      const { head } = parseResponse(server.send(error.eventHint!));
      // The answer is HTTP/1.1 even to an HTTP/1.0 request (as wsproto's).
      expect([head.httpVersion, head.statusCode]).toEqual(["1.1", status]);
      expect(server.state).toBe(ConnectionState.CLOSED);
    }
  });

  it("test_initiate_upgrade_as_client", () => {
    const client = new WSConnection(ConnectionType.CLIENT);
    expect(() => client.initiateUpgradeConnection([["Host", "localhost"]], "/")).toThrow(LocalProtocolError);
    expect(client.state).toBe(ConnectionState.CONNECTING);
  });

  it("test_send_invalid_event", () => {
    const client = new WSConnection(ConnectionType.CLIENT);
    expect(() => client.send(new Ping())).toThrow(new LocalProtocolError(
      "Event Ping cannot be sent in state CONNECTING: the opening handshake is not complete; wait for AcceptConnection (client) or send it (server) first.",
    ));
    expect(client.state).toBe(ConnectionState.CONNECTING);
  });

  it("test_h11_multiple_headers_handshake", () => {
    const wire = bytes(MULTIPLE_HEADERS_WIRE);
    const { events, peer } = inEveryChunking(wire, () => new WSConnection(ConnectionType.SERVER));
    expect(events[0]).toMatchObject(MULTIPLE_HEADERS_REQUEST);
    // The server can answer with one of them.
    const { head } = parseResponse(peer.send(new AcceptConnection({ subprotocol: "are-seen" })));
    expect(head.headers).toContainEqual(["sec-websocket-protocol", "are-seen"]);
  });
});

/** The `Sec-WebSocket-Key` of a request the client wrote. */
function nonceOf(request: Uint8Array): string {
  const match = /\r\nSec-WebSocket-Key: ([^\r]+)\r\n/.exec(text(request));
  if (match === null) throw new Error("no key in the request");
  return match[1];
}
