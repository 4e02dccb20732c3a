/**
 * The adapter's client (`connect`, `NodeWebSocket`) against a `ws` server and against
 * hand-driven servers, over 127.0.0.1.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { WebSocket as WsSocket } from "ws";
import { ConnectionType } from "../../src/constants.js";
import { RemoteProtocolError } from "../../src/errors.js";
import { AcceptConnection, CloseConnection, type Request } from "../../src/events.js";
import { WSConnection } from "../../src/ws-connection.js";
import {
  connect,
  ConnectionRejectedError,
  HandshakeTimeoutError,
  type CloseInfo,
  type ConnectOptions,
  type NodeWebSocket,
} from "../../src/node/index.js";
import { afterTest, next, pattern, randomSplit, serverFrame, startOnServer, startTcpServer, startWsServer, writeApart } from "./helpers.js";

/** Connects and closes the socket after the test. */
async function open(url: string, options?: ConnectOptions): Promise<NodeWebSocket> {
  const ws = await connect(url, options);
  afterTest(() => ws.terminate());
  return ws;
}

async function closeInfo(ws: NodeWebSocket): Promise<CloseInfo> {
  return (await next<[CloseInfo]>(ws, "close"))[0];
}

/** A `ws` server that echoes every message, binary as binary. */
async function wsEcho(options: Parameters<typeof startWsServer>[0] = {}) {
  const started = await startWsServer(options);
  started.server.on("connection", (socket) => socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary })));
  return started;
}

/**
 * A hand-driven server on raw TCP: the engine answers the handshake; after that
 * `onOpen` gets the socket and decides every byte.
 */
async function rawServer(onOpen: (socket: Socket, engine: WSConnection) => void): Promise<string> {
  const { port } = await startTcpServer((socket) => {
    const engine = new WSConnection(ConnectionType.SERVER);
    const onData = (chunk: Buffer) => {
      engine.receiveData(chunk);
      for (const event of engine.events()) {
        if (event.type === "Request") {
          socket.write(engine.send(new AcceptConnection()));
          socket.off("data", onData);
          onOpen(socket, engine);
          return;
        }
      }
    };
    socket.on("data", onData);
  });
  return `ws://127.0.0.1:${port}/`;
}

describe("client against a ws server: messages", () => {
  it("sends and receives text and binary messages of 0 B to 1 MiB", async () => {
    const { url } = await wsEcho();
    const ws = await open(url);
    for (const size of [0, 1, 125, 126, 65535, 65536, 1024 * 1024]) {
      const bytes = pattern(size, size + 7);
      ws.send(bytes);
      const [echoed] = await next<[Buffer]>(ws, "message");
      expect(Buffer.isBuffer(echoed)).toBe(true);
      expect(Buffer.compare(echoed, bytes)).toBe(0);
      const text = Array.from("añ€😀".repeat(Math.ceil(size / 8))).slice(0, size / 4).join("");
      ws.send(text);
      expect(await next(ws, "message")).toEqual([text]);
    }
  });

  it("assembles a fragmented message from the server, a ping in between", async () => {
    const { server, url } = await startWsServer();
    server.on("connection", (socket) => {
      socket.send("frag", { fin: false });
      socket.send("men", { fin: false });
      socket.ping("between");
      socket.send("ted", { fin: true });
    });
    const ws = await open(url);
    const pinged = next<[Buffer]>(ws, "ping");
    expect(await next(ws, "message")).toEqual(["fragmented"]);
    expect((await pinged)[0].toString()).toBe("between");
  });

  it("refuses a message bigger than maxMessageSize with 1009", async () => {
    const { server, url } = await startWsServer();
    const closed = new Promise<number>((resolve) => server.on("connection", (socket) => socket.on("close", resolve)));
    server.on("connection", (socket) => socket.send(pattern(2048)));
    const ws = await open(url, { maxMessageSize: 1024 });
    ws.on("error", () => {});
    expect((await closeInfo(ws)).code).toBe(1009);
    expect(await closed).toBe(1009);
  });
});

