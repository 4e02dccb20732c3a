/**
 * The adapter's server (`createWebSocketServer`, `NodeWebSocket`) against the `ws`
 * package's client and against hand-driven peers, over 127.0.0.1.
 */
import { createServer as createHttpServer } from "node:http";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ConnectionType } from "../../src/constants.js";
import { RemoteProtocolError } from "../../src/errors.js";
import { BytesMessage, CloseConnection, Ping, Pong, Request } from "../../src/events.js";
import { WSConnection } from "../../src/ws-connection.js";
import {
  createWebSocketServer,
  HandshakeTimeoutError,
  type CloseInfo,
  type NodeWebSocket,
  type WebSocketServer,
  type WebSocketServerOptions,
} from "../../src/node/index.js";
import { afterTest, maskedFrame, next, pattern, randomSplit, rawClient, startOnServer, startServer, startTcpServer, tcp, writeApart } from "./helpers.js";

/** A `ws` client still connecting; errors ignored, terminated after the test. */
function wsAttempt(url: string, protocols: string[] = [], options: WebSocket.ClientOptions = {}): WebSocket {
  const client = new WebSocket(url, protocols, options);
  client.on("error", () => {});
  afterTest(() => client.terminate());
  return client;
}

/** A `ws` client, open. */
async function wsClient(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const client = wsAttempt(url, [], options);
  await next(client, "open");
  return client;
}

function echoing(wss: WebSocketServer): void {
  wss.on("connection", (ws) => ws.on("message", (data) => ws.send(data)));
}

async function nextConnection(wss: WebSocketServer): Promise<NodeWebSocket> {
  const [ws] = await next<[NodeWebSocket]>(wss, "connection");
  return ws;
}

/**
 * A server with `options`, a client that `connect` opens to it, and the server's side of
 * that connection (listened for before the client connects, so its event cannot pass unseen).
 */
async function pairWith<C>(options: Partial<WebSocketServerOptions>, connect: (server: { url: string; port: number }) => Promise<C>) {
  const { wss, url, port } = await startServer(options);
  const connection = nextConnection(wss);
  const client = await connect({ url, port });
  return { wss, url, client, ws: await connection };
}

/** A server and a `ws` client open to it: see `pairWith`. */
function openPair(options: Partial<WebSocketServerOptions> = {}) {
  return pairWith(options, ({ url }) => wsClient(url));
}

/** A server and a hand-driven client (`rawClient`) open to it: see `pairWith`. */
function openRawPair(options: Partial<WebSocketServerOptions> = {}) {
  return pairWith(options, ({ port }) => rawClient(port));
}

/** Writes `request` on a new connection to `port`; resolves with all the server answered (as latin1) once it closed. */
async function answerTo(port: number, request: string | Uint8Array): Promise<string> {
  const socket = await tcp(port);
  let response = "";
  socket.on("data", (chunk) => (response += chunk.toString("latin1")));
  const closed = next(socket, "close");
  socket.write(request);
  await closed;
  return response;
}

const SIZES = [0, 1, 125, 126, 65535, 65536, 1024 * 1024];

