/**
 * permessage-deflate (RFC 7692) between wstate and `ws`, with `ws` as client and as
 * server, for each parameter: the negotiated `Sec-WebSocket-Extensions` is checked on the
 * wire on both sides, then messages from 0 B (to 16 MiB in the default set) of
 * compressible and random data, and fragmented messages with a Ping between fragments,
 * are echoed and compared byte for byte. The byte counts on the socket prove that both
 * sides really compressed.
 */
import { describe, expect, it } from "vitest";
import type { PerMessageDeflateOptions as WsDeflateOptions } from "ws";
import {
  AcceptConnection,
  BytesMessage,
  Ping,
  PerMessageDeflate,
  TextMessage,
  type PerMessageDeflateOptions,
} from "../../src/index.js";
import {
  MiB,
  closeCleanly,
  compressibleBytes,
  expectNoErrors,
  firstDifference,
  listenWstate,
  openWstate,
  randomBytes,
  unicodeText,
  useResources,
  type WstateEndpoint,
} from "./helpers.js";
import { listenWs, openWs, type WsPeer } from "./ws-peer.js";

const resources = useResources();

const decoder = new TextDecoder();

/** One parameter set: who configures what, and what the negotiation must produce. */
interface DeflateCase {
  readonly name: string;
  /** Options of the `ws` side. */
  readonly ws: WsDeflateOptions;
  /** Options of the wstate side. */
  readonly wstate: PerMessageDeflateOptions;
  /** The server's `Sec-WebSocket-Extensions` response value. */
  readonly negotiated: string;
  /** The parameters both sides then use (those not given are the defaults). */
  readonly params: Partial<PerMessageDeflate["params"]>;
  /** The wstate client's offer (when wstate is the client). */
  readonly offer?: string;
  /** Also exchange 16 MiB messages. */
  readonly big?: boolean;
}

const DEFAULT_PARAMS: PerMessageDeflate["params"] = {
  clientNoContextTakeover: false,
  clientMaxWindowBits: 15,
  serverNoContextTakeover: false,
  serverMaxWindowBits: 15,
};

const PMD = "permessage-deflate";

/** ws offers (the client's options are the ws ones), wstate answers. */
const WS_CLIENT_CASES: DeflateCase[] = [
  { name: "defaults", ws: {}, wstate: {}, negotiated: PMD, params: {}, big: true },
  { name: "client_no_context_takeover offered by ws", ws: { clientNoContextTakeover: true }, wstate: {}, negotiated: `${PMD}; client_no_context_takeover`, params: { clientNoContextTakeover: true } },
  { name: "server_no_context_takeover asked by ws", ws: { serverNoContextTakeover: true }, wstate: {}, negotiated: `${PMD}; server_no_context_takeover`, params: { serverNoContextTakeover: true } },
  { name: "client_no_context_takeover imposed by wstate", ws: {}, wstate: { clientNoContextTakeover: true }, negotiated: `${PMD}; client_no_context_takeover`, params: { clientNoContextTakeover: true } },
  { name: "server_no_context_takeover chosen by wstate", ws: {}, wstate: { serverNoContextTakeover: true }, negotiated: `${PMD}; server_no_context_takeover`, params: { serverNoContextTakeover: true } },
  ...[9, 12, 15].map((bits) => ({ name: `server_max_window_bits=${bits} asked by ws`, ws: { serverMaxWindowBits: bits }, wstate: {}, negotiated: `${PMD}; server_max_window_bits=${bits}`, params: { serverMaxWindowBits: bits } })),
  ...[9, 12, 15].map((bits) => ({ name: `client_max_window_bits=${bits} offered by ws`, ws: { clientMaxWindowBits: bits }, wstate: {}, negotiated: `${PMD}; client_max_window_bits=${bits}`, params: { clientMaxWindowBits: bits } })),
  { name: "window bits chosen by wstate", ws: {}, wstate: { clientMaxWindowBits: 10, serverMaxWindowBits: 11 }, negotiated: `${PMD}; client_max_window_bits=10; server_max_window_bits=11`, params: { clientMaxWindowBits: 10, serverMaxWindowBits: 11 } },
  { name: "every message compressed, empty ones too (threshold 0)", ws: { threshold: 0 }, wstate: { threshold: 0 }, negotiated: PMD, params: {} },
];

