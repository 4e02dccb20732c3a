/**
 * Model-based tests through the real engine. `xstate/graph` enumerates every state the
 * lifecycle statechart can reach from a bare `Connection` (`{ role, opened: true }`); a
 * real Connection of each role is driven there with real bytes and sends, step by step,
 * and its actor's snapshot must equal the path's state after every step, the engine having
 * told the machine exactly that step's event. In each state:
 * - every send is tried (TextMessage/BytesMessage final and fragment, Ping, Pong,
 *   CloseConnection, Request, AcceptConnection, RejectConnection, RejectData): it succeeds
 *   exactly when spec §2.2's table, amended by DESIGN.md (a Pong may answer while
 *   LOCAL_CLOSING; a fragmented message's continuations must keep its type), allows it,
 *   gives the right frame and lands where the machine says; a refused send throws
 *   LocalProtocolError and changes nothing, and so does a malformed one (lone surrogate,
 *   126-byte Ping, close code 1006, bytes of the wrong type);
 * - every receivable input (data frames of each kind, ping, pong, close, a bad frame,
 *   EOF) gives the events RFC 6455 implies and lands where the machine says.
 * Random walks mixing all of these (legal or not) keep the engine and the model in step,
 * and a sample of the machine's simple paths is replayed step by step.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { getInitialSnapshot, transition, type SnapshotFrom } from "xstate";
import { getShortestPaths, getSimplePaths } from "xstate/graph";
import { connectionMachine, type ConnectionMachineEvent, type ConnectionMachineEventType } from "../../machines/connection.machine.js";
import type { ConnectionEvent } from "../../src/connection.js";
import { ConnectionType } from "../../src/constants.js";
import { LocalProtocolError } from "../../src/errors.js";
import {
  AcceptConnection,
  BytesMessage,
  CloseConnection,
  Ping,
  Pong,
  RejectConnection,
  RejectData,
  Request,
  TextMessage,
  type Event,
} from "../../src/events.js";
import { drain, readFrame, watchedConnection, wireFrame, type Watched } from "./helpers.js";

type MachineSnapshot = SnapshotFrom<typeof connectionMachine>;
type Inbound = "idle" | "receivingText" | "receivingBinary";
type Outbound = "idle" | "sendingText" | "sendingBinary";

const ROLES = [ConnectionType.CLIENT, ConnectionType.SERVER] as const;
/** Every event type the machine knows: the traversal may use any of them. */
const MACHINE_EVENTS = connectionMachine.root.events.map((type) => ({ type }) as ConnectionMachineEvent);

const utf8 = (text: string) => new TextEncoder().encode(text);

/** Top-level state, inbound and outbound fragmentation of a snapshot value. */
function describeValue(value: unknown): { top: string; inbound: Inbound | null; outbound: Outbound | null } {
  if (typeof value === "string") return { top: value, inbound: null, outbound: null };
  const [top, inner] = Object.entries(value as Record<string, unknown>)[0];
  if (top === "OPEN") {
    const open = inner as { inbound: Inbound; outbound: Outbound };
    return { top, inbound: open.inbound, outbound: open.outbound };
  }
  return { top, inbound: inner as Inbound, outbound: null };
}

const key = (value: unknown) => JSON.stringify(value);

// ---------------------------------------------------------------------------------------
// Driving a real Connection

/** A Connection and a peer's frames for it (masked when we are the server). */
class Driver {
  readonly client: boolean;
  readonly watched: Watched;
  #keyByte = 0;

  constructor(role: ConnectionType) {
    this.client = role === ConnectionType.CLIENT;
    this.watched = watchedConnection(this.client);
  }

  get connection() {
    return this.watched.connection;
  }

  get value(): unknown {
    return this.connection.actor.getSnapshot().value;
  }

  /** A frame from the peer: unmasked to a client, masked with a fresh key to a server. */
  peerFrame(first: number, payload: Uint8Array): Uint8Array {
    if (this.client) return wireFrame(first, payload, null);
    const k = ++this.#keyByte;
    return wireFrame(first, payload, new Uint8Array([k, k + 1, k + 2, k + 3]));
  }

  feed(bytes: Uint8Array | null): ConnectionEvent[] {
    this.connection.receiveData(bytes);
    return drain(this.connection);
  }

