/**
 * The inspection hub, driven by a real run of the lifecycle statechart and by the bytes
 * and events a server would report: the JSON messages a page receives.
 */
import { createActor } from "xstate";
import { describe, expect, it } from "vitest";
import { connectionMachine, type ConnectionMachineEvent, type ConnectionMachineEventType } from "../../machines/connection.machine.js";
import { CloseConnection, Ping, Request, TextMessage } from "../../src/events.js";
import { fromHex } from "../../visualizer/frame-view.js";
import { createInspectionHub, type InspectionHub } from "../../visualizer/hub.js";
import type { HubMessage } from "../../visualizer/messages.js";

/** A subscribed page: every message it got, parsed, without `seq` and `time`. */
function page(hub: InspectionHub): { messages: Array<Record<string, unknown>>; stop: () => void } {
  const messages: Array<Record<string, unknown>> = [];
  const stop = hub.subscribe((json) => {
    const { seq, time, ...rest } = JSON.parse(json) as HubMessage & { seq?: number; time?: number };
    if (rest.type !== "hello") {
      expect(seq).toBeTypeOf("number");
      expect(time).toBeTypeOf("number");
    }
    messages.push(rest);
  });
  return { messages, stop };
}

function run(hub: InspectionHub, id: string, input: { role: "CLIENT" | "SERVER"; opened: boolean; engine?: unknown }, events: ConnectionMachineEventType[]) {
  const actor = createActor(connectionMachine, { input, inspect: hub.observerFor(id) }).start();
  for (const type of events) actor.send({ type } as ConnectionMachineEvent);
  return actor;
}

const OPEN_IDLE = { OPEN: { inbound: "idle", outbound: "idle" } };

describe("InspectionHub: the statechart", () => {
  it("announces a connection, then each transition with its meta and each new state value", () => {
    const hub = createInspectionHub();
    const { messages } = page(hub);
    run(hub, "c1", { role: "SERVER", opened: true }, ["INBOUND_TEXT_STARTED", "SEND_CLOSE", "CLOSE_RECEIVED"]);
    expect(messages).toEqual([
      { type: "hello", version: 1, connections: [] },
      { type: "connection", id: "c1", role: "SERVER", opened: true },
      {
        type: "transition", id: "c1", event: "", source: "connection.start", targets: ["connection.OPEN"],
        rfc: "RFC 6455 §4, RFC 8441 §5", description: "The handshake happened elsewhere: frames flow at once.",
      },
      { type: "state", id: "c1", value: OPEN_IDLE, status: "active" },
      {
        type: "transition", id: "c1", event: "INBOUND_TEXT_STARTED", source: "connection.OPEN.inbound.idle",
        targets: ["connection.OPEN.inbound.receivingText"], rfc: "RFC 6455 §5.4",
        description: "A text message began and is not finished yet (fragmented, or a frame still arriving).",
      },
      { type: "state", id: "c1", value: { OPEN: { inbound: "receivingText", outbound: "idle" } }, status: "active" },
      {
        type: "transition", id: "c1", event: "SEND_CLOSE", source: "connection.OPEN",
        targets: ["connection.LOCAL_CLOSING.receivingText"], rfc: "RFC 6455 §5.5.1, §7.1.2",
        description: "We sent a Close: we send no more data and wait for the peer's Close.",
      },
      { type: "state", id: "c1", value: { LOCAL_CLOSING: "receivingText" }, status: "active" },
      {
        type: "transition", id: "c1", event: "CLOSE_RECEIVED", source: "connection.LOCAL_CLOSING",
        targets: ["connection.CLOSED"], rfc: "RFC 6455 §7.1.3",
        description: "The peer answered our Close: the closing handshake is complete.",
      },
      { type: "state", id: "c1", value: "CLOSED", status: "done" },
    ]);
  });

  it("follows a server's opening handshake and never serializes the engine handle", () => {
    const hub = createInspectionHub();
    const { messages } = page(hub);
    const json: string[] = [];
    hub.subscribe((message) => json.push(message));
    run(hub, "h", { role: "SERVER", opened: false, engine: { secret: "engine internals" } }, ["REQUEST_RECEIVED", "SEND_ACCEPT"]);
    expect(messages.filter((m) => m.type === "state").map((m) => m.value)).toEqual([
      { CONNECTING: { server: "awaitingRequest" } },
      { CONNECTING: { server: "requestReceived" } },
      OPEN_IDLE,
    ]);
    expect(messages.filter((m) => m.type === "transition").map((m) => m.event)).toEqual(["", "REQUEST_RECEIVED", "SEND_ACCEPT"]);
    expect(messages[1]).toEqual({ type: "connection", id: "h", role: "SERVER", opened: false });
    expect(json.join("\n")).not.toContain("engine internals");
  });
});

