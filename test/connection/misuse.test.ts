/**
 * Misuse of a Connection gives a LocalProtocolError and changes nothing (DESIGN.md
 * deviation 4: "No other exception escapes receiveData, events() or send() for any
 * input"; hardening I1), in every top-level state a Connection can be in.
 */
import { describe, expect, it } from "vitest";
import type { Connection } from "../../src/connection.js";
import { ConnectionType } from "../../src/constants.js";
import { LocalProtocolError } from "../../src/errors.js";
import { BytesMessage, CloseConnection, Ping, Pong, TextMessage, type Event } from "../../src/events.js";
import { drain, watchedConnection } from "./helpers.js";

/** A Connection of `role` brought to `state` with real bytes and sends. */
function connectionIn(role: ConnectionType, state: "OPEN" | "LOCAL_CLOSING" | "REMOTE_CLOSING" | "CLOSED"): Connection {
  const { connection } = watchedConnection(role === ConnectionType.CLIENT);
  const close = role === ConnectionType.CLIENT ? [0x88, 0x02, 0x03, 0xe8] : [0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xe8 ^ 2];
  if (state === "LOCAL_CLOSING") connection.send(new CloseConnection({ code: 1000 }));
  if (state === "REMOTE_CLOSING") connection.receiveData(new Uint8Array(close));
  if (state === "CLOSED") connection.receiveData(null);
  drain(connection);
  expect(connection.state).toBe(state);
  return connection;
}

const STATES = ["OPEN", "LOCAL_CLOSING", "REMOTE_CLOSING", "CLOSED"] as const;
const ROLES = [ConnectionType.CLIENT, ConnectionType.SERVER] as const;

/** Arguments of the wrong type for receiveData. */
const NOT_BYTES: unknown[] = ["81 00", undefined, 42, [0x81, 0x00], new ArrayBuffer(2), new DataView(new ArrayBuffer(2)), { length: 2 }];

/** Events that are not well-formed, whatever the state. */
const MALFORMED: Array<[string, () => unknown]> = [
  ["a number", () => 42],
  ["a string", () => "TextMessage"],
  ["an object without a type", () => ({ data: "x" })],
  ["TextMessage with bytes", () => new TextMessage({ data: new Uint8Array(1) as unknown as string })],
  ["TextMessage with a lone surrogate", () => new TextMessage({ data: "\uDC00" })],
  ["BytesMessage with text", () => new BytesMessage({ data: "x" as unknown as Uint8Array })],
  ["Ping with 126 bytes", () => new Ping({ payload: new Uint8Array(126) })],
  ["Pong with a string", () => new Pong({ payload: "x" as unknown as Uint8Array })],
  ["CloseConnection 1006", () => new CloseConnection({ code: 1006 })],
  ["CloseConnection 999", () => new CloseConnection({ code: 999 })],
  ["CloseConnection with a Uint16Array reason", () => new CloseConnection({ code: 1000, reason: new Uint16Array(2) as unknown as string })],
];

function expectRefused(connection: Connection, call: () => unknown, label: string): void {
  const state = connection.state;
  const value = JSON.stringify(connection.actor.getSnapshot().value);
  let result: unknown;
  expect(() => {
    result = call();
  }, label).toThrow(LocalProtocolError);
  expect(result, label).toBeUndefined();
  expect(connection.state, label).toBe(state);
  expect(JSON.stringify(connection.actor.getSnapshot().value), label).toBe(value);
}

describe("misuse gives a LocalProtocolError and changes nothing", () => {
  for (const role of ROLES) {
    for (const state of STATES) {
      it(`${role} in ${state}: receiveData with something that is not bytes`, () => {
        const connection = connectionIn(role, state);
        for (const argument of NOT_BYTES) {
          expectRefused(connection, () => connection.receiveData(argument as Uint8Array), `receiveData(${String(argument)})`);
        }
        expect(drain(connection)).toEqual([]);
      });

      it(`${role} in ${state}: malformed events`, () => {
        const connection = connectionIn(role, state);
        for (const [name, make] of MALFORMED) expectRefused(connection, () => connection.send(make() as Event), `send(${name})`);
      });
    }
  }

  it("send(null) and send(undefined) are LocalProtocolErrors", () => {
    const connection = connectionIn(ConnectionType.SERVER, "OPEN");
    expectRefused(connection, () => connection.send(null as unknown as Event), "send(null)");
    expectRefused(connection, () => connection.send(undefined as unknown as Event), "send(undefined)");
  });

  it("on(type, listener) refuses a listener that is not a function, at once", () => {
    const connection = connectionIn(ConnectionType.CLIENT, "OPEN");
    expect(() => connection.on("TextMessage", null as unknown as (event: TextMessage) => void)).toThrow(LocalProtocolError);
    expect(() => connection.receiveData(new Uint8Array([0x81, 0x01, 0x61]))).not.toThrow();
    expect(() => connection.on("Message" as "TextMessage", () => {})).toThrow(/event class name/);
  });
});