describe("client: allocation", () => {
  it("builds a large masked frame in memory from Node's allocator (Buffer.allocUnsafe), and it arrives intact", async () => {
    const { url } = await wsEcho();
    const written: Uint8Array[] = [];
    const ws = await open(url, { observer: { bytesOut: (bytes) => written.push(bytes) } });
    const payload = pattern(70_000, 9);
    const echoed = next<[Buffer]>(ws, "message");
    ws.send(payload);
    expect((await echoed)[0].equals(payload)).toBe(true);
    const frame = written.find((bytes) => bytes.length === 70_000 + 14);
    expect(frame).toBeDefined();
    expect(Buffer.isBuffer(frame)).toBe(true);
  });
});

describe("client: handshake", () => {
  it("offers subprotocols and extra headers, and learns the chosen subprotocol", async () => {
    let offered: string[] = [];
    const { server, url, port } = await startWsServer({
      handleProtocols: (protocols) => ((offered = [...protocols]), protocols.has("v2") ? "v2" : false),
    });
    const headers = new Promise<Record<string, string | string[] | undefined>>((resolve) =>
      server.on("connection", (_socket, request) => resolve(request.headers)),
    );
    const ws = await open(`${url}/path?q=1`, {
      protocols: ["v1", "v2"],
      headers: { "X-Token": "abc" },
      origin: "https://app.example",
    });
    expect(offered).toEqual(["v1", "v2"]);
    expect(ws.protocol).toBe("v2");
    expect(ws.request?.target).toBe("/path?q=1");
    const seen = await headers;
    expect(seen["x-token"]).toBe("abc");
    expect(seen.origin).toBe("https://app.example");
    expect(seen.host).toBe(`127.0.0.1:${port}`);
  });

  it("negotiates permessage-deflate with ws when asked, and not otherwise", async () => {
    const { server, url } = await wsEcho({ perMessageDeflate: true });
    const extensions: string[] = [];
    server.on("connection", (socket: WsSocket) => extensions.push(socket.extensions));
    const plain = await open(url);
    expect(plain.extensions).toEqual([]);
    const compressed = await open(url, { perMessageDeflate: { clientMaxWindowBits: 12 } });
    expect(compressed.extensions.map((e) => e.name)).toEqual(["permessage-deflate"]);
    const text = "squeeze ".repeat(10_000);
    compressed.send(text);
    expect(await next(compressed, "message")).toEqual([text]);
    expect(extensions[0]).toBe("");
    expect(extensions[1]).toMatch(/^permessage-deflate/);
  });

  it("rejects with the status, headers and body when the server refuses", async () => {
    const { url } = await startWsServer({ verifyClient: (_info, done) => done(false, 401, "Unauthorized", { "X-Why": "no token" }) });
    const error = await connect(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionRejectedError);
    const rejected = error as ConnectionRejectedError;
    expect(rejected.statusCode).toBe(401);
    expect(rejected.body.toString()).toBe("Unauthorized");
    expect(rejected.headers).toContainEqual(["x-why", "no token"]);
  });

  it("rejects with a RemoteProtocolError when the 101 is not valid", async () => {
    const { port } = await startTcpServer((socket) =>
      socket.once("data", () => socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: wrong\r\n\r\n")),
    );
    const error = await connect(`ws://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteProtocolError);
    expect((error as Error).message).toMatch(/accept/i);
  });

  it("rejects with a HandshakeTimeoutError when the server never answers", async () => {
    const { port } = await startTcpServer(() => {});
    const error = await connect(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeTimeoutError);
    expect((error as HandshakeTimeoutError).timeout).toBe(100);
  });

  it("rejects with the transport's error when nobody listens", async () => {
    const { server, port } = await startTcpServer(() => {});
    await new Promise((resolve) => server.close(resolve));
    const error = await connect(`ws://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
  });

  it("rejects a server that closes before answering, or in the middle of its answer", async () => {
    for (const answer of ["", "HTTP/1.1 101 Switching"]) {
      const { port } = await startTcpServer((socket) => socket.once("data", () => socket.end(answer)));
      const error = await connect(`ws://127.0.0.1:${port}/`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteProtocolError);
      expect((error as Error).message).toMatch(/closed/);
    }
  });

  it("rejects a server that resets the connection during the handshake", async () => {
    const { port } = await startTcpServer((socket) => socket.once("data", () => socket.resetAndDestroy()));
    const error = await connect(`ws://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe("ECONNRESET");
  });

  it("refuses URLs it cannot honour, and bad options, before connecting", async () => {
    await expect(connect("ftp://127.0.0.1/")).rejects.toThrow(TypeError);
    await expect(connect("ws://127.0.0.1/#frag")).rejects.toThrow(/fragment/);
    await expect(connect("ws://user:pw@127.0.0.1/")).rejects.toThrow(/Authorization/);
    await expect(connect("ws://127.0.0.1/", { maxMessageSize: 0 })).rejects.toThrow(RangeError);
    await expect(connect("ws://127.0.0.1/", { protocols: ["bad protocol"] })).rejects.toThrow(/protocol/i);
    await expect(connect("ws://127.0.0.1/", { headers: [["Bad Header", "x"]] })).rejects.toThrow();
  });

  it("reads the 101 and the frames after it byte by byte and in random splits alike", async () => {
    for (const split of ["whole", "bytes", 1, 2, 3] as const) {
      const { port } = await startTcpServer((socket) => {
        const engine = new WSConnection(ConnectionType.SERVER);
        socket.on("data", (chunk) => {
          engine.receiveData(chunk);
          for (const event of engine.events()) {
            if (event.type === "CloseConnection") socket.end(); // the client's answer: the server closes TCP
            if (event.type !== "Request") continue;
            const bytes = Buffer.concat([
              engine.send(new AcceptConnection({ extraHeaders: [["X-Split", String(split)]] })),
              serverFrame(0x1, Buffer.from("spl"), false),
              serverFrame(0x9, Buffer.from("p")),
              serverFrame(0x0, Buffer.from("it")),
              serverFrame(0x2, Buffer.from([1, 2, 3])),
              serverFrame(0x8, Buffer.from([0x0f, 0xa0, 0x6f, 0x6b])),
            ]);
            const pieces = split === "whole" ? [bytes] : split === "bytes" ? [...bytes].map((b) => Uint8Array.of(b)) : randomSplit(bytes, split, 30);
            void writeApart(socket, pieces).catch(() => {});
          }
        });
      });
      const ws = await connect(`ws://127.0.0.1:${port}/`);
      afterTest(() => ws.terminate());
      const seen: unknown[] = [];
      ws.on("message", (data) => seen.push(typeof data === "string" ? data : [...data]));
      ws.on("ping", (payload) => seen.push(`ping ${payload.toString()}`));
      const info = await closeInfo(ws);
      expect(seen).toEqual(["ping p", "split", [1, 2, 3]]);
      expect(info).toEqual({ code: 4000, reason: "ok", wasClean: true });
    }
  });

  it("keeps messages that came in the same read as the 101 for the application", async () => {
    const url = await rawServer((socket) => socket.write(Buffer.concat([serverFrame(0x1, Buffer.from("early")), serverFrame(0x1, Buffer.from("bird"))])));
    // The 101 and the frames are written together: the frames must not be handed out
    // before the application could listen.
    const ws = await open(url);
    const messages: unknown[] = [];
    ws.on("message", (data) => messages.push(data));
    while (messages.length < 2) await next(ws, "message");
    expect(messages).toEqual(["early", "bird"]);
  });
});

describe("client: ping, pong and closing", () => {
  it("pings the server and answers its pings", async () => {
    const { server, url } = await startWsServer();
    const serverSide = new Promise<WsSocket>((resolve) => server.on("connection", resolve));
    const ws = await open(url);
    ws.ping("p1");
    expect((await next<[Buffer]>(ws, "pong"))[0].toString()).toBe("p1");
    const socket = await serverSide;
    socket.ping("p2");
    expect((await next<[Buffer]>(socket, "pong"))[0].toString()).toBe("p2");
  });

  it("closes normally and with a reason; the server's answer completes it", async () => {
    const { url } = await wsEcho();
    const first = await open(url);
    const closed = closeInfo(first);
    first.close();
    expect(await closed).toEqual({ code: 1000, reason: "", wasClean: true });
    const second = await open(url);
    second.close(4000, "see you");
    expect(await closeInfo(second)).toEqual({ code: 4000, reason: "see you", wasClean: true });
    expect(second.socket.destroyed).toBe(true);
  });

  it("answers the server's Close and waits for the server to end TCP", async () => {
    const { server, url } = await startWsServer();
    server.on("connection", (socket) => socket.close(4100, "server says bye"));
    const ws = await open(url);
    const closing = next<[CloseConnection]>(ws, "closing");
    const info = await closeInfo(ws);
    expect((await closing)[0]).toBeInstanceOf(CloseConnection);
    expect(info).toEqual({ code: 4100, reason: "server says bye", wasClean: true });
  });

  it("reports 1006 when the server goes away without a Close", async () => {
    const { server, url } = await startWsServer();
    server.on("connection", (socket) => socket.terminate());
    const ws = await open(url);
    expect(await closeInfo(ws)).toEqual({ code: 1006, reason: "", wasClean: false });
  });

  it("fails the connection with 1002 when the server breaks the protocol", async () => {
    const replies: CloseConnection[] = [];
    const url = await rawServer((socket, engine) => {
      socket.on("data", (chunk) => {
        engine.receiveData(chunk);
        for (const event of engine.events()) if (event instanceof CloseConnection) replies.push(event);
      });
      socket.write(Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69])); // masked: servers must not mask
    });
    const ws = await open(url);
    const errors: Error[] = [];
    ws.on("error", (error) => errors.push(error));
    const info = await closeInfo(ws);
    expect(info.code).toBe(1002);
    expect(info.wasClean).toBe(false);
    expect(errors[0]).toBeInstanceOf(RemoteProtocolError);
    expect(replies.map((close) => close.code)).toEqual([1002]);
  });

  it("destroys the socket when the server never answers the Close (close timeout)", async () => {
    const url = await rawServer((socket) => socket.resume()); // reads, never answers
    const ws = await open(url, { closeTimeout: 100 });
    ws.close(1000);
    expect(await closeInfo(ws)).toEqual({ code: 1006, reason: "", wasClean: false });
  });

  it("destroys the socket when the server answers the Close but never ends TCP", async () => {
    const url = await rawServer((socket, engine) => {
      socket.on("data", (chunk) => {
        engine.receiveData(chunk);
        for (const event of engine.events()) if (event instanceof CloseConnection) socket.write(engine.send(event.response()));
      });
    });
    const ws = await open(url, { closeTimeout: 100 });
    ws.close(1000, "done");
    // The closing handshake completed, so it was clean, though the server kept TCP open.
    expect(await closeInfo(ws)).toEqual({ code: 1000, reason: "done", wasClean: true });
  });

  it("drops sends after the closing handshake began, and refuses bad payloads", async () => {
    const { url } = await wsEcho();
    const ws = await open(url);
    expect(() => ws.ping(new Uint8Array(126))).toThrow(/125/);
    ws.close();
    expect(ws.send("late")).toBe(false);
    expect(ws.ping()).toBe(false);
    await closeInfo(ws);
  });
});

