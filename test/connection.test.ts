/**
 * Connection: wsproto's test_connection.py (spec §9.5) ported, plus the lifecycle rules of
 * DESIGN.md (deviations 2, 7, 8), EOF, and the two ways of taking events (pull and push).
 */
import { describe, expect, it } from "vitest";
import {
  BytesMessage,
  CloseConnection,
  Ping,
  Pong,
  Request,
  TextMessage,
  type Event,
} from "../src/events.js";
import { Connection } from "../src/connection.js";
import { CloseReason, ConnectionState, ConnectionType } from "../src/constants.js";
import { LocalProtocolError } from "../src/errors.js";
import { PerMessageDeflate } from "../src/extensions/permessage-deflate.js";
import { clientExtensionsOffer, serverExtensionsHandshake } from "../src/handshake/extensions-handshake.js";

const hex = (s: string) => new Uint8Array(s.replace(/\s+/g, "").match(/../g)!.map((b) => parseInt(b, 16)));

function pair(clientSends: boolean): [Connection, Connection] {
  const client = new Connection(ConnectionType.CLIENT);
  const server = new Connection(ConnectionType.SERVER);
  return clientSends ? [client, server] : [server, client];
}

function deliver(from: Connection, to: Connection, event: Event): Event[] {
  to.receiveData(from.send(event));
  return [...to.events()];
}

describe("Connection (wsproto test_connection.py)", () => {
  for (const clientSends of [true, false]) {
    for (const final of [true, false]) {
      it(`test_send_message: ${clientSends ? "client" : "server"} sends, messageFinished=${final}`, () => {
        const [local, remote] = pair(clientSends);
        const data = new TextEncoder().encode("x".repeat(23));
        const [event] = deliver(local, remote, new BytesMessage({ data, messageFinished: final }));
        expect(event).toBeInstanceOf(BytesMessage);
        expect((event as BytesMessage).data).toEqual(data);
        expect((event as BytesMessage).messageFinished).toBe(final);
      });
    }

    for (const [code, reason] of [
      [CloseReason.NORMAL_CLOSURE, "bye"],
      [CloseReason.GOING_AWAY, "👋👋"],
    ] as const) {
      it(`test_closure: ${clientSends ? "client" : "server"} closes with ${code}`, () => {
        const [local, remote] = pair(clientSends);
        const [event] = deliver(local, remote, new CloseConnection({ code, reason }));
        expect(event).toEqual(new CloseConnection({ code, reason }));
        expect(remote.state).toBe(ConnectionState.REMOTE_CLOSING);
        expect(local.state).toBe(ConnectionState.LOCAL_CLOSING);

        const [reply] = deliver(remote, local, (event as CloseConnection).response());
        expect(reply).toEqual(new CloseConnection({ code, reason }));
        expect(remote.state).toBe(ConnectionState.CLOSED);
        expect(local.state).toBe(ConnectionState.CLOSED);
        expect(() => local.receiveData(new TextEncoder().encode("foobar"))).toThrow(LocalProtocolError);
      });
    }

    it(`test_ping_pong: ${clientSends ? "client" : "server"} pings`, () => {
      const [local, remote] = pair(clientSends);
      const payload = new TextEncoder().encode("x".repeat(23));
      const [ping] = deliver(local, remote, new Ping({ payload }));
      expect(ping).toEqual(new Ping({ payload }));
      const [pong] = deliver(remote, local, (ping as Ping).response());
      expect(pong).toEqual(new Pong({ payload }));
    });

    for (const split of [true, false]) {
      it(`test_data: ${clientSends ? "client" : "server"} sends text, split=${split}`, () => {
        const [local, remote] = pair(clientSends);
        const [event] = deliver(local, remote, new TextMessage({ data: "ƒñö®∂😎", messageFinished: !split }));
        expect(event).toEqual(new TextMessage({ data: "ƒñö®∂😎", messageFinished: !split }));
      });
    }
  }

  it("test_abnormal_closure: EOF gives CloseConnection(1006) and CLOSED", () => {
    const client = new Connection(ConnectionType.CLIENT);
    client.receiveData(null);
    expect([...client.events()]).toEqual([new CloseConnection({ code: CloseReason.ABNORMAL_CLOSURE })]);
    expect(client.state).toBe(ConnectionState.CLOSED);
  });

  it("test_close_whilst_closing: a second Close is refused", () => {
    const client = new Connection(ConnectionType.CLIENT);
    client.send(new CloseConnection({ code: CloseReason.NORMAL_CLOSURE }));
    expect(() => client.send(new CloseConnection({ code: CloseReason.NORMAL_CLOSURE }))).toThrow(LocalProtocolError);
  });

  it("test_send_after_close: data after our Close is refused and says why", () => {
    const client = new Connection(ConnectionType.CLIENT);
    client.send(new CloseConnection({ code: CloseReason.NORMAL_CLOSURE }));
    expect(() => client.send(new TextMessage({ data: "x" }))).toThrow(/LOCAL_CLOSING.*Close was already sent/);
  });

  it("test_unsolicited_pong: the server sees the client's Pong", () => {
    const [client, server] = pair(true);
    const payload = new TextEncoder().encode("x".repeat(23));
    expect(deliver(client, server, new Pong({ payload }))).toEqual([new Pong({ payload })]);
  });

  it("test_frame_protocol_gets_fed_garbage: an unfinished PING fails with 1002", () => {
    const client = new Connection(ConnectionType.CLIENT);
    client.receiveData(hex("09 17" + "78".repeat(23)));
    const [event] = [...client.events()];
    expect((event as CloseConnection).code).toBe(CloseReason.PROTOCOL_ERROR);
  });

  it("test_send_invalid_event: a Request cannot be sent on a Connection", () => {
    const client = new Connection(ConnectionType.CLIENT);
    expect(() => client.send(new Request({ host: "localhost", target: "/" }))).toThrow(LocalProtocolError);
    expect(client.state).toBe(ConnectionState.OPEN);
  });

  it("test_receive_data_when_closed: bytes after CLOSED are a LocalProtocolError", () => {
    const client = new Connection(ConnectionType.CLIENT);
    client.receiveData(null);
    [...client.events()];
    expect(client.state).toBe(ConnectionState.CLOSED);
    expect(() => client.receiveData(new TextEncoder().encode("something"))).toThrow(/already closed/);
  });
});