/** wstate offers (the client's options are the wstate ones), ws answers. */
const WS_SERVER_CASES: DeflateCase[] = [
  { name: "defaults", ws: {}, wstate: {}, offer: `${PMD}; client_max_window_bits`, negotiated: PMD, params: {}, big: true },
  { name: "client_no_context_takeover offered by wstate", ws: {}, wstate: { clientNoContextTakeover: true }, offer: `${PMD}; client_max_window_bits; client_no_context_takeover`, negotiated: `${PMD}; client_no_context_takeover`, params: { clientNoContextTakeover: true } },
  { name: "server_no_context_takeover asked by wstate", ws: {}, wstate: { serverNoContextTakeover: true }, offer: `${PMD}; client_max_window_bits; server_no_context_takeover`, negotiated: `${PMD}; server_no_context_takeover`, params: { serverNoContextTakeover: true } },
  { name: "client_no_context_takeover imposed by ws", ws: { clientNoContextTakeover: true }, wstate: {}, offer: `${PMD}; client_max_window_bits`, negotiated: `${PMD}; client_no_context_takeover`, params: { clientNoContextTakeover: true } },
  { name: "server_no_context_takeover chosen by ws", ws: { serverNoContextTakeover: true }, wstate: {}, offer: `${PMD}; client_max_window_bits`, negotiated: `${PMD}; server_no_context_takeover`, params: { serverNoContextTakeover: true } },
  ...[9, 12, 15].map((bits) => ({ name: `server_max_window_bits=${bits} asked by wstate`, ws: {}, wstate: { serverMaxWindowBits: bits }, offer: `${PMD}; client_max_window_bits; server_max_window_bits=${bits}`, negotiated: `${PMD}; server_max_window_bits=${bits}`, params: { serverMaxWindowBits: bits } })),
  ...[9, 12, 15].map((bits) => ({ name: `client_max_window_bits=${bits} offered by wstate`, ws: {}, wstate: { clientMaxWindowBits: bits }, offer: `${PMD}; client_max_window_bits=${bits}`, negotiated: `${PMD}; client_max_window_bits=${bits}`, params: { clientMaxWindowBits: bits } })),
  { name: "window bits chosen by ws", ws: { clientMaxWindowBits: 10, serverMaxWindowBits: 11 }, wstate: {}, offer: `${PMD}; client_max_window_bits`, negotiated: `${PMD}; client_max_window_bits=10; server_max_window_bits=11`, params: { clientMaxWindowBits: 10, serverMaxWindowBits: 11 } },
  { name: "every message compressed, empty ones too (threshold 0)", ws: { threshold: 0 }, wstate: { threshold: 0 }, offer: `${PMD}; client_max_window_bits`, negotiated: PMD, params: {} },
];

type Payload = string | Uint8Array;

/** The messages of one session: 0 B up, text and binary, compressible and random, repeats (context takeover). */
function payloads(): Payload[] {
  const repeated = new TextDecoder().decode(compressibleBytes(20_000));
  return ["", new Uint8Array(0), "hello", repeated, repeated, repeated, randomBytes(64 * 1024, 3), compressibleBytes(256 * 1024), unicodeText(100_000)];
}

function expectSame(actual: Payload, expected: Payload): void {
  if (typeof expected === "string") expect(actual === expected, "text echo differs").toBe(true);
  else expect(firstDifference(actual as Uint8Array, expected)).toBeNull();
}

/** Bytes read and written on a socket since the last call. */
function traffic(endpoint: WstateEndpoint): () => { read: number; written: number } {
  let read = endpoint.socket.bytesRead;
  let written = endpoint.socket.bytesWritten;
  return () => {
    const delta = { read: endpoint.socket.bytesRead - read, written: endpoint.socket.bytesWritten - written };
    read = endpoint.socket.bytesRead;
    written = endpoint.socket.bytesWritten;
    return delta;
  };
}