describe("InspectionHub: bytes and events", () => {
  const head = "GET /echo?watch=abc HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket";
  const inbound = new Uint8Array([
    ...new TextEncoder().encode(head + "\r\n\r\n"),
    ...fromHex("81 85 37 fa 21 3d 7f 9f 4d 51 58")!,
    ...fromHex("88 82 01 02 03 04 02 ea")!,
  ]);

  for (const [name, cuts] of [
    ["in one read", [inbound.length]],
    ["byte by byte", Array.from(inbound, (_, i) => i + 1)],
    ["in uneven reads", [3, 40, 41, head.length + 5, inbound.length - 2, inbound.length]],
  ] as const) {
    it(`turns the bytes read into a handshake head and frames as hex, ${name}`, () => {
      const hub = createInspectionHub();
      const { messages } = page(hub);
      let from = 0;
      for (const to of cuts) {
        hub.frameIn("c", inbound.subarray(from, to));
        from = to;
      }
      expect(messages.slice(1)).toEqual([
        { type: "connection", id: "c", role: null, opened: null },
        { type: "http", id: "c", direction: "in", text: head, complete: true },
        { type: "frame", id: "c", direction: "in", hex: "818537fa213d7f9f4d5158", length: 11, truncated: false },
        { type: "frame", id: "c", direction: "in", hex: "88820102030402ea", length: 8, truncated: false },
      ]);
    });
  }

  it("keeps only the first payload bytes of a long frame", () => {
    const hub = createInspectionHub({ keepPayload: 2 });
    const { messages } = page(hub);
    const frame = new Uint8Array(4 + 300);
    frame.set([0x82, 0x7e, 0x01, 0x2c, 0xaa, 0xbb, 0xcc]);
    hub.frameOut("c", frame);
    expect(messages.at(-1)).toEqual({ type: "frame", id: "c", direction: "out", hex: "827e012caabb", length: 304, truncated: true });
  });

  it("summarizes events and names the statechart event of each send", () => {
    const hub = createInspectionHub();
    const { messages } = page(hub);
    hub.eventIn("c", new Request({ host: "localhost", target: "/echo?watch=abc", subprotocols: ["chat"] }));
    hub.eventIn("c", new TextMessage({ data: "Hello", messageFinished: false }));
    hub.eventOut("c", new TextMessage({ data: "Echo: Hello" }));
    hub.eventOut("c", new Ping({ payload: Uint8Array.of(1, 2) }));
    hub.eventOut("c", new CloseConnection({ code: 1000, reason: "bye" }));
    expect(messages.filter((m) => m.type === "event").map(({ direction, name, summary, machineEvent }) => [direction, name, summary, machineEvent])).toEqual([
      ["in", "Request", "GET /echo?watch=abc · Host: localhost · subprotocols: chat", null],
      ["in", "TextMessage", '"Hello" (5 chars) · message continues', null],
      ["out", "TextMessage", '"Echo: Hello" (11 chars)', "SEND_TEXT"],
      ["out", "Ping", "payload 2 bytes: 01 02", "SEND_PING"],
      ["out", "CloseConnection", '1000 NORMAL_CLOSURE "bye"', "SEND_CLOSE"],
    ]);
  });
});

describe("InspectionHub: history and subscribers", () => {
  it("gives a late page the current connections, then the latest `historyLimit` messages", () => {
    const hub = createInspectionHub({ historyLimit: 3 });
    run(hub, "a", { role: "SERVER", opened: true }, ["SEND_CLOSE"]);
    run(hub, "b", { role: "CLIENT", opened: false }, []);
    const { messages } = page(hub);
    expect(messages[0]).toEqual({
      type: "hello",
      version: 1,
      connections: [
        { id: "a", role: "SERVER", opened: true, value: { LOCAL_CLOSING: "idle" }, status: "active", since: expect.any(Number) },
        { id: "b", role: "CLIENT", opened: false, value: { CONNECTING: { client: "idle" } }, status: "active", since: expect.any(Number) },
      ],
    });
    expect(messages.slice(1).map((m) => [m.id, m.type])).toEqual([["b", "connection"], ["b", "transition"], ["b", "state"]]);
  });

  it("forgets the oldest closed connection first when `connectionLimit` is reached", () => {
    const hub = createInspectionHub({ connectionLimit: 2 });
    run(hub, "open", { role: "SERVER", opened: true }, []);
    run(hub, "closed", { role: "SERVER", opened: true }, ["EOF"]);
    run(hub, "new", { role: "SERVER", opened: true }, []);
    const { messages } = page(hub);
    expect((messages[0].connections as Array<{ id: string }>).map((c) => c.id)).toEqual(["open", "new"]);
    run(hub, "newer", { role: "SERVER", opened: true }, []);
    hub.frameIn("newer", Uint8Array.of(0x89, 0x00));
    const late = page(hub);
    expect((late.messages[0].connections as Array<{ id: string }>).map((c) => c.id)).toEqual(["new", "newer"]);
  });

  it("drops a sink that throws, keeps the others, and never disturbs the machine", () => {
    const hub = createInspectionHub();
    let calls = 0;
    hub.subscribe(() => {
      calls++;
      if (calls > 2) throw new Error("page went away");
    });
    const { messages, stop } = page(hub);
    const actor = run(hub, "c", { role: "SERVER", opened: true }, ["SEND_CLOSE", "CLOSE_RECEIVED"]);
    expect(actor.getSnapshot().value).toBe("CLOSED");
    expect(calls).toBe(3);
    expect(messages.at(-1)).toEqual({ type: "state", id: "c", value: "CLOSED", status: "done" });
    stop();
    const before = messages.length;
    hub.frameIn("c", Uint8Array.of(0x88, 0x00));
    expect(messages.length).toBe(before);
  });
});
