/**
 * Model-based tests of the lifecycle statechart: every reachable state is reached by a
 * shortest path from the machine itself (xstate/graph), then every event is tried there.
 * The legality of sends must match wsproto's table (spec §2.2) as amended by DESIGN.md
 * (deviations 2, 7, 8), and every lifecycle fact must land where RFC 6455 says.
 */
import { describe, expect, it } from "vitest";
import { transition, createActor } from "xstate";
import { getShortestPaths } from "xstate/graph";
import {
  connectionMachine,
  type ConnectionMachineEvent,
  type ConnectionMachineEventType,
  type ConnectionMachineInput,
} from "../../machines/connection.machine.js";
import { Lifecycle } from "../../src/lifecycle.js";

const ALL_EVENTS: ConnectionMachineEventType[] = [
  "SEND_REQUEST", "RESPONSE_ACCEPTED", "RESPONSE_REJECTED", "RESPONSE_REJECTED_NO_BODY",
  "RESPONSE_INVALID", "REJECT_BODY_END", "REQUEST_RECEIVED", "REQUEST_INVALID", "SEND_ACCEPT",
  "SEND_REJECT", "SEND_REJECT_WITH_BODY", "SEND_REJECT_DATA", "SEND_REJECT_DATA_END",
  "SEND_TEXT", "SEND_TEXT_FRAGMENT", "SEND_BINARY", "SEND_BINARY_FRAGMENT", "SEND_PING",
  "SEND_PONG", "INBOUND_TEXT_STARTED", "INBOUND_BINARY_STARTED", "INBOUND_MESSAGE_FINISHED",
  "SEND_CLOSE", "CLOSE_RECEIVED", "PROTOCOL_FAILED", "EOF",
];
const SENDS = ALL_EVENTS.filter((t) => t.startsWith("SEND_"));
const DATA_SENDS: ConnectionMachineEventType[] = [
  "SEND_TEXT", "SEND_TEXT_FRAGMENT", "SEND_BINARY", "SEND_BINARY_FRAGMENT", "SEND_PING", "SEND_PONG", "SEND_CLOSE",
];

/** The sends allowed in a state (state key = JSON of the state value). */
function expectedSends(key: string): ConnectionMachineEventType[] {
  if (key.includes('"idle"') && key.includes('"client"') && key.includes("CONNECTING")) return ["SEND_REQUEST"];
  if (key.includes("awaitingResponse")) return [];
  if (key.includes("awaitingRequest") || key.includes("requestInvalid")) return ["SEND_REJECT", "SEND_REJECT_WITH_BODY"];
  if (key.includes("requestReceived")) return ["SEND_ACCEPT", "SEND_REJECT", "SEND_REJECT_WITH_BODY"];
  if (key.includes("REJECTING")) return key.includes("server") ? ["SEND_REJECT_DATA", "SEND_REJECT_DATA_END"] : [];
  if (key.includes("OPEN")) {
    if (key.includes('"outbound":"sendingText"'))
      return ["SEND_TEXT", "SEND_TEXT_FRAGMENT", "SEND_PING", "SEND_PONG", "SEND_CLOSE"];
    if (key.includes('"outbound":"sendingBinary"'))
      return ["SEND_BINARY", "SEND_BINARY_FRAGMENT", "SEND_PING", "SEND_PONG", "SEND_CLOSE"];
    return DATA_SENDS;
  }
  if (key.includes("LOCAL_CLOSING")) return ["SEND_PONG"]; // deviation 8
  if (key.includes("REMOTE_CLOSING")) return ["SEND_CLOSE"];
  if (key.includes("CLOSED")) return [];
  throw new Error(`unexpected state ${key}`);
}

