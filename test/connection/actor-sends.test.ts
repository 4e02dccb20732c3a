/**
 * The control plane stays off the data path (DESIGN.md "Control plane and data plane"):
 * ordinary data frames, received or sent, never cost an `actor.send`; a fragmented
 * message costs exactly two (its start and its finish), however many fragments it has.
 * Counted twice: by wrapping the connection's `actor.send`, and by the inspection stream.
 */
import { describe, expect, it } from "vitest";
import type { Connection } from "../../src/connection.js";
import { BytesMessage, CloseConnection, Ping, Pong, TextMessage } from "../../src/events.js";
import { concatBytes } from "../fixtures/frame-rows.js";
import { bytewise } from "../frame/helpers.js";
import { drain, watchedConnection, wireFrame } from "./helpers.js";

const utf8 = (text: string) => new TextEncoder().encode(text);

/** A connection whose `actor.send` calls are counted (types in order), and its inspected events. */
function counted(client: boolean): { connection: Connection; sent: string[]; inspected: string[] } {
  const { connection, lifecycle } = watchedConnection(client);
  const actor = connection.actor;
  const original = actor.send.bind(actor);
  const sent: string[] = [];
  actor.send = (event) => {
    sent.push(event.type);
    original(event);
  };
  return { connection, sent, inspected: lifecycle };
}

/** Frames a client sends to a server: masked (the key changes with `i`). */
const toServer = (first: number, payload: Uint8Array, i = 0) => wireFrame(first, payload, new Uint8Array([i, i >> 8, 7, 9]));

describe("actor.send per data frame", () => {
  it("1,000 small data frames received (one read, and one read each) cost no actor.send", () => {
    const frames = Array.from({ length: 1000 }, (_, i) =>
      i % 2 === 0 ? toServer(0x81, utf8(`message ${i}`), i) : toServer(0x82, new Uint8Array([i & 0xff, 1, 2]), i),
    );
    for (const chunks of [[concatBytes(frames)], frames]) {
      const { connection, sent, inspected } = counted(false);
      let messages = 0;
      for (const chunk of chunks) {
        connection.receiveData(chunk);
        messages += drain(connection).filter((event) => event instanceof TextMessage || event instanceof BytesMessage).length;
      }
      expect(messages).toBe(1000);
      expect(sent).toEqual([]);
      expect(inspected).toEqual([]);
    }
  });

  it("1,000 small data frames sent, and pings and pongs both ways, cost no actor.send", () => {
    for (const client of [true, false]) {
      const { connection, sent, inspected } = counted(client);
      for (let i = 0; i < 1000; i++) {
        const bytes = connection.send(i % 2 === 0 ? new TextMessage({ data: `message ${i}` }) : new BytesMessage({ data: new Uint8Array([i & 0xff]) }));
        expect(bytes[0] & 0x0f).toBe(i % 2 === 0 ? 1 : 2);
      }
      for (let i = 0; i < 100; i++) {
        connection.send(new Ping({ payload: utf8("p") }));
        connection.send(new Pong());
      }
      const peerPing = client ? wireFrame(0x89, utf8("x"), null) : toServer(0x89, utf8("x"));
      connection.receiveData(concatBytes(Array.from({ length: 100 }, () => peerPing)));
      expect(drain(connection).length).toBe(100);
      expect(sent).toEqual([]);
      expect(inspected).toEqual([]);
    }
  });

  it("a fragmented message received costs exactly two (start, finish), with a ping inside, however it is read", () => {
    const frames = [toServer(0x01, utf8("a")), ...Array.from({ length: 50 }, (_, i) => toServer(0x00, utf8("b"), i)), toServer(0x89, utf8("p")), toServer(0x80, utf8("c"))];
    const wire = concatBytes(frames);
    for (const chunks of [[wire], frames, [...bytewise(wire)]]) {
      const { connection, sent, inspected } = counted(false);
      let text = "";
      for (const chunk of chunks) {
        connection.receiveData(chunk);
        for (const event of drain(connection)) if (event instanceof TextMessage) text += event.data;
      }
      expect(text).toBe("a" + "b".repeat(50) + "c");
      expect(sent).toEqual(["INBOUND_TEXT_STARTED", "INBOUND_MESSAGE_FINISHED"]);
      expect(inspected).toEqual(sent);
    }
  });

  it("a fragmented message sent costs exactly two (first fragment, final fragment)", () => {
    for (const client of [true, false]) {
      const { connection, sent, inspected } = counted(client);
      connection.send(new BytesMessage({ data: new Uint8Array([1]), messageFinished: false }));
      for (let i = 0; i < 50; i++) connection.send(new BytesMessage({ data: new Uint8Array([2]), messageFinished: false }));
      connection.send(new Ping());
      connection.send(new BytesMessage({ data: new Uint8Array([3]) }));
      expect(sent).toEqual(["SEND_BINARY_FRAGMENT", "SEND_BINARY"]);
      expect(inspected).toEqual(sent);
    }
  });

  it("the closing handshake costs one event per side's Close", () => {
    const { connection, sent } = counted(false);
    connection.receiveData(toServer(0x88, new Uint8Array([0x03, 0xe8])));
    const [close] = drain(connection) as CloseConnection[];
    connection.send(close.response());
    expect(sent).toEqual(["CLOSE_RECEIVED", "SEND_CLOSE"]);
  });
});