describe("client: backpressure", () => {
  it("send returns false for a server that does not read, and drain follows once it reads", async () => {
    let serverSocket: Socket | null = null;
    const url = await rawServer((socket) => {
      serverSocket = socket;
      socket.pause();
    });
    const ws = await open(url);
    const chunk = pattern(64 * 1024);
    let sent = 0;
    while (ws.send(chunk)) if (++sent > 4096) throw new Error("the socket never filled up");
    expect(ws.bufferedAmount).toBeGreaterThan(0);
    const drained = next(ws, "drain");
    serverSocket!.resume();
    await drained;
    expect(ws.bufferedAmount).toBe(0);
  });
});

const openssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!openssl)("wss: TLS both ways", () => {
  it("connects over TLS to the adapter's server on an https server", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wstate-tls-"));
    afterTest(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ], { stdio: "ignore" });
    const cert = readFileSync(join(dir, "cert.pem"));
    const { wss, port } = await startOnServer(createHttpsServer({ key: readFileSync(join(dir, "key.pem")), cert }), { perMessageDeflate: true });
    const requests: Request[] = [];
    wss.on("connection", (ws, request) => {
      requests.push(request);
      ws.on("message", (data) => ws.send(data));
    });
    const ws = await open(`wss://localhost:${port}/secure`, { tls: { ca: cert, host: "127.0.0.1" }, perMessageDeflate: true });
    ws.send("over TLS");
    expect(await next(ws, "message")).toEqual(["over TLS"]);
    expect(requests[0].target).toBe("/secure");
    expect(ws.extensions.map((e) => e.name)).toEqual(["permessage-deflate"]);
    ws.close();
    expect((await closeInfo(ws)).wasClean).toBe(true);
  });
});
