/**
 * wstate against the `ws` package over loopback TCP, in both roles: messages of every
 * length class (0 B to 16 MiB), fragmentation, ping/pong, every way a connection ends,
 * subprotocols and rejections.
 */
import { describe, expect, it } from "vitest";
import {
  AcceptConnection,
  BytesMessage,
  CloseConnection,
  ConnectionState,
  Ping,
  RejectConnection,
  RejectData,
  TextMessage,
} from "../../src/index.js";
import {
  MiB,
  closeCleanly,
  compressibleBytes,
  concatBytes,
  connectWstate,
  expectNoErrors,
  firstDifference,
  listenWstate,
  openWstate,
  randomBytes,
  unicodeText,
  useResources,
} from "./helpers.js";
import { listenWs, openWs, wsRejection } from "./ws-peer.js";

const resources = useResources();

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One frame as bytes; a client's frames are masked (with a fixed key, so the bytes are known). */
function frame(firstByte: number, payload: readonly number[], masked: boolean): Buffer {
  const key = [0x37, 0xfa, 0x21, 0x3d];
  if (payload.length > 125) throw new Error("test frames stay short");
  const head = [firstByte, (masked ? 0x80 : 0) | payload.length, ...(masked ? key : [])];
  return Buffer.from([...head, ...payload.map((b, i) => (masked ? b ^ key[i % 4] : b))]);
}

/** Frames that break RFC 6455 in the way named, and the close code each must cause. */
function badFrames(fromClient: boolean): Array<[string, Buffer, number]> {
  const m = fromClient;
  return [
    [fromClient ? "an unmasked frame from a client" : "a masked frame from a server", frame(0x81, [0x68, 0x69], !m), 1002],
    ["a reserved opcode (0x3)", frame(0x83, [], m), 1002],
    ["RSV1 set with no extension agreed", frame(0xc1, [0x68], m), 1002],
    ["a fragmented Ping", frame(0x09, [], m), 1002],
    ["a continuation with no message begun", frame(0x80, [0x68], m), 1002],
    ["a Close with a one-byte payload", frame(0x88, [0x03], m), 1002],
    ["a Close with the code 1005, which is never sent", frame(0x88, [0x03, 0xed], m), 1002],
    ["text that is not UTF-8", frame(0x81, [0xce, 0xba, 0xff], m), 1007],
    ["a Close whose reason is not UTF-8", frame(0x88, [0x03, 0xe8, 0xc3, 0x28], m), 1007],
  ];
}

const SIZES = [0, 1, 125, 126, 127, 65535, 65536, 65537, 300_000];

