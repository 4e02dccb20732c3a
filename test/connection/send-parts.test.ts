/**
 * `sendParts`: the bytes of `send`, as a list of arrays, with a server's binary payload
 * not copied. Checked against `send` on a twin connection fed the same events, for both
 * roles, with and without permessage-deflate, and through WSConnection's handshake.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concatBytes } from "../../src/bytes.js";
import { Connection } from "../../src/connection.js";
import { ConnectionType } from "../../src/constants.js";
import { LocalProtocolError } from "../../src/errors.js";
import { AcceptConnection, BytesMessage, CloseConnection, Ping, Pong, Request, TextMessage, type Event } from "../../src/events.js";
import { WSConnection } from "../../src/ws-connection.js";
import { toHex } from "../frame/helpers.js";
import { serverDeflate } from "./helpers.js";

/** Mask keys that repeat from one connection to its twin. */
const countingFill = () => {
  let next = 0;
  return (buffer: Uint8Array) => {
    for (let i = 0; i < buffer.length; i++) buffer[i] = next++ & 0xff;
  };
};

function twins(type: ConnectionType, deflate: boolean): [Connection, Connection] {
  const make = () =>
    new Connection(type, { randomFill: countingFill(), extensions: deflate ? [serverDeflate("permessage-deflate", { threshold: 0 })] : [] });
  return [make(), make()];
}

const dataEvent: fc.Arbitrary<Event> = fc.oneof(
  fc.record({ data: fc.uint8Array({ maxLength: 300 }), messageFinished: fc.boolean() }).map((o) => new BytesMessage(o)),
  fc.record({ data: fc.string({ maxLength: 40 }), messageFinished: fc.boolean() }).map((o) => new TextMessage(o)),
  fc.uint8Array({ maxLength: 125 }).map((payload) => new Ping({ payload })),
  fc.uint8Array({ maxLength: 125 }).map((payload) => new Pong({ payload })),
);

describe("Connection.sendParts", () => {
  it("gives the bytes send gives, in both roles, with and without deflate, and moves the state alike", () => {
    fc.assert(
      fc.property(fc.array(dataEvent, { maxLength: 12 }), fc.boolean(), fc.boolean(), (events, client, deflate) => {
        const [viaSend, viaParts] = twins(client ? ConnectionType.CLIENT : ConnectionType.SERVER, client ? false : deflate);
        for (const event of [...events, new CloseConnection({ code: 1000 })]) {
          const outcome = (connection: Connection, act: () => Uint8Array) => {
            try {
              return toHex(act());
            } catch (error) {
              // A message of the other type while one is in progress: refused by both alike.
              expect(error).toBeInstanceOf(LocalProtocolError);
              return (error as Error).message;
            }
          };
          expect(outcome(viaParts, () => concatBytes(viaParts.sendParts(event)))).toBe(outcome(viaSend, () => viaSend.send(event)));
          expect(viaParts.state).toBe(viaSend.state);
          expect(viaParts.actor.getSnapshot().value).toEqual(viaSend.actor.getSnapshot().value);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("hands a server's binary payload back uncopied after its header, across fragments", () => {
    const server = new Connection(ConnectionType.SERVER);
    const first = new Uint8Array(70000).fill(1);
    const second = new Uint8Array(5).fill(2);
    const [header, payload] = server.sendParts(new BytesMessage({ data: first, messageFinished: false }));
    expect(toHex(header)).toBe("027f0000000000011170");
    expect(payload).toBe(first);
    const [continuation, rest] = server.sendParts(new BytesMessage({ data: second }));
    expect(toHex(continuation)).toBe("8005");
    expect(rest).toBe(second);
  });

  it("gives one array for text, control frames and every client frame", () => {
    const server = new Connection(ConnectionType.SERVER);
    expect(server.sendParts(new TextMessage({ data: "hi" })).map(toHex)).toEqual(["81026869"]);
    expect(server.sendParts(new Ping({ payload: new Uint8Array([7]) })).map(toHex)).toEqual(["890107"]);
    const client = new Connection(ConnectionType.CLIENT, { randomFill: (buffer) => buffer.fill(0) });
    expect(client.sendParts(new BytesMessage({ data: new Uint8Array([5, 6]) })).map(toHex)).toEqual(["8282000000000506"]);
  });

  it("refuses what send refuses, with the same LocalProtocolError, and changes nothing", () => {
    const server = new Connection(ConnectionType.SERVER);
    server.send(new CloseConnection({ code: 1000 }));
    expect(() => server.sendParts(new BytesMessage({ data: new Uint8Array(1) }))).toThrow(LocalProtocolError);
    expect(() => new Connection(ConnectionType.SERVER).sendParts(new BytesMessage({ data: "text" as never }))).toThrow(
      "BytesMessage.data must be a Uint8Array; use TextMessage for text.",
    );
    expect(server.state).toBe("LOCAL_CLOSING");
  });
});

describe("WSConnection.sendParts", () => {
  it("gives the handshake as one array, then a server's binary payload uncopied", () => {
    const client = new WSConnection(ConnectionType.CLIENT);
    const server = new WSConnection(ConnectionType.SERVER);
    const request = client.sendParts(new Request({ host: "localhost", target: "/" }));
    expect(request).toHaveLength(1);
    server.receiveData(request[0]);
    expect([...server.events()].map((event) => event.type)).toEqual(["Request"]);
    const accept = server.sendParts(new AcceptConnection());
    expect(accept).toHaveLength(1);
    client.receiveData(accept[0]);
    expect([...client.events()].map((event) => event.type)).toEqual(["AcceptConnection"]);
    const data = new Uint8Array(200).fill(9);
    const parts = server.sendParts(new BytesMessage({ data }));
    expect(parts[1]).toBe(data);
    client.receiveData(concatBytes(parts));
    const [message] = [...client.events()] as BytesMessage[];
    expect(message.data).toEqual(data);
  });
});