/** Where a lifecycle fact leads (top-level state), or null when it is not accepted there. */
function expectedFact(key: string, type: ConnectionMachineEventType): string | null {
  const top = key.replace(/^\{?"?([A-Z_]+).*$/, "$1");
  if (type === "EOF") return top === "CLOSED" ? null : "CLOSED";
  switch (top) {
    case "CONNECTING":
      if (key.includes("awaitingResponse")) {
        return ({ RESPONSE_ACCEPTED: "OPEN", RESPONSE_REJECTED: "REJECTING", RESPONSE_REJECTED_NO_BODY: "CLOSED", RESPONSE_INVALID: "CLOSED" } as Record<string, string>)[type] ?? null;
      }
      if (key.includes("requestReceived")) return type === "REQUEST_INVALID" ? "CONNECTING" : null;
      if (key.includes("awaitingRequest")) {
        return ({ REQUEST_RECEIVED: "CONNECTING", REQUEST_INVALID: "CONNECTING" } as Record<string, string>)[type] ?? null;
      }
      return null;
    case "REJECTING":
      return key.includes("client") && type === "REJECT_BODY_END" ? "CLOSED" : null;
    case "OPEN":
      if (type === "CLOSE_RECEIVED" || type === "PROTOCOL_FAILED") return "REMOTE_CLOSING"; // deviation 2
      if (type === "INBOUND_TEXT_STARTED" || type === "INBOUND_BINARY_STARTED") return key.includes('"inbound":"idle"') ? "OPEN" : null;
      if (type === "INBOUND_MESSAGE_FINISHED") return key.includes('"inbound":"idle"') ? null : "OPEN";
      return null;
    case "LOCAL_CLOSING":
      if (type === "CLOSE_RECEIVED" || type === "PROTOCOL_FAILED") return "CLOSED";
      if (type === "INBOUND_TEXT_STARTED" || type === "INBOUND_BINARY_STARTED") return key.includes('"idle"') ? "LOCAL_CLOSING" : null;
      if (type === "INBOUND_MESSAGE_FINISHED") return key.includes('"idle"') ? null : "LOCAL_CLOSING";
      return null;
    default:
      return null;
  }
}

const INPUTS: ConnectionMachineInput[] = [
  { role: "CLIENT", opened: false },
  { role: "SERVER", opened: false },
  { role: "CLIENT", opened: true },
  { role: "SERVER", opened: true },
];

function keyOf(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

describe("connection statechart", () => {
  for (const input of INPUTS) {
    const paths = getShortestPaths(connectionMachine, {
      input,
      events: ALL_EVENTS.map((type) => ({ type }) as ConnectionMachineEvent),
    });
    const label = `${input.role} ${input.opened ? "Connection" : "WSConnection"}`;

    it(`${label}: reaches every state the role can be in`, () => {
      const reached = new Set(paths.map((p) => keyOf(p.state.value)));
      const expectedTops = input.opened
        ? ["OPEN", "LOCAL_CLOSING", "REMOTE_CLOSING", "CLOSED"]
        : ["CONNECTING", "REJECTING", "OPEN", "LOCAL_CLOSING", "REMOTE_CLOSING", "CLOSED"];
      for (const top of expectedTops) expect([...reached].some((k) => k.includes(top))).toBe(true);
      // 3 inbound × 3 outbound in OPEN, 3 inbound in LOCAL_CLOSING.
      expect([...reached].filter((k) => k.includes("OPEN")).length).toBe(9);
      expect([...reached].filter((k) => k.includes("LOCAL_CLOSING")).length).toBe(3);
      expect(reached.has("start")).toBe(false);
    });

    for (const path of paths) {
      const key = keyOf(path.state.value);
      it(`${label}: in ${key}, sends follow the legality table and facts land where RFC 6455 says`, () => {
        // Replay the path through the engine's Lifecycle, as the engine would.
        const lifecycle = new Lifecycle(input.role, { opened: input.opened });
        for (const step of path.steps.slice(1)) lifecycle.fire(step.event.type as ConnectionMachineEventType);
        expect(keyOf(lifecycle.actor.getSnapshot().value)).toBe(key);

        const allowed = SENDS.filter((t) => lifecycle.allows(t)).sort();
        expect(allowed).toEqual(expectedSends(key).slice().sort());

        for (const type of ALL_EVENTS.filter((t) => !t.startsWith("SEND_"))) {
          const [next] = transition(connectionMachine, path.state, { type } as ConnectionMachineEvent);
          const moved = keyOf(next.value) !== key;
          const expected = expectedFact(key, type);
          expect(moved ? keyOf(next.value).replace(/^\{?"?([A-Z_]+).*$/, "$1") : null, `${type} in ${key}`).toBe(expected);
          expect(lifecycle.allows(type), `${type} in ${key}`).toBe(expected !== null);
        }
      });
    }
  }

  it("keeps the inbound message state when a Close is sent mid-message", () => {
    const actor = createActor(connectionMachine, { input: { role: "SERVER", opened: true } }).start();
    actor.send({ type: "INBOUND_BINARY_STARTED" });
    actor.send({ type: "SEND_CLOSE" });
    expect(actor.getSnapshot().value).toEqual({ LOCAL_CLOSING: "receivingBinary" });
  });

  it("gives every transition an RFC section and a description", () => {
    const missing: string[] = [];
    const visit = (node: typeof connectionMachine.root): void => {
      for (const [event, transitions] of node.transitions) {
        for (const t of transitions) {
          const meta = t.meta as { rfc?: string; description?: string } | undefined;
          if (!meta?.rfc?.startsWith("RFC ") || !meta.description) missing.push(`${node.id} ${event}`);
        }
      }
      for (const t of node.always ?? []) {
        const meta = t.meta as { rfc?: string } | undefined;
        if (!meta?.rfc) missing.push(`${node.id} always`);
      }
      for (const child of Object.values(node.states)) visit(child);
    };
    visit(connectionMachine.root);
    expect(missing).toEqual([]);
  });
});