describe("wstate server ↔ ws client", () => {
  it("echoes text and binary messages of every length class", async () => {
    const server = await listenWstate(resources);
    const { socket, inbox } = await openWs(resources, server.url);
    for (const size of SIZES) {
      const text = unicodeText(size);
      socket.send(text);
      const echoedText = await inbox.nextMessage();
      expect(echoedText.isBinary).toBe(false);
      expect(echoedText.data.toString("utf8")).toBe(text);

      const bytes = randomBytes(size, size + 1);
      socket.send(bytes);
      const echoed = await inbox.nextMessage();
      expect(echoed.isBinary).toBe(true);
      expect(firstDifference(echoed.data, bytes)).toBeNull();
    }
    socket.close(1000);
    expect(await inbox.closed).toEqual({ code: 1000, reason: "" });
    expectNoErrors(server.endpoints[0]);
  });

  it("echoes a 16 MiB binary message when maxMessageSize allows it", async () => {
    const server = await listenWstate(resources, { connection: { maxMessageSize: 20 * MiB } });
    const { socket, inbox } = await openWs(resources, server.url);
    const payload = randomBytes(16 * MiB, 16);
    socket.send(payload);
    const echoed = await inbox.nextMessage();
    expect(firstDifference(echoed.data, payload)).toBeNull();
    socket.close(1000);
    await inbox.closed;
    expectNoErrors(server.endpoints[0]);
  });

  it("closes with 1009 when a message exceeds the default 1 MiB limit", async () => {
    const server = await listenWstate(resources);
    const { socket, inbox } = await openWs(resources, server.url);
    socket.send(new Uint8Array(MiB + 1));
    expect((await inbox.closed).code).toBe(1009);
    const peer = server.endpoints[0];
    expect(peer.received.at(-1)).toMatchObject({ type: "CloseConnection", code: 1009 });
    expect(peer.ws.state).toBe(ConnectionState.CLOSED);
  });

  it("reassembles fragments sent by ws, with a Ping between them", async () => {
    const server = await listenWstate(resources);
    const { socket, inbox } = await openWs(resources, server.url);
    const peer = await server.nextEndpoint();
    socket.send("frag-1 é", { fin: false });
    socket.ping("between");
    socket.send("", { fin: false });
    socket.send(" frag-3 😀", { fin: true });
    socket.send(Buffer.from([1, 2]), { fin: false });
    socket.send(Buffer.from([3]), { fin: true });

    expect((await inbox.next("pong")).data.toString()).toBe("between");
    expect((await inbox.nextMessage()).data.toString("utf8")).toBe("frag-1 é frag-3 😀");
    expect(await inbox.nextMessage()).toEqual({ data: Buffer.from([1, 2, 3]), isBinary: true });

    const sequence = peer.received
      .filter((e) => e.type === "Ping" || ((e.type === "TextMessage" || e.type === "BytesMessage") && e.frameFinished))
      .map((e) => (e.type === "Ping" ? "Ping" : `${e.type}${(e as TextMessage).messageFinished ? "" : "+"}`));
    expect(sequence).toEqual(["TextMessage+", "Ping", "TextMessage+", "TextMessage", "BytesMessage+", "BytesMessage"]);
    socket.close();
    await inbox.closed;
    expectNoErrors(peer);
  });

  it("echoes 1000 small messages sent at once, in order", async () => {
    const server = await listenWstate(resources);
    const { socket, inbox } = await openWs(resources, server.url);
    for (let i = 0; i < 1000; i++) socket.send(i % 2 === 0 ? `message ${i}` : Buffer.from([i & 0xff, i >> 8]));
    for (let i = 0; i < 1000; i++) {
      const echoed = await inbox.nextMessage();
      if (i % 2 === 0) expect(echoed).toEqual({ data: Buffer.from(`message ${i}`), isBinary: false });
      else expect(echoed).toEqual({ data: Buffer.from([i & 0xff, i >> 8]), isBinary: true });
    }
    socket.close();
    await inbox.closed;
    expectNoErrors(server.endpoints[0]);
  });

  it("decodes code points split across text fragments, and fails (1007) on one left unfinished", async () => {
    const server = await listenWstate(resources);
    const { socket, inbox } = await openWs(resources, server.url);
    // "é€" is c3 a9 e2 82 ac: cut inside both characters.
    socket.send(Buffer.from([0xc3]), { binary: false, fin: false });
    socket.send(Buffer.from([0xa9, 0xe2, 0x82]), { binary: false, fin: false });
    socket.send(Buffer.from([0xac]), { binary: false, fin: true });
    expect(await inbox.nextMessage()).toEqual({ data: Buffer.from("é€"), isBinary: false });
    socket.send(Buffer.from([0x61, 0xe2, 0x82]), { binary: false, fin: true });
    expect((await inbox.closed).code).toBe(1007);
    expect(server.endpoints[0].received.at(-1)).toMatchObject({ type: "CloseConnection", code: 1007 });
  });

  it("closes with 1008 when a message has more than 4096 fragments", async () => {
    const server = await listenWstate(resources);
    const { socket, inbox } = await openWs(resources, server.url);
    for (let i = 0; i < 4097; i++) socket.send(Buffer.alloc(0), { fin: false });
    socket.send(Buffer.alloc(0), { fin: true });
    expect((await inbox.closed).code).toBe(1008);
    expect(server.endpoints[0].received.at(-1)).toMatchObject({ type: "CloseConnection", code: 1008 });
  });

  it("parses frames that arrive together with the request (before the 101)", async () => {
    const server = await listenWstate(resources);
    const client = await connectWstate(resources, server.port);
    // A client that does not wait for the 101: its frame follows the request at once.
    client.socket.write(frame(0x81, [...encoder.encode("eager")], true));
    expect(await client.nextOf("AcceptConnection")).toBeInstanceOf(AcceptConnection);
    expect(await client.nextMessage()).toEqual({ kind: "text", data: "eager" });
    await closeCleanly(client);
    expectNoErrors(client, server.endpoints[0]);
  });

  it("pings and pongs both ways", async () => {
    const server = await listenWstate(resources);
    const { socket, inbox } = await openWs(resources, server.url);
    const peer = await server.nextEndpoint();
    socket.ping(Buffer.from("ws → wstate"));
    expect((await inbox.next("pong")).data.toString()).toBe("ws → wstate");
    peer.send(new Ping({ payload: encoder.encode("wstate → ws") }));
    expect((await inbox.next("ping")).data.toString()).toBe("wstate → ws");
    expect(decoder.decode((await peer.nextOf("Pong")).payload)).toBe("wstate → ws");
    socket.close();
    await inbox.closed;
  });

  it.each([
    ["no code", undefined, undefined, 1005, ""],
    ["1000", 1000, undefined, 1000, ""],
    ["an application code and a reason", 4321, "done ✓", 4321, "done ✓"],
  ])("closes from ws with %s", async (_name, code, reason, expectedCode, expectedReason) => {
    const server = await listenWstate(resources);
    const { socket, inbox } = await openWs(resources, server.url);
    const peer = await server.nextEndpoint();
    socket.close(code, reason);
    expect(await inbox.closed).toEqual({ code: expectedCode, reason: expectedReason });
    await peer.socketClosed;
    expect(peer.received.at(-1)).toMatchObject({ type: "CloseConnection", code: expectedCode, reason: expectedReason });
    expect(peer.ws.state).toBe(ConnectionState.CLOSED);
    expectNoErrors(peer);
  });

  it("closes from wstate with a code and reason", async () => {
    const server = await listenWstate(resources);
    const { inbox } = await openWs(resources, server.url);
    const peer = await server.nextEndpoint();
    const reply = await closeCleanly(peer, 1001, "going away");
    expect(reply).toMatchObject({ code: 1001, reason: "going away" });
    expect(await inbox.closed).toEqual({ code: 1001, reason: "going away" });
    expect(peer.ws.state).toBe(ConnectionState.CLOSED);
  });

  it("closes with the longest reason a Close can carry (123 bytes of UTF-8)", async () => {
    const server = await listenWstate(resources);
    const { inbox } = await openWs(resources, server.url);
    const reason = "€".repeat(41);
    expect(await closeCleanly(await server.nextEndpoint(), 4999, reason)).toMatchObject({ code: 4999, reason });
    expect(await inbox.closed).toEqual({ code: 4999, reason });
  });

  it("answers ws's Close in the middle of a message wstate is sending", async () => {
    const server = await listenWstate(resources);
    const { socket, inbox } = await openWs(resources, server.url);
    const peer = await server.nextEndpoint();
    peer.send(new TextMessage({ data: "never finished", messageFinished: false }));
    socket.close(1000, "enough");
    expect(await inbox.closed).toEqual({ code: 1000, reason: "enough" });
    await peer.socketClosed;
    expect(peer.ws.state).toBe(ConnectionState.CLOSED);
    expectNoErrors(peer);
  });

  it("closes in the middle of a message ws is sending, and still takes its end", async () => {
    const server = await listenWstate(resources);
    const { socket, inbox } = await openWs(resources, server.url);
    const peer = await server.nextEndpoint();
    socket.send("begun ", { fin: false });
    expect(await peer.nextOf("TextMessage")).toMatchObject({ data: "begun ", messageFinished: false });
    socket.send("and ended", { fin: true });
    peer.send(new CloseConnection({ code: 1001, reason: "leaving" }));
    expect(await peer.nextOf("CloseConnection")).toMatchObject({ code: 1001, reason: "leaving" });
    expect(await inbox.closed).toEqual({ code: 1001, reason: "leaving" });
    expect(peer.received.filter((e) => e.type === "TextMessage").map((e) => (e as TextMessage).data).join("")).toBe("begun and ended");
    expect(peer.ws.state).toBe(ConnectionState.CLOSED);
    expectNoErrors(peer);
  });

  it.each(badFrames(true))("fails the connection on %s", async (_name, bytes, code) => {
    const server = await listenWstate(resources);
    const { raw, inbox } = await openWs(resources, server.url);
    const peer = await server.nextEndpoint();
    raw.write(bytes);
    expect((await inbox.closed).code).toBe(code);
    await peer.socketClosed;
    expect(peer.received.at(-1)).toMatchObject({ type: "CloseConnection", code });
    expect(peer.ws.state).toBe(ConnectionState.CLOSED);
    expectNoErrors(peer);
  });

  it("reports 1006 when ws drops the connection, and ws reports 1006 when wstate does", async () => {
    const server = await listenWstate(resources);
    const first = await openWs(resources, server.url);
    first.socket.terminate();
    const peer = await server.nextEndpoint();
    expect(await peer.nextOf("CloseConnection")).toMatchObject({ code: 1006 });
    expect(peer.ws.state).toBe(ConnectionState.CLOSED);

    const second = await openWs(resources, server.url);
    (await server.nextEndpoint()).abort();
    expect((await second.inbox.closed).code).toBe(1006);
  });

  it("negotiates a subprotocol from ws's list", async () => {
    const server = await listenWstate(resources, {
      onRequest: (request) => [new AcceptConnection({ subprotocol: request.subprotocols.includes("v1") ? "v1" : null })],
    });
    const { socket } = await openWs(resources, server.url, ["v2", "v1"]);
    expect(socket.protocol).toBe("v1");
    expect(server.endpoints[0].received[0]).toMatchObject({ type: "Request", subprotocols: ["v2", "v1"] });
    socket.close();
  });

  it("declines ws's permessage-deflate offer when the server runs no extension", async () => {
    const server = await listenWstate(resources);
    const { socket, inbox } = await openWs(resources, server.url, [], { perMessageDeflate: true });
    expect(server.endpoints[0].received[0]).toMatchObject({ extensions: ["permessage-deflate; client_max_window_bits"] });
    expect(socket.extensions).toBe("");
    socket.send("plain");
    expect((await inbox.nextMessage()).data.toString()).toBe("plain");
    socket.close();
  });

  it("rejects with a 403 and a body, which ws shows in unexpected-response", async () => {
    const server = await listenWstate(resources, {
      onRequest: () => [
        new RejectConnection({ statusCode: 403, headers: [["content-type", "text/plain"]], hasBody: true }),
        new RejectData({ data: encoder.encode("no entry"), bodyFinished: false }),
        new RejectData({ data: encoder.encode(" for you") }),
      ],
    });
    const rejection = await wsRejection(resources, server.url);
    expect(rejection).toMatchObject({ statusCode: 403, body: "no entry for you" });
    expect(rejection.headers["content-type"]).toBe("text/plain");
    expect(server.endpoints[0].ws.state).toBe(ConnectionState.CLOSED);
  });
});

