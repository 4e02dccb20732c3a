/**
 * The page's store, fed by a real hub: who sent each frame, what a continuation frame
 * continues, whether permessage-deflate was agreed, and which request opened the connection.
 */
import { createActor } from "xstate";
import { describe, expect, it } from "vitest";
import { connectionMachine } from "../../machines/connection.machine.js";
import { Request } from "../../src/events.js";
import { fromHex } from "../../visualizer/frame-view.js";
import { createInspectionHub } from "../../visualizer/hub.js";
import type { HubMessage } from "../../visualizer/messages.js";
import { senderOf, Store } from "../../visualizer/page/store.js";

function wired() {
  const hub = createInspectionHub();
  const store = new Store();
  hub.subscribe((json) => store.receive(JSON.parse(json) as HubMessage));
  return { hub, store };
}

describe("Store", () => {
  it("says who sent a frame from the connection's role and the direction", () => {
    expect([senderOf("SERVER", "in"), senderOf("SERVER", "out"), senderOf("CLIENT", "in"), senderOf("CLIENT", "out"), senderOf(null, "in")]).toEqual([
      "CLIENT", "SERVER", "SERVER", "CLIENT", "CLIENT",
    ]);
  });

  it("follows a server connection: role, state, the request target, and continuation frames", () => {
    const { hub, store } = wired();
    const actor = createActor(connectionMachine, { input: { role: "SERVER", opened: false }, inspect: hub.observerFor("c") }).start();
    actor.send({ type: "REQUEST_RECEIVED" });
    hub.eventIn("c", new Request({ host: "localhost", target: "/echo?watch=k3v9" }));
    actor.send({ type: "SEND_ACCEPT" });
    hub.frameIn("c", fromHex("01 83 00 00 00 00 48 65 6c 80 82 00 00 00 00 6c 6f 81 80 00 00 00 00")!);
    const connection = store.connections.get("c")!;
    expect(connection).toMatchObject({ role: "SERVER", opened: false, status: "active", target: "/echo?watch=k3v9", deflate: false });
    expect(connection.value).toEqual({ OPEN: { inbound: "idle", outbound: "idle" } });
    expect(connection.lastTransitions.map((t) => t.event)).toEqual(["SEND_ACCEPT"]);
    const frames = connection.items.filter((item) => item.entry.type === "frame");
    expect(frames.map((item) => item.hint)).toEqual([
      { sender: "CLIENT", continues: undefined, deflate: false },
      { sender: "CLIENT", continues: "text", deflate: false },
      { sender: "CLIENT", continues: undefined, deflate: false },
    ]);
  });

  it("notices permessage-deflate in the 101 response", () => {
    const { hub, store } = wired();
    hub.frameOut("c", new TextEncoder().encode("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"));
    hub.frameOut("c", fromHex("c1 07 f2 48 cd c9 c9 07 00")!);
    const connection = store.connections.get("c")!;
    expect(connection.deflate).toBe(true);
    expect(connection.items.at(-1)!.hint).toEqual({ sender: "SERVER", continues: undefined, deflate: true });
  });

  it("starts over from a hello, and keeps a bounded number of entries", () => {
    const { hub, store } = wired();
    for (let i = 0; i < 700; i++) hub.frameIn("c", fromHex("89 00")!);
    expect(store.connections.get("c")!.items.length).toBe(500);
    store.receive({ type: "hello", version: 1, connections: [] });
    expect(store.connections.size).toBe(0);
  });
});