describe("server against the ws client: messages", () => {
  it("echoes text and binary messages of 0 B to 1 MiB, whole", async () => {
    const { wss, url } = await startServer();
    echoing(wss);
    const client = await wsClient(url);
    for (const size of SIZES) {
      const bytes = pattern(size, size + 1);
      client.send(bytes);
      const [data, isBinary] = await next<[Buffer, boolean]>(client, "message");
      expect(isBinary).toBe(true);
      expect(Buffer.compare(data, bytes)).toBe(0);
      const text = Array.from("ä€😀x".repeat(Math.ceil(size / 10))).slice(0, size / 4).join("");
      client.send(text);
      const [echoed, binary] = await next<[Buffer, boolean]>(client, "message");
      expect(binary).toBe(false);
      expect(echoed.toString("utf8")).toBe(text);
    }
  });

  it("hands out text as a string and binary as a Buffer", async () => {
    const { ws, client } = await openPair();
    client.send("héllo");
    expect(await next(ws, "message")).toEqual(["héllo"]);
    client.send(new Uint8Array([1, 2, 3]));
    const [bytes] = await next<[Buffer]>(ws, "message");
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect([...bytes]).toEqual([1, 2, 3]);
  });

  it("assembles fragmented messages, with a ping between fragments", async () => {
    const { ws, client } = await openPair();
    const received: unknown[] = [];
    ws.on("message", (data) => received.push(typeof data === "string" ? data : [...data]));
    client.send("Hel", { fin: false });
    client.send("lo ", { fin: false });
    client.ping("mid");
    client.send("world", { fin: true });
    client.send(new Uint8Array([1]), { fin: false, binary: true });
    client.send(new Uint8Array([]), { fin: false, binary: true });
    client.send(new Uint8Array([2, 3]), { fin: true, binary: true });
    await next(client, "pong");
    while (received.length < 2) await next(ws, "message");
    expect(received).toEqual(["Hello world", [1, 2, 3]]);
  });

  it("sends what the application sends: string as text, bytes as binary", async () => {
    const { ws, client } = await openPair();
    expect(ws.send("text")).toBe(true);
    expect(await next(client, "message")).toEqual([Buffer.from("text"), false]);
    ws.send(new Uint16Array([0x0201]));
    expect(await next(client, "message")).toEqual([Buffer.from([1, 2]), true]);
    ws.send(new Uint8Array([9]).buffer);
    expect(await next(client, "message")).toEqual([Buffer.from([9]), true]);
    expect(() => ws.send(42 as unknown as string)).toThrow(/send takes a string, a Uint8Array/);
  });
});

describe("server: ping and pong", () => {
  it("answers the client's ping by itself and reports it", async () => {
    const { ws, client } = await openPair();
    const pinged = next<[Buffer]>(ws, "ping");
    client.ping(Buffer.from("are you there"));
    const [[payload]] = await Promise.all([next<[Buffer]>(client, "pong"), pinged]);
    expect(payload.toString()).toBe("are you there");
    expect((await pinged)[0].toString()).toBe("are you there");
  });

  it("pings the client and reports its pong", async () => {
    const { ws } = await openPair();
    ws.ping("beat");
    expect((await next<[Buffer]>(ws, "pong"))[0].toString()).toBe("beat");
  });

  it("leaves pongs to the application when autoPong is off", async () => {
    const { ws, client } = await openRawPair({ autoPong: false });
    const pinged = next<[Buffer]>(ws, "ping");
    client.socket.write(client.engine.send(new Ping({ payload: Buffer.from("1") })));
    await pinged;
    ws.pong("own");
    const pong = (await client.waitFor((e) => e instanceof Pong)) as Pong;
    expect(Buffer.from(pong.payload).toString()).toBe("own");
    expect(client.events.filter((e) => e instanceof Pong)).toHaveLength(1);
  });
});