describe("Connection lifecycle", () => {
  it("a protocol failure behaves as if the peer had closed (DESIGN deviation 2)", () => {
    const server = new Connection(ConnectionType.SERVER);
    server.receiveData(hex("81 05 68 65 6c 6c 6f")); // unmasked: servers must fail it
    const [failure] = [...server.events()];
    expect(failure).toEqual(new CloseConnection({ code: 1002, reason: "server received unexpected unmasked frame" }));
    expect(server.state).toBe(ConnectionState.REMOTE_CLOSING);
    // Later input is ignored, then the reply closes.
    server.receiveData(hex("88 82 00 00 00 00 03 e8"));
    expect([...server.events()]).toEqual([]);
    expect(server.send((failure as CloseConnection).response())).toEqual(
      hex("88 2b 03 ea" + Buffer.from("server received unexpected unmasked frame").toString("hex")),
    );
    expect(server.state).toBe(ConnectionState.CLOSED);
  });

  it("a failure while closing ends the connection (CLOSED)", () => {
    const client = new Connection(ConnectionType.CLIENT);
    client.send(new CloseConnection({ code: 1000 }));
    client.receiveData(hex("83 00")); // reserved opcode
    expect([...client.events()].map((e) => (e as CloseConnection).code)).toEqual([1002]);
    expect(client.state).toBe(ConnectionState.CLOSED);
  });

  it("data and pings still arrive after our Close, and a Pong may answer (deviation 8)", () => {
    const client = new Connection(ConnectionType.CLIENT);
    client.send(new CloseConnection({ code: 1000 }));
    client.receiveData(hex("81 02 68 69 89 01 70"));
    const events = [...client.events()];
    expect(events).toEqual([new TextMessage({ data: "hi" }), new Ping({ payload: hex("70") })]);
    expect(client.send((events[1] as Ping).response()).length).toBe(2 + 4 + 1);
    expect(() => client.send(new Ping())).toThrow(/only a Pong/);
    client.receiveData(hex("88 02 03 e8"));
    expect([...client.events()]).toEqual([new CloseConnection({ code: 1000 })]);
    expect(client.state).toBe(ConnectionState.CLOSED);
  });

  it("the statechart follows inbound fragmentation, including a frame still arriving", () => {
    const client = new Connection(ConnectionType.CLIENT);
    const inbound = () => (client.actor.getSnapshot().value as { OPEN: { inbound: string } }).OPEN.inbound;
    client.receiveData(hex("01 02 61 62")); // TEXT fin=0 "ab"
    [...client.events()];
    expect(inbound()).toBe("receivingText");
    client.receiveData(hex("80 02 63 64"));
    expect([...client.events()]).toEqual([new TextMessage({ data: "cd" })]);
    expect(inbound()).toBe("idle");
    client.receiveData(hex("82 04 01 02")); // BINARY, 2 of 4 bytes so far
    expect([...client.events()]).toEqual([new BytesMessage({ data: hex("01 02"), frameFinished: false, messageFinished: false })]);
    expect(inbound()).toBe("receivingBinary");
    client.receiveData(hex("03 04"));
    [...client.events()];
    expect(inbound()).toBe("idle");
  });

  it("outbound fragmentation: continuations, and a mismatched type is refused without state change", () => {
    const server = new Connection(ConnectionType.SERVER);
    expect(server.send(new TextMessage({ data: "a", messageFinished: false }))).toEqual(hex("01 01 61"));
    expect(server.send(new Ping({ payload: hex("70") }))).toEqual(hex("89 01 70"));
    expect(() => server.send(new BytesMessage({ data: hex("00") }))).toThrow(/text message is being sent in fragments/);
    expect(server.send(new TextMessage({ data: "b", messageFinished: false }))).toEqual(hex("00 01 62"));
    expect(server.send(new TextMessage({ data: "c" }))).toEqual(hex("80 01 63"));
    expect(server.send(new BytesMessage({ data: hex("00") }))).toEqual(hex("82 01 00"));
  });

  it("refuses a TextMessage carrying bytes and a BytesMessage carrying text", () => {
    const server = new Connection(ConnectionType.SERVER);
    expect(() => server.send(new TextMessage({ data: hex("00") as unknown as string }))).toThrow(LocalProtocolError);
    expect(() => server.send(new BytesMessage({ data: "x" as unknown as Uint8Array }))).toThrow(LocalProtocolError);
    expect(server.state).toBe(ConnectionState.OPEN);
  });

  it("EOF after buffered frames: the frames first, then 1006", () => {
    const client = new Connection(ConnectionType.CLIENT);
    client.receiveData(hex("81 02 68 69"));
    client.receiveData(null);
    expect([...client.events()]).toEqual([new TextMessage({ data: "hi" }), new CloseConnection({ code: 1006 })]);
    expect(client.state).toBe(ConnectionState.CLOSED);
    client.receiveData(null); // EOF again: nothing more
    expect([...client.events()]).toEqual([]);
  });

  it("trailing data given at construction is parsed first", () => {
    const client = new Connection(ConnectionType.CLIENT, { trailingData: hex("81 02 68 69") });
    expect([...client.events()]).toEqual([new TextMessage({ data: "hi" })]);
  });

  it("stopping iteration early loses nothing", () => {
    const client = new Connection(ConnectionType.CLIENT);
    client.receiveData(hex("81 01 61 81 01 62 88 00"));
    for (const event of client.events()) {
      expect(event).toEqual(new TextMessage({ data: "a" }));
      break;
    }
    expect([...client.events()]).toEqual([new TextMessage({ data: "b" }), new CloseConnection({ code: 1005 })]);
    expect(client.state).toBe(ConnectionState.REMOTE_CLOSING);
  });

  it("validates limits at construction", () => {
    for (const bad of [2 ** 53, -1, Number.NaN, 1.5, "10"]) {
      expect(() => new Connection(ConnectionType.SERVER, { maxMessageSize: bad as number })).toThrow();
    }
    expect(() => new Connection("PEER" as ConnectionType)).toThrow(TypeError);
  });

  it("enforces maxMessageSize on the declared length (1009) before any payload", () => {
    const server = new Connection(ConnectionType.SERVER, { maxMessageSize: 16 });
    server.receiveData(hex("82 91 00 00 00 00")); // 17 bytes declared
    const [event] = [...server.events()];
    expect((event as CloseConnection).code).toBe(1009);
  });
});

