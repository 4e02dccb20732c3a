/**
 * The chart the page draws is read from the machine definition: every state and every
 * transition with its meta, the top-level arrows they imply, the rows, and the lanes.
 */
import { describe, expect, it } from "vitest";
import { connectionMachine } from "../../machines/connection.machine.js";
import {
  activeStateIds,
  chartModel,
  findTransition,
  staysFor,
  type MachineStateNode,
} from "../../visualizer/chart/model.js";
import { assignLanes, isAdjacent, routeEdges, type Rect } from "../../visualizer/chart/routing.js";

const model = chartModel(connectionMachine.root as unknown as MachineStateNode);

/** Every transition of the machine, counted straight from the state nodes. */
function machineTransitionCount(): number {
  let count = 0;
  const visit = (node: MachineStateNode) => {
    count += node.always?.length ?? 0;
    for (const list of node.transitions.values()) count += list.length;
    Object.values(node.states).forEach(visit);
  };
  visit(connectionMachine.root as unknown as MachineStateNode);
  return count;
}

function machineStateCount(): number {
  const visit = (node: MachineStateNode): number => 1 + Object.values(node.states).reduce((n, child) => n + visit(child), 0);
  return visit(connectionMachine.root as unknown as MachineStateNode);
}

describe("chartModel", () => {
  it("holds every state and every transition of the machine, each transition with its RFC meta", () => {
    expect(model.transitions.size).toBe(machineTransitionCount());
    expect(model.states.size).toBe(machineStateCount());
    for (const transition of model.transitions.values()) {
      expect(transition.rfc, transition.id).toMatch(/^RFC \d+ §/);
      expect(transition.description, transition.id).toBeTruthy();
    }
    expect(model.root.children.map((c) => c.key)).toEqual(["start", "CONNECTING", "REJECTING", "OPEN", "LOCAL_CLOSING", "REMOTE_CLOSING", "CLOSED"]);
  });

  it("reads kinds, initial states, guards and targets", () => {
    expect(model.states.get("connection.OPEN")).toMatchObject({ kind: "parallel", rfc: "RFC 6455 §4.1, §4.2.2" });
    expect(model.states.get("connection.CLOSED")?.kind).toBe("final");
    expect(model.states.get("connection.CONNECTING.server")?.initial).toBe(true);
    expect(model.states.get("connection.CONNECTING.client")?.initial).toBe(false);
    expect(model.states.get("connection.OPEN.inbound")?.initial).toBe(false); // regions are all entered
    expect(model.states.get("connection.start")?.description).toBe("Chooses where the connection begins.");
    const closes = model.states.get("connection.OPEN")!.transitions.filter((t) => t.event === "SEND_CLOSE");
    expect(closes.map((t) => [t.guard, t.targetIds])).toEqual([
      ["receivingText", ["connection.LOCAL_CLOSING.receivingText"]],
      ["receivingBinary", ["connection.LOCAL_CLOSING.receivingBinary"]],
      [null, ["connection.LOCAL_CLOSING.idle"]],
    ]);
    expect(model.states.get("connection.start")!.transitions.map((t) => [t.event, t.guard])).toEqual([
      ["", "condition"],
      ["", "condition"],
      ["", null],
    ]);
  });

  it("lifts transitions to arrows between top-level states, and ranks those states", () => {
    const edges = Object.fromEntries(model.edges.map((e) => [e.id.replaceAll("connection.", ""), e.events]));
    expect(edges).toEqual({
      "start->OPEN": ["always"],
      "start->CONNECTING": ["always"],
      "CONNECTING->OPEN": ["RESPONSE_ACCEPTED", "SEND_ACCEPT"],
      "CONNECTING->REJECTING": ["RESPONSE_REJECTED", "SEND_REJECT_WITH_BODY"],
      "CONNECTING->CLOSED": ["RESPONSE_REJECTED_NO_BODY", "RESPONSE_INVALID", "SEND_REJECT", "EOF"],
      "REJECTING->CLOSED": ["SEND_REJECT_DATA_END", "REJECT_BODY_END", "EOF"],
      "OPEN->LOCAL_CLOSING": ["SEND_CLOSE"],
      "OPEN->REMOTE_CLOSING": ["CLOSE_RECEIVED", "PROTOCOL_FAILED"],
      "OPEN->CLOSED": ["EOF"],
      "LOCAL_CLOSING->CLOSED": ["CLOSE_RECEIVED", "PROTOCOL_FAILED", "EOF"],
      "REMOTE_CLOSING->CLOSED": ["SEND_CLOSE", "EOF"],
    });
    expect(model.ranks.map((row) => row.map((id) => id.replace("connection.", "")))).toEqual([
      ["start"],
      ["CONNECTING"],
      ["REJECTING", "OPEN"],
      ["LOCAL_CLOSING", "REMOTE_CLOSING"],
      ["CLOSED"],
    ]);
  });
});