  /** Makes the lifecycle event `type` happen with real bytes or a real send. */
  drive(type: string): void {
    switch (type) {
      case "SEND_TEXT":
      case "SEND_TEXT_FRAGMENT":
      case "SEND_BINARY":
      case "SEND_BINARY_FRAGMENT":
      case "SEND_PING":
      case "SEND_PONG":
      case "SEND_CLOSE":
        this.connection.send(SENDS[SEND_FOR_MACHINE_EVENT[type]]());
        return;
      case "INBOUND_TEXT_STARTED":
        this.feed(this.peerFrame(0x01, utf8("a")));
        return;
      case "INBOUND_BINARY_STARTED":
        this.feed(this.peerFrame(0x02, new Uint8Array([1])));
        return;
      case "INBOUND_MESSAGE_FINISHED":
        this.feed(this.peerFrame(0x80, utf8("z")));
        return;
      case "CLOSE_RECEIVED":
        this.feed(this.peerFrame(0x88, new Uint8Array([0x03, 0xe8])));
        return;
      case "PROTOCOL_FAILED":
        this.feed(this.peerFrame(0xa1, new Uint8Array(0))); // RSV2 set
        return;
      case "EOF":
        this.feed(null);
        return;
      default:
        throw new Error(`no way to make ${type} happen on a Connection`);
    }
  }
}

/** Drives a fresh Connection along `steps`, checking the snapshot and lifecycle after each. */
function replay(role: ConnectionType, steps: ReadonlyArray<{ event: { type: string }; state: MachineSnapshot }>): Driver {
  const driver = new Driver(role);
  const lifecycle = driver.watched.lifecycle;
  for (const step of steps) {
    if (step.event.type === "xstate.init") {
      expect(driver.value).toEqual(step.state.value);
      continue;
    }
    const before = lifecycle.length;
    driver.drive(step.event.type);
    const label = `${role} after ${step.event.type}`;
    expect(driver.value, label).toEqual(step.state.value);
    expect(lifecycle.slice(before), label).toEqual([step.event.type]);
  }
  return driver;
}

// ---------------------------------------------------------------------------------------
// Sends and their legality (spec §2.2 as amended by DESIGN.md deviations 7 and 8)

const SENDS = {
  "TextMessage final": () => new TextMessage({ data: "t" }),
  "TextMessage fragment": () => new TextMessage({ data: "t", messageFinished: false }),
  "BytesMessage final": () => new BytesMessage({ data: new Uint8Array([7]) }),
  "BytesMessage fragment": () => new BytesMessage({ data: new Uint8Array([7]), messageFinished: false }),
  Ping: () => new Ping({ payload: utf8("p") }),
  Pong: () => new Pong({ payload: utf8("q") }),
  CloseConnection: () => new CloseConnection({ code: 1000, reason: "bye" }),
  Request: () => new Request({ host: "example.com", target: "/" }),
  AcceptConnection: () => new AcceptConnection(),
  RejectConnection: () => new RejectConnection(),
  "RejectConnection with body": () => new RejectConnection({ hasBody: true }),
  RejectData: () => new RejectData({ data: utf8("no") }),
  "RejectData unfinished": () => new RejectData({ data: utf8("no"), bodyFinished: false }),
} satisfies Record<string, () => Event>;
type SendKind = keyof typeof SENDS;

/** A malformed event of each kind a Connection sends: always refused, whatever the state. */
const MALFORMED: Partial<Record<SendKind, () => Event>> = {
  "TextMessage final": () => new TextMessage({ data: "a\uD800" }), // a lone surrogate
  "TextMessage fragment": () => new TextMessage({ data: "a\uD800", messageFinished: false }),
  "BytesMessage final": () => new BytesMessage({ data: "x" as unknown as Uint8Array }),
  "BytesMessage fragment": () => new BytesMessage({ data: "x" as unknown as Uint8Array, messageFinished: false }),
  Ping: () => new Ping({ payload: new Uint8Array(126) }),
  Pong: () => new Pong({ payload: new Uint8Array(126) }),
  CloseConnection: () => new CloseConnection({ code: 1006 }),
};