describe("Connection push mode (on)", () => {
  it("delivers at receiveData time to type listeners and '*', leaving nothing for events()", () => {
    const client = new Connection(ConnectionType.CLIENT);
    const texts: string[] = [];
    const all: string[] = [];
    client.on("TextMessage", (m) => texts.push(m.data));
    const off = client.on("*", (e) => all.push(e.type));
    client.receiveData(hex("81 02 68 69 89 00"));
    expect(texts).toEqual(["hi"]);
    expect(all).toEqual(["TextMessage", "Ping"]);
    expect([...client.events()]).toEqual([]);
    off();
    client.receiveData(hex("8a 00"));
    expect(all).toEqual(["TextMessage", "Ping"]); // unsubscribed from "*"
    expect([...client.events()]).toEqual([]); // still push mode: TextMessage listener remains, Pong had no listener
  });

  it("goes back to pull mode when every listener is gone", () => {
    const client = new Connection(ConnectionType.CLIENT);
    const off = client.on("Ping", () => {});
    off();
    client.receiveData(hex("81 01 61"));
    expect([...client.events()]).toEqual([new TextMessage({ data: "a" })]);
  });

  it("EOF is pushed as a CloseConnection(1006)", () => {
    const client = new Connection(ConnectionType.CLIENT);
    const closes: number[] = [];
    client.on("CloseConnection", (c) => closes.push(c.code));
    client.receiveData(null);
    expect(closes).toEqual([1006]);
    expect(client.state).toBe(ConnectionState.CLOSED);
  });
});