describe("wstate client ↔ ws server", () => {
  it("exchanges text and binary messages of every length class, both ways", async () => {
    const wss = await listenWs(resources, { echo: true });
    const { endpoint: client } = await openWstate(resources, wss.port);
    for (const size of SIZES) {
      const text = unicodeText(size);
      client.send(new TextMessage({ data: text }));
      expect(await client.nextMessage()).toEqual({ kind: "text", data: text });
      const bytes = compressibleBytes(size);
      client.send(new BytesMessage({ data: bytes }));
      const echoed = await client.nextMessage();
      expect(echoed.kind).toBe("binary");
      expect(firstDifference(echoed.data as Uint8Array, bytes)).toBeNull();
    }
    await closeCleanly(client);
    expectNoErrors(client);
  });

  it("exchanges a 16 MiB text message when maxMessageSize allows it", async () => {
    const wss = await listenWs(resources, { echo: true });
    const { endpoint: client } = await openWstate(resources, wss.port, {}, { connection: { maxMessageSize: 40 * MiB } });
    const text = unicodeText(8 * MiB); // about 16 MiB of UTF-8
    client.send(new TextMessage({ data: text }));
    const echoed = await client.nextMessage();
    expect(echoed.kind).toBe("text");
    expect(echoed.data === text).toBe(true);
    await closeCleanly(client);
    expectNoErrors(client);
  });

  it("closes with 1009 when ws sends more than the default 1 MiB", async () => {
    const wss = await listenWs(resources);
    const { endpoint: client } = await openWstate(resources, wss.port);
    const { socket, inbox } = await wss.nextConnection();
    socket.send(new Uint8Array(MiB + 1));
    expect(await client.nextOf("CloseConnection")).toMatchObject({ code: 1009 });
    expect((await inbox.closed).code).toBe(1009);
    expect(client.ws.state).toBe(ConnectionState.CLOSED);
  });

  it("sends fragments with a Ping between them, and reassembles those ws sends", async () => {
    const wss = await listenWs(resources, { echo: true });
    const { endpoint: client } = await openWstate(resources, wss.port);
    const { socket, inbox } = await wss.nextConnection();

    client.send(new TextMessage({ data: "a-é", messageFinished: false }));
    client.send(new Ping({ payload: encoder.encode("mid") }));
    client.send(new TextMessage({ data: "-b", messageFinished: true }));
    expect(decoder.decode((await client.nextOf("Pong")).payload)).toBe("mid");
    expect(await client.nextMessage()).toEqual({ kind: "text", data: "a-é-b" });

    socket.send(Buffer.from([9, 8]), { fin: false });
    socket.ping("ws-mid");
    socket.send(Buffer.from([7]), { fin: true });
    expect(await client.nextMessage()).toEqual({ kind: "binary", data: new Uint8Array([9, 8, 7]) });
    expect((await inbox.next("pong")).data.toString()).toBe("ws-mid");
    const frames = client.received.filter((e) => e.type === "Ping" || (e.type === "BytesMessage" && e.frameFinished));
    expect(frames.map((e) => e.type)).toEqual(["BytesMessage", "Ping", "BytesMessage"]);
    await closeCleanly(client);
    expectNoErrors(client);
  });

  it("receives a message ws sends right behind its 101", async () => {
    const wss = await listenWs(resources);
    wss.server.on("connection", (socket) => socket.send("first words"));
    const { endpoint: client } = await openWstate(resources, wss.port);
    expect(await client.nextMessage()).toEqual({ kind: "text", data: "first words" });
    await closeCleanly(client);
    expectNoErrors(client);
  });

  it("closes from wstate with a reason, and from ws", async () => {
    const wss = await listenWs(resources);
    const { endpoint: client } = await openWstate(resources, wss.port);
    const { inbox } = await wss.nextConnection();
    expect(await closeCleanly(client, 4000, "bye")).toMatchObject({ code: 4000, reason: "bye" });
    expect(await inbox.closed).toEqual({ code: 4000, reason: "bye" });

    const { endpoint: second } = await openWstate(resources, wss.port);
    const peer = await wss.nextConnection();
    peer.socket.close(1001, "restarting");
    expect(await second.nextOf("CloseConnection")).toMatchObject({ code: 1001, reason: "restarting" });
    expect(await peer.inbox.closed).toEqual({ code: 1001, reason: "restarting" });
    await second.socketClosed;
    expect(second.ws.state).toBe(ConnectionState.CLOSED);
    expectNoErrors(client, second);
  });

  it.each(badFrames(false))("fails the connection on %s", async (_name, bytes, code) => {
    const wss = await listenWs(resources);
    const { endpoint: client } = await openWstate(resources, wss.port);
    const { raw, inbox } = await wss.nextConnection();
    raw.write(bytes);
    expect(await client.nextOf("CloseConnection")).toMatchObject({ code });
    expect((await inbox.closed).code).toBe(code);
    expect(client.ws.state).toBe(ConnectionState.CLOSED);
    expectNoErrors(client);
  });

  it("reports 1006 when ws drops the connection, and ws reports 1006 when wstate does", async () => {
    const wss = await listenWs(resources);
    const { endpoint: client } = await openWstate(resources, wss.port);
    (await wss.nextConnection()).socket.terminate();
    expect(await client.nextOf("CloseConnection")).toMatchObject({ code: 1006 });
    expect(client.ws.state).toBe(ConnectionState.CLOSED);

    const { endpoint: second } = await openWstate(resources, wss.port);
    const peer = await wss.nextConnection();
    second.abort();
    expect((await peer.inbox.closed).code).toBe(1006);
  });

  it("gets the subprotocol ws chose, or none", async () => {
    const wss = await listenWs(resources, { handleProtocols: (offered) => (offered.has("v1") ? "v1" : false) });
    const { accept } = await openWstate(resources, wss.port, { subprotocols: ["v2", "v1"] });
    expect(accept.subprotocol).toBe("v1");
    expect((await wss.nextConnection()).socket.protocol).toBe("v1");
    const { accept: none } = await openWstate(resources, wss.port, { subprotocols: ["v3"] });
    expect(none.subprotocol).toBeNull();
  });

  it("reads ws's rejection: status, headers and body", async () => {
    const wss = await listenWs(resources, { verifyClient: (_info, done) => done(false, 401, "Who are you?") });
    const client = await connectWstate(resources, wss.port);
    await client.socketClosed;
    const [reject, ...body] = client.received;
    expect(reject).toBeInstanceOf(RejectConnection);
    expect(reject).toMatchObject({ statusCode: 401, hasBody: true });
    expect((reject as RejectConnection).headers).toContainEqual(["content-type", "text/html"]);
    expect(decoder.decode(concatBytes((body as RejectData[]).map((d) => d.data)))).toBe("Who are you?");
    expect((body.at(-1) as RejectData).bodyFinished).toBe(true);
    expect(client.ws.state).toBe(ConnectionState.CLOSED);
    expectNoErrors(client);
  });

  it("sends a Close that ws accepts after a message of each kind (no leftover state)", async () => {
    const wss = await listenWs(resources);
    const { endpoint: client } = await openWstate(resources, wss.port);
    const { inbox } = await wss.nextConnection();
    client.send(new TextMessage({ data: "one" }));
    client.send(new BytesMessage({ data: new Uint8Array([1]) }));
    client.send(new CloseConnection({ code: 1000, reason: "end" }));
    expect((await inbox.nextMessage()).data.toString()).toBe("one");
    expect(await inbox.nextMessage()).toEqual({ data: Buffer.from([1]), isBinary: true });
    expect(await inbox.closed).toEqual({ code: 1000, reason: "end" });
    await client.socketClosed;
    expect(client.ws.state).toBe(ConnectionState.CLOSED);
  });
});