const SEND_FOR_MACHINE_EVENT: Record<string, SendKind> = {
  SEND_TEXT: "TextMessage final",
  SEND_TEXT_FRAGMENT: "TextMessage fragment",
  SEND_BINARY: "BytesMessage final",
  SEND_BINARY_FRAGMENT: "BytesMessage fragment",
  SEND_PING: "Ping",
  SEND_PONG: "Pong",
  SEND_CLOSE: "CloseConnection",
};
const MACHINE_EVENT_FOR_SEND = Object.fromEntries(Object.entries(SEND_FOR_MACHINE_EVENT).map(([type, kind]) => [kind, type])) as Partial<
  Record<SendKind, ConnectionMachineEventType>
>;

/** Whether a Connection may send `kind` in the state `value` (the table, written out). */
function legal(kind: SendKind, value: unknown): boolean {
  const { top, outbound } = describeValue(value);
  switch (kind) {
    case "TextMessage final":
    case "TextMessage fragment":
      return top === "OPEN" && outbound !== "sendingBinary";
    case "BytesMessage final":
    case "BytesMessage fragment":
      return top === "OPEN" && outbound !== "sendingText";
    case "Ping":
      return top === "OPEN";
    case "Pong":
      return top === "OPEN" || top === "LOCAL_CLOSING"; // deviation 8
    case "CloseConnection":
      return top === "OPEN" || top === "REMOTE_CLOSING";
    default:
      return false; // the handshake's events never go through a Connection
  }
}

/** FIN and opcode of the frame a legal send gives. */
function expectedFrame(kind: SendKind, value: unknown): { fin: boolean; opcode: number } {
  const { outbound } = describeValue(value);
  const continuing = outbound === "sendingText" || outbound === "sendingBinary";
  switch (kind) {
    case "TextMessage final":
      return { fin: true, opcode: continuing ? 0 : 1 };
    case "TextMessage fragment":
      return { fin: false, opcode: continuing ? 0 : 1 };
    case "BytesMessage final":
      return { fin: true, opcode: continuing ? 0 : 2 };
    case "BytesMessage fragment":
      return { fin: false, opcode: continuing ? 0 : 2 };
    case "Ping":
      return { fin: true, opcode: 9 };
    case "Pong":
      return { fin: true, opcode: 10 };
    default:
      return { fin: true, opcode: 8 };
  }
}

// ---------------------------------------------------------------------------------------
// Inputs and what RFC 6455 makes of them

const INPUTS = [
  "text message",
  "binary message",
  "text fragment",
  "binary fragment",
  "continuation",
  "final continuation",
  "ping",
  "pong",
  "close",
  "bad frame",
  "EOF",
] as const;
type Input = (typeof INPUTS)[number];

function inputBytes(driver: Driver, input: Input): Uint8Array | null {
  switch (input) {
    case "text message":
      return driver.peerFrame(0x81, utf8("m"));
    case "binary message":
      return driver.peerFrame(0x82, new Uint8Array([9]));
    case "text fragment":
      return driver.peerFrame(0x01, utf8("f"));
    case "binary fragment":
      return driver.peerFrame(0x02, new Uint8Array([8]));
    case "continuation":
      return driver.peerFrame(0x00, utf8("c"));
    case "final continuation":
      return driver.peerFrame(0x80, utf8("e"));
    case "ping":
      return driver.peerFrame(0x89, utf8("i"));
    case "pong":
      return driver.peerFrame(0x8a, utf8("o"));
    case "close":
      return driver.peerFrame(0x88, new Uint8Array([0x03, 0xe8]));
    case "bad frame":
      return driver.peerFrame(0x83, new Uint8Array(0)); // reserved opcode 0x3
    case "EOF":
      return null;
  }
}

/** What an input must do: lifecycle facts, events (summarized), the top state after. */
type Reaction = { facts: string[]; emitted: string[]; top: string } | "refused";

