/**
 * wstate against itself over a real loopback TCP socket: a client `WSConnection` and a
 * server `WSConnection`, each fed what its socket reads — whole, cut at random, and byte
 * by byte — so that every exchange below is checked under three chunkings.
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
  type AnyEvent,
} from "../../src/index.js";
import {
  closeCleanly,
  concatBytes,
  connectWstate,
  expectNoErrors,
  firstDifference,
  listenWstate,
  openWstate,
  randomBytes,
  unicodeText,
  useResources,
  type Feed,
} from "./helpers.js";

const resources = useResources();

const encoder = new TextEncoder();

function types(events: readonly AnyEvent[]): string[] {
  return events.map((event) => event.type);
}

describe.each<Feed>(["whole", "random", "bytewise"])("wstate client ↔ wstate server over TCP, fed %s", (feed) => {
  /** A server, a client open to it, and the server's endpoint of that connection: all fed `feed`. */
  async function openPair() {
    const server = await listenWstate(resources, { feed });
    const { endpoint: client } = await openWstate(resources, server.port, {}, { feed });
    return { server, client, peer: await server.nextEndpoint() };
  }

  it("negotiates a subprotocol: the server picks the one it supports from the client's list", async () => {
    const server = await listenWstate(resources, {
      feed,
      onRequest: (request) => [new AcceptConnection({ subprotocol: request.subprotocols.find((p) => p === "chat.v1") ?? null })],
    });
    const { endpoint: client, accept } = await openWstate(resources, server.port, { subprotocols: ["chat.v2", "chat.v1"] }, { feed });
    const peer = await server.nextEndpoint();

    expect(accept.subprotocol).toBe("chat.v1");
    expect(peer.received[0]).toMatchObject({ type: "Request", subprotocols: ["chat.v2", "chat.v1"], target: "/" });
    expect(peer.sentHeaders("sec-websocket-protocol")).toEqual(["chat.v1"]);
    expect(client.ws.state).toBe(ConnectionState.OPEN);
    expect(peer.ws.state).toBe(ConnectionState.OPEN);

    await closeCleanly(client);
    expectNoErrors(client, peer);
  });

  it("opens without a subprotocol when the server supports none of those offered", async () => {
    const server = await listenWstate(resources, { feed });
    const { endpoint: client, accept } = await openWstate(resources, server.port, { subprotocols: ["x", "y"] }, { feed });
    expect(accept.subprotocol).toBeNull();
    expect((await server.nextEndpoint()).sentHeaders("sec-websocket-protocol")).toEqual([]);
    await closeCleanly(client);
  });

  it("echoes text, binary and empty messages unchanged", async () => {
    const { client, peer } = await openPair();
    const text = unicodeText(feed === "bytewise" ? 300 : 70_000);
    const binary = randomBytes(feed === "bytewise" ? 300 : 70_000);

    client.send(new TextMessage({ data: "hello" }));
    client.send(new TextMessage({ data: text }));
    client.send(new TextMessage({ data: "" }));
    client.send(new BytesMessage({ data: binary }));
    client.send(new BytesMessage({ data: new Uint8Array(0) }));

    expect(await client.nextMessage()).toEqual({ kind: "text", data: "hello" });
    expect(await client.nextMessage()).toEqual({ kind: "text", data: text });
    expect(await client.nextMessage()).toEqual({ kind: "text", data: "" });
    const echoed = await client.nextMessage();
    expect(echoed.kind).toBe("binary");
    expect(firstDifference(echoed.data as Uint8Array, binary)).toBeNull();
    expect(await client.nextMessage()).toEqual({ kind: "binary", data: new Uint8Array(0) });

    await closeCleanly(client);
    expectNoErrors(client, peer);
  });

  it("carries fragmented messages: the receiver sees each fragment end and the message end", async () => {
    const { client, peer } = await openPair();

    client.send(new TextMessage({ data: "héllo ", messageFinished: false }));
    client.send(new TextMessage({ data: "", messageFinished: false }));
    client.send(new TextMessage({ data: "wörld 😀", messageFinished: true }));
    client.send(new BytesMessage({ data: new Uint8Array([1, 2, 3]), messageFinished: false }));
    client.send(new BytesMessage({ data: new Uint8Array([4, 5]), messageFinished: true }));

    expect(await client.nextMessage()).toEqual({ kind: "text", data: "héllo wörld 😀" });
    expect(await client.nextMessage()).toEqual({ kind: "binary", data: new Uint8Array([1, 2, 3, 4, 5]) });

    // The server saw three text frames and two binary frames, whatever the chunking.
    const frameEnds = peer.received.filter(
      (e): e is TextMessage | BytesMessage => (e instanceof TextMessage || e instanceof BytesMessage) && e.frameFinished,
    );
    expect(frameEnds.map((e) => [e.type, e.messageFinished])).toEqual([
      ["TextMessage", false],
      ["TextMessage", false],
      ["TextMessage", true],
      ["BytesMessage", false],
      ["BytesMessage", true],
    ]);
    await closeCleanly(client);
    expectNoErrors(client, peer);
  });

  it("answers pings with pongs carrying the same payload, both ways", async () => {
    const { client, peer } = await openPair();

    client.send(new Ping({ payload: encoder.encode("from client") }));
    expect((await client.nextOf("Pong")).payload).toEqual(encoder.encode("from client"));
    peer.send(new Ping({ payload: new Uint8Array(125).fill(0xab) }));
    expect((await peer.nextOf("Pong")).payload).toEqual(new Uint8Array(125).fill(0xab));
    expect(types(client.received)).toEqual(["AcceptConnection", "Pong", "Ping"]);

    await closeCleanly(client);
    expectNoErrors(client, peer);
  });

  it("closes from the client: the server sees the code and reason and replies; both end CLOSED", async () => {
    const { client, peer } = await openPair();

    const reply = await closeCleanly(client, 4000, "bye ✓");
    expect(reply).toMatchObject({ code: 4000, reason: "bye ✓" });
    await peer.socketClosed;
    expect(peer.received.at(-1)).toMatchObject({ type: "CloseConnection", code: 4000, reason: "bye ✓" });
    expect(client.ws.state).toBe(ConnectionState.CLOSED);
    expect(peer.ws.state).toBe(ConnectionState.CLOSED);
    expectNoErrors(client, peer);
  });

  it("closes from the server, and with no code at all (1005)", async () => {
    const { server, client, peer } = await openPair();

    const reply = await closeCleanly(peer, 1001, "going away");
    expect(reply).toMatchObject({ code: 1001, reason: "going away" });
    await client.socketClosed;
    expect(client.received.at(-1)).toMatchObject({ type: "CloseConnection", code: 1001, reason: "going away" });
    expect([client.ws.state, peer.ws.state]).toEqual([ConnectionState.CLOSED, ConnectionState.CLOSED]);

    const { endpoint: second } = await openWstate(resources, server.port, {}, { feed });
    expect(await closeCleanly(second, 1005)).toMatchObject({ code: 1005, reason: "" });
    expectNoErrors(client, peer, second, server.endpoints[1]);
  });

  it("reports an EOF without a Close as 1006 on the other side", async () => {
    const { client, peer } = await openPair();
    client.abort();
    expect(await peer.nextOf("CloseConnection")).toMatchObject({ code: 1006 });
    expect(peer.ws.state).toBe(ConnectionState.CLOSED);
    expectNoErrors(peer);
  });

  it.each([
    ["chunked", []],
    ["Content-Length", [["content-length", "9"]]],
  ] as const)("rejects with a 403 and a body (%s): the client gets RejectConnection then the body", async (_name, headers) => {
    const server = await listenWstate(resources, {
      feed,
      onRequest: () => [
        new RejectConnection({ statusCode: 403, headers: [["content-type", "text/plain"], ...headers], hasBody: true }),
        new RejectData({ data: encoder.encode("forb"), bodyFinished: false }),
        new RejectData({ data: encoder.encode("idden"), bodyFinished: true }),
      ],
    });
    const client = await connectWstate(resources, server.port, {}, { feed });
    await client.socketClosed;

    const [reject, ...body] = client.received;
    expect(reject).toBeInstanceOf(RejectConnection);
    expect(reject).toMatchObject({ statusCode: 403, hasBody: true });
    expect((reject as RejectConnection).headers).toContainEqual(["content-type", "text/plain"]);
    expect(body.every((event) => event instanceof RejectData)).toBe(true);
    const data = body as RejectData[];
    expect(new TextDecoder().decode(concatBytes(data.map((d) => d.data)))).toBe("forbidden");
    expect(data.map((d) => d.bodyFinished)).toEqual([...data.slice(1).map(() => false), true]);
    expect(client.ws.state).toBe(ConnectionState.CLOSED);
    expect(server.endpoints[0].ws.state).toBe(ConnectionState.CLOSED);
    expectNoErrors(client, server.endpoints[0]);
  });
});

it("carries a 4 MiB binary message both ways over TCP, fed at random", async () => {
  const size = 4 * 1024 * 1024;
  const connection = { maxMessageSize: 8 * 1024 * 1024 };
  const server = await listenWstate(resources, { connection });
  const { endpoint: client } = await openWstate(resources, server.port, {}, { connection });
  const payload = randomBytes(size, 99);
  client.send(new BytesMessage({ data: payload }));
  const echoed = await client.nextMessage();
  expect(firstDifference(echoed.data as Uint8Array, payload)).toBeNull();
  expect(await closeCleanly(client)).toBeInstanceOf(CloseConnection);
});