async function wsMessage(peer: WsPeer): Promise<Payload> {
  const { data, isBinary } = await peer.inbox.nextMessage();
  return isBinary ? new Uint8Array(data) : data.toString("utf8");
}

/** A message's fragments: empty ones first and in the middle, compressible and random ones. */
function fragments(seed: number): Uint8Array[] {
  return [new Uint8Array(0), compressibleBytes(10_000), randomBytes(3000, seed), new Uint8Array(0), compressibleBytes(5000)];
}

const BIG_LIMIT = { maxMessageSize: 20 * MiB };

describe.each(WS_CLIENT_CASES)("ws client → wstate server, permessage-deflate: $name", (c) => {
  it("negotiates, echoes every message byte for byte, compresses, and closes", { timeout: 60_000 }, async () => {
    const extensions: PerMessageDeflate[] = [];
    const server = await listenWstate(resources, {
      connection: BIG_LIMIT,
      onRequest: () => {
        const pmd = new PerMessageDeflate(c.wstate);
        extensions.push(pmd);
        return [new AcceptConnection({ extensions: [pmd] })];
      },
    });
    const ws = await openWs(resources, server.url, [], { perMessageDeflate: c.ws });
    const peer = await server.nextEndpoint();

    expect(peer.sentHeaders("sec-websocket-extensions")).toEqual([c.negotiated]);
    expect(ws.response.headers["sec-websocket-extensions"]).toBe(c.negotiated);
    expect(extensions[0].enabled()).toBe(true);
    expect(extensions[0].params).toEqual({ ...DEFAULT_PARAMS, ...c.params });

    const measure = traffic(peer);
    for (const payload of payloads()) {
      ws.socket.send(payload);
      expectSame(await wsMessage(ws), payload);
    }
    measure();
    const compressible = compressibleBytes(256 * 1024);
    ws.socket.send(compressible);
    expectSame(await wsMessage(ws), compressible);
    const { read, written } = measure();
    expect(read, "ws compressed what it sent").toBeLessThan(compressible.length / 4);
    expect(written, "wstate compressed what it sent").toBeLessThan(compressible.length / 4);

    if (c.big === true) {
      const big = randomBytes(16 * MiB, 61);
      ws.socket.send(big);
      expectSame(await wsMessage(ws), big);
    }

    // ws sends a fragmented message with a Ping after its first fragment.
    const parts = fragments(5);
    ws.socket.send(parts[0], { fin: false });
    ws.socket.ping("between");
    for (let i = 1; i < parts.length; i++) ws.socket.send(parts[i], { fin: i === parts.length - 1 });
    expectSame(await wsMessage(ws), Buffer.concat(parts));
    expect((await ws.inbox.next("pong")).data.toString()).toBe("between");

    // wstate sends one, with a Ping between fragments.
    peer.send(new TextMessage({ data: "fragmented ", messageFinished: false }));
    peer.send(new Ping({ payload: new TextEncoder().encode("wstate-mid") }));
    peer.send(new TextMessage({ data: "text é😀".repeat(500), messageFinished: true }));
    expect((await ws.inbox.next("ping")).data.toString()).toBe("wstate-mid");
    expect(await wsMessage(ws)).toBe("fragmented " + "text é😀".repeat(500));
    expect(decoder.decode((await peer.nextOf("Pong")).payload)).toBe("wstate-mid");

    ws.socket.close(1000, "done");
    expect(await ws.inbox.closed).toEqual({ code: 1000, reason: "done" });
    expectNoErrors(peer);
    expect(peer.received.filter((e) => e.type === "CloseConnection")).toMatchObject([{ code: 1000, reason: "done" }]);
  });
});