function reaction(input: Input, value: unknown): Reaction {
  const { top, inbound } = describeValue(value);
  if (top === "CLOSED") return input === "EOF" ? { facts: [], emitted: [], top } : "refused";
  if (input === "EOF") return { facts: ["EOF"], emitted: ["Close 1006"], top: "CLOSED" };
  // After the peer's Close (or a failure), input is not interpreted (I5).
  if (top === "REMOTE_CLOSING") return { facts: [], emitted: [], top };
  const ended = top === "OPEN" ? "REMOTE_CLOSING" : "CLOSED";
  const fail = { facts: ["PROTOCOL_FAILED"], emitted: ["Close 1002"], top: ended };
  const receiving = inbound !== "idle";
  const dataType = inbound === "receivingText" ? "TextMessage" : "BytesMessage";
  switch (input) {
    case "text message":
      return receiving ? fail : { facts: [], emitted: ["TextMessage"], top };
    case "binary message":
      return receiving ? fail : { facts: [], emitted: ["BytesMessage"], top };
    case "text fragment":
      return receiving ? fail : { facts: ["INBOUND_TEXT_STARTED"], emitted: ["TextMessage…"], top };
    case "binary fragment":
      return receiving ? fail : { facts: ["INBOUND_BINARY_STARTED"], emitted: ["BytesMessage…"], top };
    case "continuation":
      return receiving ? { facts: [], emitted: [`${dataType}…`], top } : fail;
    case "final continuation":
      return receiving ? { facts: ["INBOUND_MESSAGE_FINISHED"], emitted: [dataType], top } : fail;
    case "ping":
      return { facts: [], emitted: ["Ping"], top };
    case "pong":
      return { facts: [], emitted: ["Pong"], top };
    case "close":
      return { facts: ["CLOSE_RECEIVED"], emitted: ["Close 1000"], top: ended };
    case "bad frame":
      return fail;
  }
}

function summarize(event: ConnectionEvent): string {
  if (event instanceof CloseConnection) return `Close ${event.code}`;
  if (event instanceof TextMessage || event instanceof BytesMessage) return event.messageFinished ? event.type : `${event.type}…`;
  return event.type;
}

/** The machine's own answer: `snapshot` after `facts`, each of which it must accept. */
function machineAfter(snapshot: MachineSnapshot, facts: readonly string[]): MachineSnapshot {
  let current = snapshot;
  for (const type of facts) {
    const event = { type } as ConnectionMachineEvent;
    expect(connectionMachine.getTransitionData(current, event).length, `the machine accepts ${type} in ${key(current.value)}`).toBeGreaterThan(0);
    [current] = transition(connectionMachine, current, event);
  }
  return current;
}

// ---------------------------------------------------------------------------------------