describe("server: closing", () => {
  async function closeInfo(ws: NodeWebSocket): Promise<CloseInfo> {
    return (await next<[CloseInfo]>(ws, "close"))[0];
  }

  it("client closes normally: the close is echoed and the server ends TCP", async () => {
    const { wss, ws, client } = await openPair();
    const closing = next<[CloseConnection]>(ws, "closing");
    const closed = closeInfo(ws);
    client.close(1000);
    const [code, reason] = await next<[number, Buffer]>(client, "close");
    expect([code, reason.toString()]).toEqual([1000, ""]);
    expect((await closing)[0].code).toBe(1000);
    expect(await closed).toEqual({ code: 1000, reason: "", wasClean: true });
    expect(ws.state).toBe("CLOSED");
    expect(wss.clients.size).toBe(0);
  });

  it("a connection has left wss.clients when its close event comes", async () => {
    const { wss, ws, client } = await openPair();
    expect(wss.clients.has(ws)).toBe(true);
    const member = new Promise<boolean>((resolve) => ws.once("close", () => resolve(wss.clients.has(ws))));
    client.close(1000);
    expect(await member).toBe(false);
  });

  it("client closes with a reason", async () => {
    const { ws, client } = await openPair();
    const closed = closeInfo(ws);
    client.close(4001, "gone fishing");
    expect(await closed).toEqual({ code: 4001, reason: "gone fishing", wasClean: true });
    const [code, reason] = await next<[number, Buffer]>(client, "close");
    expect([code, reason.toString()]).toEqual([4001, "gone fishing"]);
  });

  it("server closes with a code and reason; the client's answer completes it", async () => {
    const { ws, client } = await openPair();
    const closed = closeInfo(ws);
    ws.close(4002, "bye now");
    expect(ws.state).toBe("LOCAL_CLOSING");
    expect(ws.send("late")).toBe(false);
    const [code, reason] = await next<[number, Buffer]>(client, "close");
    expect([code, reason.toString()]).toEqual([4002, "bye now"]);
    expect(await closed).toEqual({ code: 4002, reason: "bye now", wasClean: true });
  });

  it("refuses an illegal close code with a LocalProtocolError and stays open", async () => {
    const { ws } = await openPair();
    expect(() => ws.close(1006)).toThrow(/1006/);
    expect(ws.state).toBe("OPEN");
  });

  it("fails the connection with 1002 on a protocol error and reports it", async () => {
    const { ws, client } = await openRawPair();
    const errors: Error[] = [];
    ws.on("error", (error) => errors.push(error));
    const closed = closeInfo(ws);
    client.socket.write(maskedFrame(0x3, Buffer.from("reserved opcode")));
    const close = (await client.waitFor((e) => e instanceof CloseConnection)) as CloseConnection;
    expect(close.code).toBe(1002);
    expect((await closed).code).toBe(1002);
    expect((await closed).wasClean).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RemoteProtocolError);
  });

  it("a protocol error without an error listener does not throw", async () => {
    const { ws, client } = await openRawPair();
    const closed = closeInfo(ws);
    client.socket.write(maskedFrame(0x1, Buffer.from([0xff])));
    expect((await closed).code).toBe(1007);
  });

  it("reports 1006 when the client vanishes without a Close (abnormal EOF and reset)", async () => {
    const { wss, port } = await startServer();
    for (const vanish of ["end", "destroy"] as const) {
      const connection = nextConnection(wss);
      const client = await rawClient(port);
      const ws = await connection;
      ws.on("error", () => {});
      const closed = closeInfo(ws);
      if (vanish === "end") client.socket.end();
      else client.socket.resetAndDestroy();
      expect(await closed).toEqual({ code: 1006, reason: "", wasClean: false });
    }
  });

  it("destroys the socket when the client never answers the Close (close timeout)", async () => {
    const { ws, client } = await openRawPair({ closeTimeout: 100 });
    client.socket.removeAllListeners("data"); // reads, never answers
    ws.close(1000, "hello?");
    const info = await closeInfo(ws);
    expect(info).toEqual({ code: 1006, reason: "", wasClean: false });
    expect(ws.socket.destroyed).toBe(true);
  });

  it("replies to the client's Close only when told, with autoCloseReply off", async () => {
    const { ws, client } = await openRawPair({ autoCloseReply: false });
    const closing = next<[CloseConnection]>(ws, "closing");
    client.socket.write(client.engine.send(new CloseConnection({ code: 4005, reason: "r" })));
    await closing;
    expect(ws.state).toBe("REMOTE_CLOSING");
    expect(client.events.some((e) => e instanceof CloseConnection)).toBe(false);
    ws.close();
    const reply = (await client.waitFor((e) => e instanceof CloseConnection)) as CloseConnection;
    expect([reply.code, reply.reason]).toEqual([4005, "r"]);
    expect((await closeInfo(ws)).wasClean).toBe(true);
  });

  it("close() on the server says 1001 to every client and resolves once all are closed", async () => {
    const { wss, url } = await startServer();
    const clients = [await wsClient(url), await wsClient(url)];
    while (wss.clients.size < 2) await next(wss, "connection");
    const codes = clients.map((client) => next<[number]>(client, "close"));
    await wss.close();
    expect((await Promise.all(codes)).map(([code]) => code)).toEqual([1001, 1001]);
    expect(wss.clients.size).toBe(0);
  });
});

