/**
 * webSocketLogic: a connection as XState actor logic — two actors talk to each other
 * through their emitted bytes, and a parent machine can spawn and drive one.
 */
import { describe, expect, it } from "vitest";
import { assign, createActor, setup, sendTo, type InspectionEvent } from "xstate";
import { webSocketLogic } from "../src/actor.js";
import { ConnectionState, ConnectionType } from "../src/constants.js";
import { AcceptConnection, CloseConnection, Request, TextMessage } from "../src/events.js";
import { LocalProtocolError } from "../src/errors.js";

describe("webSocketLogic", () => {
  it("runs a handshake, a message and a close between two actors", () => {
    const transitions: string[] = [];
    const inspect = (e: InspectionEvent) => {
      if (e.type === "@xstate.event") transitions.push((e.event as { type: string }).type);
    };
    const client = createActor(webSocketLogic, { input: { role: ConnectionType.CLIENT } }).start();
    const server = createActor(webSocketLogic, { input: { role: ConnectionType.SERVER, options: { inspect } } }).start();
    client.on("wstate.outbound", ({ data }) => server.send({ type: "wstate.receive", data }));
    server.on("wstate.outbound", ({ data }) => client.send({ type: "wstate.receive", data }));
    server.on("Request", () => server.send({ type: "wstate.send", event: new AcceptConnection() }));
    const received: string[] = [];
    server.on("TextMessage", (m) => {
      received.push(m.data);
      server.send({ type: "wstate.send", event: new TextMessage({ data: "echo " + m.data }) });
    });
    const replies: string[] = [];
    client.on("TextMessage", (m) => replies.push(m.data));
    server.on("CloseConnection", (c) => server.send({ type: "wstate.send", event: c.response() }));

    client.send({ type: "wstate.send", event: new Request({ host: "h", target: "/" }) });
    expect(client.getSnapshot().context.state).toBe(ConnectionState.OPEN);
    client.send({ type: "wstate.send", event: new TextMessage({ data: "hi" }) });
    expect(received).toEqual(["hi"]);
    expect(replies).toEqual(["echo hi"]);
    client.send({ type: "wstate.send", event: new CloseConnection({ code: 1000 }) });
    expect(client.getSnapshot().context.state).toBe(ConnectionState.CLOSED);
    expect(server.getSnapshot().context.state).toBe(ConnectionState.CLOSED);
    expect(transitions.filter((t) => !t.startsWith("xstate."))).toEqual([
      "REQUEST_RECEIVED",
      "SEND_ACCEPT",
      "CLOSE_RECEIVED",
      "SEND_CLOSE",
    ]);
  });

  it("emits refused sends as wstate.error instead of failing the actor", () => {
    const actor = createActor(webSocketLogic, { input: { role: ConnectionType.SERVER, opened: true } }).start();
    const errors: unknown[] = [];
    actor.on("wstate.error", ({ error }) => errors.push(error));
    actor.send({ type: "wstate.send", event: new Request({ host: "h", target: "/" }) });
    expect(errors[0]).toBeInstanceOf(LocalProtocolError);
    expect(actor.getSnapshot().status).toBe("active");
  });

  it("can be spawned by a parent machine", () => {
    const parent = setup({
      actors: { ws: webSocketLogic },
      types: { context: {} as { sent: number } },
    }).createMachine({
      context: { sent: 0 },
      invoke: { id: "ws", src: "ws", input: { role: ConnectionType.CLIENT, opened: true } },
      on: {
        go: {
          actions: [
            sendTo("ws", { type: "wstate.send", event: new TextMessage({ data: "x" }) }),
            assign({ sent: ({ context }) => context.sent + 1 }),
          ],
        },
      },
    });
    const actor = createActor(parent).start();
    const child = actor.getSnapshot().children.ws!;
    const frames: Uint8Array[] = [];
    child.on("wstate.outbound", ({ data }) => frames.push(data));
    actor.send({ type: "go" });
    expect(frames).toHaveLength(1);
    expect(frames[0][0]).toBe(0x81); // FIN + TEXT
    expect(frames[0][1]).toBe(0x81); // masked, 1 byte
  });
});
