/**
 * RFC 8441: a wstate `Connection` over a Node `http2` stream opened with an extended
 * CONNECT on loopback, with the recipe of rfc8441.ts (explained in RFC8441.md, whose code
 * is checked here to be that of rfc8441.ts).
 */
import { readFileSync } from "node:fs";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import {
  BytesMessage,
  CloseConnection,
  ConnectionState,
  PerMessageDeflate,
  Ping,
  RemoteProtocolError,
  TextMessage,
} from "../../src/index.js";
import {
  AsyncQueue,
  LOOPBACK,
  compressibleBytes,
  expectNoErrors,
  firstDifference,
  randomBytes,
  unicodeText,
  useResources,
  WstateEndpoint,
  type Feed,
} from "./helpers.js";
import { acceptWebSocket, connectWebSocket, type AcceptOptions, type ConnectOptions } from "./rfc8441.js";

const resources = useResources();

type ServerEndpoint = WstateEndpoint<http2.ServerHttp2Stream>;
type ClientEndpoint = WstateEndpoint<http2.ClientHttp2Stream>;

/** An HTTP/2 server on 127.0.0.1 whose WebSocket streams run an echoing wstate `Connection`. */
async function listenHttp2(options: AcceptOptions & { enableConnectProtocol?: boolean; feed?: Feed } = {}) {
  const endpoints = new AsyncQueue<ServerEndpoint>(() => "endpoint");
  const refused: number[] = [];
  const server = http2.createServer({ settings: { enableConnectProtocol: options.enableConnectProtocol ?? true } });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  server.on("stream", (stream, headers) => {
    const connection = acceptWebSocket(stream, headers, options);
    if (connection === null) refused.push(stream.id ?? -1);
    else endpoints.push(new WstateEndpoint(stream, connection, { echo: true, feed: options.feed ?? "random" }));
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  resources.add(
    () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`, nextEndpoint: () => endpoints.next(), refused };
}

function connectSession(url: string): http2.ClientHttp2Session {
  const session = http2.connect(url);
  session.on("error", () => undefined);
  resources.add(() => session.destroy());
  return session;
}

async function openClient(session: http2.ClientHttp2Session, options: ConnectOptions, feed: Feed = "random") {
  const opened = await connectWebSocket(session, options);
  return { ...opened, endpoint: new WstateEndpoint(opened.stream, opened.connection, { feed }) as ClientEndpoint };
}

async function closeBoth(client: ClientEndpoint, server: ServerEndpoint, code = 1000, reason = ""): Promise<void> {
  client.send(new CloseConnection({ code, reason }));
  expect(await client.nextOf("CloseConnection")).toMatchObject({ code, reason });
  await Promise.all([client.socketClosed, server.socketClosed]);
  expect([client.ws.state, server.ws.state]).toEqual([ConnectionState.CLOSED, ConnectionState.CLOSED]);
  expect(server.received.at(-1)).toMatchObject({ type: "CloseConnection", code, reason });
}

describe("WebSockets over HTTP/2 (RFC 8441)", () => {
  it("negotiates the subprotocol and permessage-deflate in the CONNECT exchange", async () => {
    const extensions: PerMessageDeflate[] = [];
    const server = await listenHttp2({
      subprotocols: ["chat.v1"],
      extensions: () => {
        extensions.push(new PerMessageDeflate({ serverMaxWindowBits: 11 }));
        return extensions.slice(-1);
      },
    });
    const session = connectSession(server.url);
    const pmd = new PerMessageDeflate({ clientNoContextTakeover: true });
    const { endpoint: client, headers, subprotocol, connection } = await openClient(session, {
      path: "/chat",
      subprotocols: ["chat.v2", "chat.v1"],
      extensions: [pmd],
    });
    const peer = await server.nextEndpoint();

    expect(headers[":status"]).toBe(200);
    expect(headers["sec-websocket-extensions"]).toBe("permessage-deflate; client_no_context_takeover; server_max_window_bits=11");
    expect(subprotocol).toBe("chat.v1");
    expect(headers["sec-websocket-accept"]).toBeUndefined();
    const agreed = { clientNoContextTakeover: true, clientMaxWindowBits: 15, serverNoContextTakeover: false, serverMaxWindowBits: 11 };
    expect(pmd.params).toEqual(agreed);
    expect(extensions[0].params).toEqual(agreed);
    expect(connection.state).toBe(ConnectionState.OPEN);

    await closeBoth(client, peer);
  });

  it.each<Feed>(["whole", "random"])("echoes messages of every size, compressed, fed %s", { timeout: 30_000 }, async (feed) => {
    const server = await listenHttp2({ feed });
    const session = connectSession(server.url);
    const { endpoint: client } = await openClient(session, { path: "/" }, feed);
    const peer = await server.nextEndpoint();
    const repeated = unicodeText(10_000);
    const payloads = ["", new Uint8Array(0), "hi", repeated, repeated, randomBytes(200_000, 2), compressibleBytes(900_000)];
    for (const payload of payloads) {
      client.send(typeof payload === "string" ? new TextMessage({ data: payload }) : new BytesMessage({ data: payload }));
      const echoed = await client.nextMessage();
      if (typeof payload === "string") expect(echoed).toEqual({ kind: "text", data: payload });
      else expect(firstDifference(echoed.data as Uint8Array, payload)).toBeNull();
    }
    // A compressible message crosses the session compressed, both ways.
    const tcp = session.socket;
    const before = { read: tcp.bytesRead, written: tcp.bytesWritten };
    const compressible = compressibleBytes(900_000);
    client.send(new BytesMessage({ data: compressible }));
    expect(firstDifference((await client.nextMessage()).data as Uint8Array, compressible)).toBeNull();
    expect(tcp.bytesWritten - before.written, "the client compressed").toBeLessThan(compressible.length / 4);
    expect(tcp.bytesRead - before.read, "the server compressed").toBeLessThan(compressible.length / 4);

    client.send(new BytesMessage({ data: compressibleBytes(5000), messageFinished: false }));
    client.send(new Ping({ payload: new Uint8Array([7]) }));
    client.send(new BytesMessage({ data: randomBytes(3000, 5), messageFinished: true }));
    const fragmented = await client.nextMessage();
    expect(fragmented.data.length).toBe(8000);
    expect((await client.nextOf("Pong")).payload).toEqual(new Uint8Array([7]));
    peer.send(new Ping({ payload: new Uint8Array([8]) }));
    expect((await peer.nextOf("Pong")).payload).toEqual(new Uint8Array([8]));

    await closeBoth(client, peer, 4000, "done");
    expectNoErrors(client, peer);
  });

  it("runs several WebSockets on one HTTP/2 session at once", async () => {
    const server = await listenHttp2();
    const session = connectSession(server.url);
    const clients = await Promise.all([1, 2, 3].map((n) => openClient(session, { path: `/room/${n}` })));
    const peers = await Promise.all(clients.map(() => server.nextEndpoint()));
    clients.forEach(({ endpoint }, n) => endpoint.send(new TextMessage({ data: `to stream ${n}` })));
    for (const [n, { endpoint }] of clients.entries()) expect(await endpoint.nextMessage()).toEqual({ kind: "text", data: `to stream ${n}` });
    expect(new Set(clients.map((c) => c.stream.id)).size).toBe(3);
    for (const [n, { endpoint }] of clients.entries()) {
      const peer = peers.find((p) => p.socket.id === endpoint.socket.id)!;
      await closeBoth(endpoint, peer, 1000, `bye ${n}`);
    }
    expect(session.closed).toBe(false);
  });

  it("closes from the server side, and reports a reset stream as 1006", async () => {
    const server = await listenHttp2();
    const session = connectSession(server.url);
    const { endpoint: client } = await openClient(session, { path: "/" });
    const peer = await server.nextEndpoint();
    peer.send(new CloseConnection({ code: 1001, reason: "going away" }));
    expect(await client.nextOf("CloseConnection")).toMatchObject({ code: 1001, reason: "going away" });
    expect(await peer.nextOf("CloseConnection")).toMatchObject({ code: 1001, reason: "going away" });
    await Promise.all([client.socketClosed, peer.socketClosed]);

    const { endpoint: second } = await openClient(session, { path: "/" });
    const secondPeer = await server.nextEndpoint();
    second.socket.close(http2.constants.NGHTTP2_CANCEL);
    expect(await secondPeer.nextOf("CloseConnection")).toMatchObject({ code: 1006 });
    expect(secondPeer.ws.state).toBe(ConnectionState.CLOSED);
  });

  it("refuses what is not an RFC 8441 WebSocket request", async () => {
    const server = await listenHttp2();
    const session = connectSession(server.url);
    const request = (headers: http2.OutgoingHttpHeaders) =>
      new Promise<number>((resolve) => {
        const stream = session.request(headers, { endStream: false });
        stream.once("response", (h) => resolve(Number(h[":status"])));
        stream.on("error", () => undefined);
        stream.resume();
      });
    expect(await request({ ":method": "GET", ":path": "/" })).toBe(400);
    expect(
      await request({ ":method": "CONNECT", ":protocol": "websocket", ":scheme": "http", ":path": "/", "sec-websocket-version": "8" }),
    ).toBe(400);
    expect(
      await request({
        ":method": "CONNECT",
        ":protocol": "websocket",
        ":scheme": "http",
        ":path": "/",
        "sec-websocket-version": "13",
        "sec-websocket-extensions": "permessage-deflate; =",
      }),
    ).toBe(400);
    expect(server.refused).toHaveLength(3);
  });

  it("fails on the client when the server does not enable extended CONNECT", async () => {
    const server = await listenHttp2({ enableConnectProtocol: false });
    const session = connectSession(server.url);
    await expect(connectWebSocket(session, { path: "/" })).rejects.toThrow(/SETTINGS_ENABLE_CONNECT_PROTOCOL/);
  });

  it("fails on the client when the server accepts an extension that was not offered", async () => {
    const server = await listenHttp2();
    const session = connectSession(server.url);
    await expect(connectWebSocket(session, { path: "/", extensions: [] })).resolves.toMatchObject({ subprotocol: null });
    // A server that answers with an extension the client did not offer.
    const rogue = http2.createServer({ settings: { enableConnectProtocol: true } });
    rogue.on("stream", (stream) => stream.respond({ ":status": 200, "sec-websocket-extensions": "permessage-deflate" }));
    await new Promise<void>((resolve) => rogue.listen(0, LOOPBACK, resolve));
    resources.add(() => new Promise<void>((resolve) => rogue.close(() => resolve())));
    const rogueSession = connectSession(`http://${LOOPBACK}:${(rogue.address() as AddressInfo).port}`);
    await expect(connectWebSocket(rogueSession, { path: "/", extensions: [] })).rejects.toBeInstanceOf(RemoteProtocolError);
  });
});

describe("RFC8441.md", () => {
  it("shows the code of rfc8441.ts verbatim", () => {
    const recipe = readFileSync(new URL("./RFC8441.md", import.meta.url), "utf8");
    const source = readFileSync(new URL("./rfc8441.ts", import.meta.url), "utf8");
    const blocks = [...recipe.matchAll(/```ts\n\/\/ test\/interop\/rfc8441\.ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const block of blocks) expect(source, `RFC8441.md block not in rfc8441.ts:\n${block}`).toContain(block);
  });
});