describe("Connection inspection", () => {
  it("an inspect observer sees the lifecycle transitions and no per-frame events", () => {
    const seen: string[] = [];
    const server = new Connection(ConnectionType.SERVER, {
      inspect: (e) => {
        if (e.type === "@xstate.event") seen.push((e.event as { type: string }).type);
      },
    });
    const client = new Connection(ConnectionType.CLIENT);
    for (let i = 0; i < 10; i++) server.receiveData(client.send(new TextMessage({ data: "x" })));
    [...server.events()];
    server.receiveData(client.send(new CloseConnection({ code: 1000 })));
    [...server.events()];
    server.send(new CloseConnection({ code: 1000 }));
    expect(seen.filter((t) => !t.startsWith("xstate."))).toEqual(["CLOSE_RECEIVED", "SEND_CLOSE"]);
  });
});

describe("Connection per-message compression", () => {
  function deflatePair(): [Connection, Connection] {
    const serverPmd = new PerMessageDeflate();
    const answer = serverExtensionsHandshake([clientExtensionsOffer([new PerMessageDeflate()]).header!], [serverPmd])!;
    const clientPmd = new PerMessageDeflate();
    clientPmd.offer();
    clientPmd.finalize(answer);
    return [new Connection(ConnectionType.CLIENT, { extensions: [clientPmd] }), new Connection(ConnectionType.SERVER, { extensions: [serverPmd] })];
  }

  it("compress: true compresses a message below the threshold; compress: false sends a big one plain", () => {
    const [client, server] = deflatePair();
    const small = client.send(new TextMessage({ data: "tiny", compress: true }));
    expect(small[0] & 0x40).toBe(0x40); // RSV1: compressed
    const big = "x".repeat(4096);
    const plain = client.send(new TextMessage({ data: big, compress: false }));
    expect(plain[0] & 0x40).toBe(0);
    expect(plain.length).toBe(4096 + 2 + 2 + 4);
    const defaulted = client.send(new TextMessage({ data: big }));
    expect(defaulted[0] & 0x40).toBe(0x40); // above the 1024-byte threshold
    expect(defaulted.length).toBeLessThan(100);
    server.receiveData(new Uint8Array([...small, ...plain, ...defaulted]));
    expect([...server.events()].map((e) => (e as TextMessage).data)).toEqual(["tiny", big, big]);
  });
});