for (const role of ROLES) {
  describe(`${role} Connection: every state of the statechart, reached with real bytes and sends`, () => {
    const paths = getShortestPaths(connectionMachine, { input: { role, opened: true }, events: MACHINE_EVENTS });

    it("the traversal reaches the 9 OPEN, 3 LOCAL_CLOSING, REMOTE_CLOSING and CLOSED states", () => {
      const values = paths.map((path) => key(path.state.value)).sort();
      const expected = [
        ...(["idle", "receivingText", "receivingBinary"] as const).flatMap((inbound) =>
          (["idle", "sendingText", "sendingBinary"] as const).map((outbound) => key({ OPEN: { inbound, outbound } })),
        ),
        ...(["idle", "receivingText", "receivingBinary"] as const).map((inbound) => key({ LOCAL_CLOSING: inbound })),
        key("REMOTE_CLOSING"),
        key("CLOSED"),
      ].sort();
      expect(values).toEqual(expected);
    });

    for (const path of paths) {
      const name = key(path.state.value);
      const route = path.steps.map((step) => step.event.type as string).filter((type) => type !== "xstate.init").join(" → ") || "start";

      it(`${name} (${route}): the engine gets there; each send is allowed exactly when the table says`, () => {
        expect(replay(role, path.steps).value).toEqual(path.state.value);
        for (const kind of Object.keys(SENDS) as SendKind[]) {
          const driver = replay(role, path.steps);
          const lifecycle = driver.watched.lifecycle;
          const before = lifecycle.length;
          const label = `${kind} in ${name}`;
          if (!legal(kind, path.state.value)) {
            let bytes: Uint8Array | undefined;
            expect(() => {
              bytes = driver.connection.send(SENDS[kind]());
            }, label).toThrow(LocalProtocolError);
            expect(bytes, label).toBeUndefined();
            expect(driver.value, label).toEqual(path.state.value);
            expect(lifecycle.length, label).toBe(before);
            continue;
          }
          const bytes = driver.connection.send(SENDS[kind]());
          const frame = readFrame(bytes);
          expect(frame?.end, label).toBe(bytes.length);
          expect({ fin: frame?.fin, opcode: frame?.opcode, masked: frame?.masked }, label).toEqual({
            ...expectedFrame(kind, path.state.value),
            masked: driver.client,
          });
          const type = MACHINE_EVENT_FOR_SEND[kind] as ConnectionMachineEventType;
          const next = machineAfter(path.state, [type]);
          expect(driver.value, label).toEqual(next.value);
          // Only a change of state costs the statechart an event.
          expect(lifecycle.slice(before), label).toEqual(key(next.value) === name ? [] : [type]);
        }
      });

      it(`${name} (${route}): a malformed send is refused and changes nothing, even where its kind is allowed`, () => {
        const driver = replay(role, path.steps);
        const lifecycle = driver.watched.lifecycle;
        const before = lifecycle.length;
        for (const [kind, make] of Object.entries(MALFORMED)) {
          let bytes: Uint8Array | undefined;
          expect(() => {
            bytes = driver.connection.send(make());
          }, `${kind} in ${name}`).toThrow(LocalProtocolError);
          expect(bytes).toBeUndefined();
          expect(driver.value, `${kind} in ${name}`).toEqual(path.state.value);
        }
        expect(lifecycle.length).toBe(before);
        // Still usable: a well-formed send of an allowed kind goes through afterwards.
        const allowed = (Object.keys(SENDS) as SendKind[]).find((kind) => legal(kind, path.state.value));
        if (allowed !== undefined) expect(readFrame(driver.connection.send(SENDS[allowed]()))?.opcode).toBe(expectedFrame(allowed, path.state.value).opcode);
      });

      it(`${name} (${route}): every input gives what RFC 6455 says and lands where the machine says`, () => {
        for (const input of INPUTS) {
          const driver = replay(role, path.steps);
          const lifecycle = driver.watched.lifecycle;
          const before = lifecycle.length;
          const label = `${input} in ${name}`;
          const expected = reaction(input, path.state.value);
          const bytes = inputBytes(driver, input);
          if (expected === "refused") {
            expect(() => driver.connection.receiveData(bytes), label).toThrow(LocalProtocolError);
            expect(driver.value, label).toEqual(path.state.value);
            continue;
          }
          const events = driver.feed(bytes);
          expect(events.map(summarize), label).toEqual(expected.emitted);
          expect(lifecycle.slice(before), label).toEqual(expected.facts);
          const next = machineAfter(path.state, expected.facts);
          expect(driver.value, label).toEqual(next.value);
          expect(describeValue(driver.value).top, label).toBe(expected.top);
          expect(driver.connection.state, label).toBe(expected.top);
        }
      });
    }
  });
}