describe("live state on the chart", () => {
  it("lights every active state of a state value", () => {
    expect([...activeStateIds(model, { OPEN: { inbound: "receivingText", outbound: "idle" } })]).toEqual([
      "connection",
      "connection.OPEN",
      "connection.OPEN.inbound",
      "connection.OPEN.inbound.receivingText",
      "connection.OPEN.outbound",
      "connection.OPEN.outbound.idle",
    ]);
    expect([...activeStateIds(model, "CLOSED")]).toEqual(["connection", "connection.CLOSED"]);
    expect([...activeStateIds(model, { NOT_A_STATE: "x" })]).toEqual(["connection"]);
  });

  it("finds the transition a hub message names, and the sends that keep the state", () => {
    const taken = findTransition(model, { event: "SEND_CLOSE", source: "connection.OPEN", targets: ["connection.LOCAL_CLOSING.receivingBinary"] });
    expect(taken?.guard).toBe("receivingBinary");
    expect(findTransition(model, { event: "SEND_CLOSE", source: "connection.OPEN", targets: ["connection.CLOSED"] })).toBeUndefined();
    const active = activeStateIds(model, { OPEN: { inbound: "idle", outbound: "idle" } });
    expect(staysFor(model, "SEND_TEXT", active).map((t) => t.id)).toEqual(["connection.OPEN.outbound.idle|SEND_TEXT|0"]);
    expect(staysFor(model, "SEND_PING", active).map((t) => t.id)).toEqual(["connection.OPEN|SEND_PING|0"]);
    expect(staysFor(model, "SEND_CLOSE", active)).toEqual([]); // it moves: the machine reports it
  });
});

describe("routing", () => {
  it("sends skipping edges into lanes on the side where their source is outermost, without crossings", () => {
    const lanes = Object.fromEntries([...assignLanes(model)].map(([id, lane]) => [id.replaceAll("connection.", ""), `${lane.side} ${lane.index}`]));
    expect(lanes).toEqual({
      "start->OPEN": "right 1",
      "CONNECTING->CLOSED": "left 1",
      "REJECTING->CLOSED": "left 0",
      "OPEN->CLOSED": "right 0",
    });
    expect(model.edges.filter((e) => isAdjacent(model, e)).length).toBe(model.edges.length - 4);
  });

  it("draws adjacent edges straight down where boxes overlap, lanes outside every box", () => {
    const rects = new Map<string, Rect>();
    const place = (row: number, ids: string[], widths: number[]) => {
      let x = 100;
      ids.forEach((id, i) => {
        rects.set(`connection.${id}`, { x, y: row * 200, w: widths[i], h: 120 });
        x += widths[i] + 20;
      });
    };
    place(0, ["start"], [200]);
    place(1, ["CONNECTING"], [400]);
    place(2, ["REJECTING", "OPEN"], [150, 400]);
    place(3, ["LOCAL_CLOSING", "REMOTE_CLOSING"], [200, 150]);
    place(4, ["CLOSED"], [100]);
    const routed = new Map(routeEdges(model, rects, assignLanes(model), { laneGap: 20, laneStep: 10, titleBand: 30 }).map((r) => [r.id.replaceAll("connection.", ""), r]));
    expect(routed.size).toBe(model.edges.length);
    expect(routed.get("start->CONNECTING")!.path).toBe("M200,120 L200,200"); // overlap of 100–300 and 100–500
    expect(routed.get("OPEN->REMOTE_CLOSING")!.path).toBe("M395,520 L395,600"); // overlap of 270–670 and 320–470
    // The widest row ends at x = 670: right lanes run at 690 and 700; left lanes at 80 and 70.
    expect(routed.get("OPEN->CLOSED")!.path).toMatch(/^M670,[\d.]+ L680,[\d.]+ Q690,[\d.]+ 690,[\d.]+ /);
    expect(routed.get("start->OPEN")!.path).toMatch(/^M300,[\d.]+ L690,[\d.]+ Q700,/);
    expect(routed.get("CONNECTING->CLOSED")!.path).toMatch(/ L70,[\d.]+ Q70,[\d.]+ 80,[\d.]+ L100,[\d.]+$/);
    expect(routed.get("CONNECTING->CLOSED")!.label.along).toBe("lane-left");
  });
});