describe("Connection.failed", () => {
  it("tells a failure's CloseConnection from a Close the peer sent", () => {
    const peerClosed = new Connection(ConnectionType.CLIENT);
    peerClosed.receiveData(hex("88 02 03 ea"));
    expect([...peerClosed.events()]).toEqual([new CloseConnection({ code: 1002 })]);
    expect(peerClosed.failed).toBe(false);
    const broken = new Connection(ConnectionType.CLIENT);
    broken.receiveData(hex("83 00"));
    expect(([...broken.events()][0] as CloseConnection).code).toBe(1002);
    expect(broken.failed).toBe(true);
  });
});

describe("Connection unmaskInPlace", () => {
  // A 300-byte binary frame from a client: 82 fe 01 2c <key 01 02 03 04> <masked payload>.
  const payload = new Uint8Array(300).map((_, i) => i & 0xff);
  const key = [1, 2, 3, 4];
  const masked = () => new Uint8Array([0x82, 0xfe, 0x01, 0x2c, ...key, ...payload.map((byte, i) => byte ^ key[i & 3])]);

  it("by default leaves the received bytes untouched and hands out a copy", () => {
    const server = new Connection(ConnectionType.SERVER);
    const wire = masked();
    const before = wire.slice();
    server.receiveData(wire);
    const [message] = [...server.events()] as BytesMessage[];
    expect(message.data).toEqual(payload);
    expect(wire).toEqual(before);
    expect(message.data.buffer).not.toBe(wire.buffer);
  });

  it("when set, unmasks the received bytes where they lie and hands out a view of them", () => {
    const server = new Connection(ConnectionType.SERVER, { unmaskInPlace: true });
    const wire = masked();
    server.receiveData(wire);
    const [message] = [...server.events()] as BytesMessage[];
    expect(message.data).toEqual(payload);
    expect(message.data.buffer).toBe(wire.buffer);
    expect(message.data.byteOffset).toBe(wire.byteOffset + 8);
    expect(wire.subarray(8)).toEqual(payload);
  });

  it("copies as usual where a payload spans two received chunks", () => {
    const server = new Connection(ConnectionType.SERVER, { unmaskInPlace: true });
    const wire = masked();
    server.receiveData(wire.subarray(0, 150));
    server.receiveData(wire.subarray(150));
    const [message] = [...server.events()] as BytesMessage[];
    expect(message.data).toEqual(payload);
    expect(message.data.buffer).not.toBe(wire.buffer);
    expect(wire).toEqual(masked());
  });

  it("is a boolean option", () => {
    expect(() => new Connection(ConnectionType.SERVER, { unmaskInPlace: "yes" as never })).toThrow(/^unmaskInPlace must be a boolean; got /);
  });
});