describe("random walks: any mix of sends, inputs and misuse, the engine and the model in step", () => {
  type Action = { send: SendKind } | { input: Input };
  const actions: Action[] = [...(Object.keys(SENDS) as SendKind[]).map((send) => ({ send })), ...INPUTS.map((input) => ({ input }))];

  it("for both roles, every step does what the table and RFC 6455 say, and the snapshots agree", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ROLES), fc.array(fc.constantFrom(...actions), { maxLength: 40 }), (role, walk) => {
        const driver = new Driver(role);
        const lifecycle = driver.watched.lifecycle;
        let model: MachineSnapshot = getInitialSnapshot(connectionMachine, { role, opened: true });
        expect(driver.value).toEqual(model.value);
        for (const [index, action] of walk.entries()) {
          const label = `step ${index}: ${JSON.stringify(action)} in ${key(model.value)}`;
          const before = lifecycle.length;
          let facts: string[] = [];
          if ("send" in action) {
            if (!legal(action.send, model.value)) {
              expect(() => driver.connection.send(SENDS[action.send]()), label).toThrow(LocalProtocolError);
            } else {
              const frame = readFrame(driver.connection.send(SENDS[action.send]()));
              expect(frame?.opcode, label).toBe(expectedFrame(action.send, model.value).opcode);
              const type = MACHINE_EVENT_FOR_SEND[action.send] as string;
              facts = key(machineAfter(model, [type]).value) === key(model.value) ? [] : [type];
              model = machineAfter(model, [type]);
            }
          } else {
            const expected = reaction(action.input, model.value);
            const bytes = inputBytes(driver, action.input);
            if (expected === "refused") {
              expect(() => driver.connection.receiveData(bytes), label).toThrow(LocalProtocolError);
            } else {
              expect(driver.feed(bytes).map(summarize), label).toEqual(expected.emitted);
              facts = expected.facts;
              model = machineAfter(model, facts);
              expect(driver.connection.state, label).toBe(expected.top);
            }
          }
          expect(lifecycle.slice(before), label).toEqual(facts);
          expect(driver.value, label).toEqual(model.value);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("longer histories: simple paths of the statechart replayed on real Connections", () => {
  // Every simple path (no state visited twice) of a bare Connection, sampled evenly so the
  // folder stays fast; each is replayed for both roles, the snapshot checked at every step.
  const all = getSimplePaths(connectionMachine, { input: { role: "SERVER", opened: true }, events: MACHINE_EVENTS });
  const sample = all.filter((_, index) => index % 8 === 0);

  it(`${all.length} simple paths exist; ${sample.length} of them replay step by step for both roles`, () => {
    expect(all.length).toBeGreaterThan(100);
    expect(Math.max(...sample.map((path) => path.steps.length))).toBeGreaterThanOrEqual(8);
    for (const path of sample) for (const role of ROLES) replay(role, path.steps);
  });
});

describe("entering and leaving a message in progress with partial frames", () => {
  for (const role of ROLES) {
    for (const closing of [false, true]) {
      for (const [name, first, inbound] of [
        ["text", 0x81, "receivingText"],
        ["binary", 0x82, "receivingBinary"],
      ] as const) {
        it(`${role}${closing ? " after its Close" : ""}: part of a ${name} frame reaches ${inbound}, the rest goes back to idle`, () => {
          const driver = new Driver(role);
          if (closing) driver.connection.send(new CloseConnection({ code: 1000 }));
          const { lifecycle } = driver.watched;
          const wrap = (state: Inbound) => (closing ? { LOCAL_CLOSING: state } : { OPEN: { inbound: state, outbound: "idle" } });
          const frame = driver.peerFrame(first, utf8("xyz"));
          const cut = frame.length - 2; // header, key and the first payload byte
          const before = lifecycle.length;
          expect(driver.feed(frame.subarray(0, cut)).map(summarize)).toEqual([name === "text" ? "TextMessage…" : "BytesMessage…"]);
          expect(driver.value).toEqual(wrap(inbound));
          // A control frame cannot interleave inside a frame: more bytes of it, and the end.
          expect(driver.feed(frame.subarray(cut, cut + 1)).map(summarize)).toEqual([name === "text" ? "TextMessage…" : "BytesMessage…"]);
          expect(driver.value).toEqual(wrap(inbound));
          expect(driver.feed(frame.subarray(cut + 1)).map(summarize)).toEqual([name === "text" ? "TextMessage" : "BytesMessage"]);
          expect(driver.value).toEqual(wrap("idle"));
          expect(lifecycle.slice(before)).toEqual([name === "text" ? "INBOUND_TEXT_STARTED" : "INBOUND_BINARY_STARTED", "INBOUND_MESSAGE_FINISHED"]);
        });
      }

      it(`${role}${closing ? " after its Close" : ""}: a partial Close or Ping changes nothing until it is whole`, () => {
        const driver = new Driver(role);
        if (closing) driver.connection.send(new CloseConnection({ code: 1000 }));
        const start = driver.value;
        const ping = driver.peerFrame(0x89, utf8("ping"));
        expect(driver.feed(ping.subarray(0, ping.length - 1))).toEqual([]);
        expect(driver.value).toEqual(start);
        expect(driver.feed(ping.subarray(ping.length - 1)).map(summarize)).toEqual(["Ping"]);
        const close = driver.peerFrame(0x88, new Uint8Array([0x03, 0xe8, 0x62]));
        for (let i = 0; i < close.length - 1; i++) {
          expect(driver.feed(close.subarray(i, i + 1))).toEqual([]);
          expect(driver.value).toEqual(start);
        }
        expect(driver.feed(close.subarray(close.length - 1))).toEqual([new CloseConnection({ code: 1000, reason: "b" })]);
        expect(driver.value).toBe(closing ? "CLOSED" : "REMOTE_CLOSING");
      });
    }
  }
});