describe.each(WS_SERVER_CASES)("wstate client → ws server, permessage-deflate: $name", (c) => {
  it("negotiates, echoes every message byte for byte, compresses, and closes", { timeout: 60_000 }, async () => {
    const wss = await listenWs(resources, { echo: true, perMessageDeflate: c.ws });
    const pmd = new PerMessageDeflate(c.wstate);
    const { endpoint: client, accept } = await openWstate(resources, wss.port, { extensions: [pmd] }, { connection: BIG_LIMIT });
    const ws = await wss.nextConnection();

    expect(client.sentHeaders("sec-websocket-extensions")).toEqual([c.offer]);
    expect(ws.request.headers["sec-websocket-extensions"]).toBe(c.offer);
    expect(ws.responseHead.filter((line) => /^sec-websocket-extensions:/i.test(line))).toEqual([
      `Sec-WebSocket-Extensions: ${c.negotiated}`,
    ]);
    expect(accept.extensions).toEqual([pmd]);
    expect(pmd.params).toEqual({ ...DEFAULT_PARAMS, ...c.params });

    for (const payload of payloads()) {
      client.send(typeof payload === "string" ? new TextMessage({ data: payload }) : new BytesMessage({ data: payload }));
      const echoed = await client.nextMessage();
      expect(echoed.kind).toBe(typeof payload === "string" ? "text" : "binary");
      expectSame(echoed.data, payload);
    }
    const measure = traffic(client);
    const compressible = compressibleBytes(256 * 1024);
    client.send(new BytesMessage({ data: compressible }));
    expectSame((await client.nextMessage()).data, compressible);
    const { read, written } = measure();
    expect(written, "wstate compressed what it sent").toBeLessThan(compressible.length / 4);
    expect(read, "ws compressed what it sent").toBeLessThan(compressible.length / 4);

    if (c.big === true) {
      const big = compressibleBytes(16 * MiB);
      client.send(new BytesMessage({ data: big }));
      expectSame((await client.nextMessage()).data, big);
    }

    // wstate sends a fragmented message with a Ping between fragments.
    const parts = fragments(9);
    client.send(new BytesMessage({ data: parts[0], messageFinished: false }));
    client.send(new Ping({ payload: new TextEncoder().encode("mid") }));
    for (let i = 1; i < parts.length; i++) client.send(new BytesMessage({ data: parts[i], messageFinished: i === parts.length - 1 }));
    expectSame((await client.nextMessage()).data, Buffer.concat(parts));
    expect(decoder.decode((await client.nextOf("Pong")).payload)).toBe("mid");

    // ws sends one, with a Ping after its first fragment.
    ws.socket.send("ws fragment ", { fin: false });
    ws.socket.ping("ws-mid");
    ws.socket.send("and the end é😀".repeat(400), { fin: true });
    expect(await client.nextMessage()).toEqual({ kind: "text", data: "ws fragment " + "and the end é😀".repeat(400) });
    expect((await ws.inbox.next("pong")).data.toString()).toBe("ws-mid");

    expect(await closeCleanly(client, 1000, "done")).toMatchObject({ code: 1000, reason: "done" });
    expect(await ws.inbox.closed).toEqual({ code: 1000, reason: "done" });
    expectNoErrors(client);
  });
});

describe("permessage-deflate limits against ws", () => {
  it("closes with 1009 when a small compressed message from ws inflates past maxMessageSize", async () => {
    const server = await listenWstate(resources, { onRequest: () => [new AcceptConnection({ extensions: [new PerMessageDeflate()] })] });
    const ws = await openWs(resources, server.url, [], { perMessageDeflate: {} });
    const peer = await server.nextEndpoint();
    const before = peer.socket.bytesRead;
    ws.socket.send(new Uint8Array(2 * MiB));
    expect((await ws.inbox.closed).code).toBe(1009);
    expect(peer.socket.bytesRead - before, "the bomb was small on the wire").toBeLessThan(20_000);
    expect(peer.received.at(-1)).toMatchObject({ type: "CloseConnection", code: 1009 });
  });

  it("closes with 1009 when ws as server sends such a message to a wstate client", async () => {
    const wss = await listenWs(resources, { perMessageDeflate: {} });
    const { endpoint: client } = await openWstate(resources, wss.port, { extensions: [new PerMessageDeflate()] });
    const ws = await wss.nextConnection();
    ws.socket.send(new Uint8Array(2 * MiB));
    expect(await client.nextOf("CloseConnection")).toMatchObject({ code: 1009 });
    expect((await ws.inbox.closed).code).toBe(1009);
  });
});