describe("server: handshake", () => {
  it("hands out the Request as received, the same on the HTTP upgrade and the raw socket paths", async () => {
    const key = "dGhlIHNhbXBsZSBub25jZQ==";
    const head =
      "GET /chat?room=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n" +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSEC-WEBSOCKET-PROTOCOL: chat\r\nX-Custom: Some Value\r\n\r\n`;
    async function requestVia(port: number, wss: WebSocketServer): Promise<Request> {
      const connection = next<[NodeWebSocket, Request]>(wss, "connection");
      (await tcp(port)).write(head);
      const [ws, request] = await connection;
      expect(ws.request).toBeNull(); // a server's connection keeps nothing of its Request
      return request;
    }
    const own = await startServer();
    const raw = createWebSocketServer({ allowAnyOrigin: true });
    afterTest(() => raw.close());
    const { port } = await startTcpServer((socket) => raw.handleSocket(socket));
    for (const request of [await requestVia(own.port, own.wss), await requestVia(port, raw)]) {
      expect([request.host, request.target, request.subprotocols]).toEqual(["127.0.0.1", "/chat?room=1", ["chat"]]);
      expect(request.extraHeaders).toEqual([
        ["upgrade", "WebSocket"],
        ["connection", "keep-alive, Upgrade"],
        ["sec-websocket-key", key],
        ["sec-websocket-version", "13"],
        ["x-custom", "Some Value"],
      ]);
    }
  });

  it("close() ends connections still in their opening handshake", async () => {
    const wss = createWebSocketServer({ allowAnyOrigin: true, handshakeTimeout: 0 });
    let adopted!: () => void;
    const handed = new Promise<void>((resolve) => (adopted = resolve));
    const { port } = await startTcpServer((socket) => {
      wss.handleSocket(socket);
      adopted();
    });
    const socket = await tcp(port);
    const closed = next(socket, "close");
    socket.resume();
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n"); // and never the rest
    await handed;
    await wss.close();
    await closed;
  });

  it("raw socket: destroys a client that never finishes its request after handshakeTimeout", async () => {
    const wss = createWebSocketServer({ allowAnyOrigin: true, handshakeTimeout: 100 });
    const { port } = await startTcpServer((socket) => wss.handleSocket(socket));
    const failed = next<[Error]>(wss, "handshakeError");
    const socket = await tcp(port);
    const closed = next(socket, "close");
    socket.resume();
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n"); // and never the rest
    const [error] = await failed;
    expect(error).toBeInstanceOf(HandshakeTimeoutError);
    await closed;
  });

  it("own HTTP server: a request head that never ends gets 408 after handshakeTimeout", async () => {
    const { port } = await startServer({ handshakeTimeout: 100 });
    const response = await answerTo(port, "GET / HTTP/1.1\r\nHost: x\r\n");
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("answers a bad request with the engine's status and reports it", async () => {
    const { wss, port } = await startServer();
    const failed = next<[Error]>(wss, "handshakeError");
    const response = await answerTo(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    expect(response).toMatch(/^HTTP\/1\.1 426 /);
    expect(response).toMatch(/Sec-WebSocket-Version: 13/i);
    expect((await failed)[0]).toBeInstanceOf(RemoteProtocolError);
  });

  it("answers 404 outside its path and 405 for another method", async () => {
    const { url } = await startServer({ path: "/chat" });
    const wrong = wsAttempt(`${url}/other`);
    const [, response] = await next<[unknown, { statusCode: number }]>(wrong, "unexpected-response");
    expect(response.statusCode).toBe(404);
    const right = await wsClient(`${url}/chat?room=1`);
    expect(right.readyState).toBe(WebSocket.OPEN);
  });

  it("answers a non-GET upgrade with 405 on an HTTP server", async () => {
    const { port } = await startOnServer(createHttpServer());
    const response = await answerTo(port, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 0\r\n\r\n");
    expect(response).toMatch(/^HTTP\/1\.1 405 /);
    expect(response).toMatch(/\r\nAllow: GET\r\n/i);
  });

  it("lets handleProtocols choose the subprotocol", async () => {
    const { wss, url, client, ws: first } = await openPair({ handleProtocols: (offered) => (offered.includes("b") ? "b" : null) });
    expect(client.protocol).toBe("");
    expect(first.protocol).toBeNull();
    const second = nextConnection(wss);
    const chat = wsAttempt(url, ["a", "b"]);
    await next(chat, "open");
    expect(chat.protocol).toBe("b");
    expect((await second).protocol).toBe("b");
  });

  it("answers 500 when handleProtocols picks a subprotocol the client did not offer", async () => {
    const { wss, url } = await startServer({ handleProtocols: () => "nope" });
    const failed = next<[Error]>(wss, "handshakeError");
    const client = wsAttempt(url, ["a"]);
    const [, response] = await next<[unknown, { statusCode: number }]>(client, "unexpected-response");
    expect(response.statusCode).toBe(500);
    expect((await failed)[0].message).toMatch(/unexpected subprotocol nope/);
  });

  it("negotiates permessage-deflate with ws and compresses on the wire", async () => {
    const firstBytes: number[] = [];
    const { wss, url } = await startServer({
      perMessageDeflate: true,
      observe: () => ({ bytesOut: (bytes) => firstBytes.push(bytes[0]) }),
    });
    echoing(wss);
    const client = await wsClient(url, { perMessageDeflate: true });
    expect(client.extensions).toMatch(/^permessage-deflate/);
    const text = "compress me ".repeat(5000);
    client.send(text);
    const [echoed] = await next<[Buffer]>(client, "message");
    expect(echoed.toString()).toBe(text);
    // The 101 head starts with "H"; the echoed frame is a final text frame with RSV1 set.
    expect(firstBytes.at(-1)).toBe(0x80 | 0x40 | 0x1);
    const [ws] = [...wss.clients];
    expect(ws.extensions.map((e) => e.name)).toEqual(["permessage-deflate"]);
  });

  it("does not offer permessage-deflate unless asked", async () => {
    const { url } = await startServer();
    const client = await wsClient(url, { perMessageDeflate: true });
    expect(client.extensions).toBe("");
  });
});

describe("server: bytes in any split, and bytes with the request", () => {
  /** A request and two masked frames ("hi", then a Close) in one byte string. */
  function requestWithFrames(port: number): { bytes: Buffer; client: WSConnection } {
    const client = new WSConnection(ConnectionType.CLIENT);
    const request = client.send(new Request({ host: `127.0.0.1:${port}`, target: "/" }));
    return { bytes: Buffer.concat([request, maskedFrame(0x1, Buffer.from("hi")), maskedFrame(0x8, Buffer.from([0x03, 0xe8]))]), client };
  }

  async function exchange(port: number, wss: WebSocketServer, split: (bytes: Buffer) => Uint8Array[]): Promise<unknown[]> {
    const seen: unknown[] = [];
    wss.once("connection", (ws) => {
      ws.on("message", (data) => seen.push(data));
      ws.on("close", (info) => seen.push(info));
    });
    const socket = await tcp(port);
    socket.resume(); // read (and drop) the answer, or its end never comes
    const closed = next(socket, "close");
    const { bytes } = requestWithFrames(port);
    await writeApart(socket, split(bytes));
    await closed;
    while (seen.length < 2) await new Promise((resolve) => setImmediate(resolve));
    return seen;
  }

  const expected = ["hi", { code: 1000, reason: "", wasClean: true }];

  it("raw socket path: the request and frames in one write, byte by byte, and in random splits", async () => {
    const wss = createWebSocketServer({ allowAnyOrigin: true });
    const { port } = await startTcpServer((socket) => wss.handleSocket(socket));
    expect(await exchange(port, wss, (bytes) => [bytes])).toEqual(expected);
    expect(await exchange(port, wss, (bytes) => [...bytes].map((b) => Uint8Array.of(b)))).toEqual(expected);
    for (const seed of [1, 2, 3]) expect(await exchange(port, wss, (bytes) => randomSplit(bytes, seed, 40))).toEqual(expected);
  });

  it("HTTP upgrade path: frames that came with the request (head) are not lost", async () => {
    const http = createHttpServer();
    const { wss, port } = await startOnServer(http);
    let heads = 0;
    http.prependListener("upgrade", (_req, _socket, head: Buffer) => (heads += head.length));
    expect(await exchange(port, wss, (bytes) => [bytes])).toEqual(expected);
    expect(heads).toBeGreaterThan(0);
    expect(await exchange(port, wss, (bytes) => [...bytes].map((b) => Uint8Array.of(b)))).toEqual(expected);
    for (const seed of [4, 5]) expect(await exchange(port, wss, (bytes) => randomSplit(bytes, seed, 40))).toEqual(expected);
  });
});

describe("server: backpressure", () => {
  it("send returns false for a client that does not read, and drain follows once it reads", async () => {
    const { ws, client } = await openRawPair();
    client.socket.pause();
    const chunk = pattern(64 * 1024);
    let sent = 0;
    while (ws.send(chunk)) {
      sent++;
      if (sent > 4096) throw new Error("the socket never filled up");
    }
    expect(ws.bufferedAmount).toBeGreaterThan(0);
    const drained = next(ws, "drain");
    client.socket.resume();
    await drained;
    expect(ws.bufferedAmount).toBe(0);
    const messages = await client.waitFor(() => client.events.filter((e) => e instanceof BytesMessage && e.messageFinished).length === sent + 1);
    expect(messages).toBeDefined();
  });
});

describe("server: options", () => {
  it("requires exactly one Origin policy", () => {
    expect(() => createWebSocketServer({} as never)).toThrow(/allowedOrigins.*checkOrigin.*allowAnyOrigin/);
    expect(() => createWebSocketServer({ allowAnyOrigin: false } as never)).toThrow(TypeError);
    expect(() => createWebSocketServer({ allowAnyOrigin: true, allowedOrigins: [] })).toThrow(/one Origin policy/);
    expect(() => createWebSocketServer({ allowedOrigins: "https://a" as never })).toThrow(/array/);
  });

  it("refuses bad limits and timeouts at construction", () => {
    expect(() => createWebSocketServer({ allowAnyOrigin: true, maxMessageSize: 2 ** 31 })).toThrow(RangeError);
    expect(() => createWebSocketServer({ allowAnyOrigin: true, maxHeaders: 0 })).toThrow();
    expect(() => createWebSocketServer({ allowAnyOrigin: true, closeTimeout: -1 })).toThrow(RangeError);
    expect(() => createWebSocketServer({ allowAnyOrigin: true, handshakeTimeout: 1.5 })).toThrow(RangeError);
    expect(() => createWebSocketServer({ allowAnyOrigin: true, autoPong: "yes" as never })).toThrow(TypeError);
    expect(() => createWebSocketServer({ allowAnyOrigin: true, perMessageDeflate: { serverMaxWindowBits: 8 } })).toThrow(/9 to 15/);
    expect(() => createWebSocketServer({ allowAnyOrigin: true, path: "chat" })).toThrow(/path/);
  });

  it("answers 403 to an origin outside allowedOrigins, and lets a listed or absent one in", async () => {
    const { wss, url } = await startServer({ allowAnyOrigin: undefined, allowedOrigins: ["https://good.example"] });
    const failed = next<[Error]>(wss, "handshakeError");
    const evil = wsAttempt(url, [], { origin: "https://evil.example" });
    const [, response] = await next<[unknown, { statusCode: number }]>(evil, "unexpected-response");
    expect(response.statusCode).toBe(403);
    expect((await failed)[0].message).toMatch(/Origin not allowed/);
    await wsClient(url, { origin: "HTTPS://GOOD.example" });
    await wsClient(url);
  });

  it("applies checkOrigin on the raw socket path too", async () => {
    const seen: Array<string | null> = [];
    const { port } = await startServer({ allowAnyOrigin: undefined, checkOrigin: (origin) => (seen.push(origin), false) });
    const client = new WSConnection(ConnectionType.CLIENT);
    const response = await answerTo(port, client.send(new Request({ host: "127.0.0.1", target: "/", extraHeaders: [["Origin", "https://x.example"]] })));
    expect(response).toMatch(/^HTTP\/1\.1 403 /);
    expect(seen).toEqual(["https://x.example"]);
  });
});

describe("server: observing", () => {
  it("the observer sees the request head, bytes and events both ways, and the inspection stream", async () => {
    const seen: string[] = [];
    const { wss, url } = await startServer({
      observe: () => ({
        bytesIn: (bytes) => seen.push(`in ${Buffer.from(bytes).toString("latin1").slice(0, 3)}`),
        eventIn: (event) => seen.push(`event in ${event.type}`),
        eventOut: (event) => seen.push(`event out ${event.type}`),
        inspect: (event) => {
          if (event.type === "@xstate.event" && !event.event.type.startsWith("xstate.")) seen.push(`machine ${event.event.type}`);
        },
      }),
    });
    echoing(wss);
    const client = await wsClient(url);
    client.send("x");
    await next(client, "message");
    client.close();
    await next(client, "close");
    expect(seen.filter((line) => !line.startsWith("in ") || line.startsWith("in GET"))).toEqual([
      "in GET",
      "machine REQUEST_RECEIVED",
      "event in Request",
      "machine SEND_ACCEPT",
      "event out AcceptConnection",
      "event in TextMessage",
      "event out TextMessage",
      "machine CLOSE_RECEIVED",
      "event in CloseConnection",
      "machine SEND_CLOSE",
      "event out CloseConnection",
    ]);
  });
});

describe("server: zero-copy data path", () => {
  it("unmasks a socket chunk where it lies: the message is a view of the chunk read", async () => {
    const { ws, client } = await openPair();
    const chunks: Buffer[] = [];
    ws.socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    const sent = pattern(1000);
    client.send(sent);
    const [data] = await next<[Buffer]>(ws, "message");
    expect(data.equals(sent)).toBe(true);
    expect(chunks.some((chunk) => chunk.buffer === data.buffer)).toBe(true);
  });

  it("leaves the bytes an observer saw as they came, masked, when it watches bytesIn", async () => {
    const kept: Uint8Array[] = [];
    const { ws, client } = await openPair({ observe: () => ({ bytesIn: (bytes) => kept.push(bytes) }) });
    const sent = pattern(1000, 7);
    client.send(sent);
    await next(ws, "message");
    // The frame: 82 fe 03 e8, the key, the masked payload — still masked in what was kept.
    const wire = Buffer.concat(kept);
    const at = wire.indexOf(Buffer.from([0x82, 0xfe, 0x03, 0xe8]));
    expect(at).toBeGreaterThanOrEqual(0);
    const key = wire.subarray(at + 4, at + 8);
    const unmasked = wire.subarray(at + 8, at + 1008).map((byte, i) => byte ^ key[i & 3]);
    expect(Buffer.from(unmasked).equals(sent)).toBe(true);
  });

  it("writes a binary payload after its header without copying it", async () => {
    const written: Uint8Array[] = [];
    const { ws, client } = await openPair({ observe: () => ({ bytesOut: (bytes) => written.push(bytes) }) });
    const payload = pattern(70000, 3);
    const received = next<[Buffer]>(client, "message");
    ws.send(payload);
    expect((await received)[0].equals(payload)).toBe(true);
    const at = written.indexOf(payload);
    expect(at).toBeGreaterThan(0);
    expect(Buffer.from(written[at - 1]).toString("hex")).toBe("827f0000000000011170");
  });
});
