/**
 * Tests of the conformance harness itself: its frame codec against RFC 6455 vectors, its
 * deflate and negotiation against Autobahn's rules, its test data, and its grading
 * against deliberately broken peers (a harness that cannot fail proves nothing).
 */
import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { Connection, type ConnectionEvent } from "../../src/connection.js";
import { ConnectionState, ConnectionType } from "../../src/constants.js";
import { CloseConnection } from "../../src/events.js";
import { loadCases, MISSING_CATALOGUE, type CaseSpec, type DeflateOfferSpec } from "./harness/catalogue.js";
import {
  FuzzerDeflate,
  fuzzerClientAgreement,
  fuzzerServerAccept,
  offerString,
  parseAcceptPolicy,
  type DeflateAgreement,
} from "./harness/deflate.js";
import { echo, reactingPeer, wstateEchoPeer, type PeerRole } from "./harness/echo-peer.js";
import { hexToBytes } from "./harness/payload.js";
import { seededRandom } from "./harness/random.js";
import { runCase, type PeerFactory } from "./harness/run-case.js";
import { bytewise, randomSplits, type Peer, type PeerOutput } from "./harness/tcp.js";
import { testData, testDataMessages } from "./harness/test-data.js";
import { FrameReader, isValidUtf8, WireError, writeFrame, type IncomingFrame } from "./harness/wire.js";

const MASK = hexToBytes("37fa213d");
const hello = new TextEncoder().encode("Hello");

describe("wire: the fuzzer's own frame writer and reader", () => {
  // RFC 6455 §5.7 examples.
  const vectors: Array<[string, Parameters<typeof writeFrame>[0], string]> = [
    ["unmasked text", { opcode: 1, fin: true, rsv: 0, payload: hello, mask: null }, "810548656c6c6f"],
    ["masked text", { opcode: 1, fin: true, rsv: 0, payload: hello, mask: MASK }, "818537fa213d7f9f4d5158"],
    ["first fragment", { opcode: 1, fin: false, rsv: 0, payload: hello.subarray(0, 3), mask: null }, "010348656c"],
    ["last fragment", { opcode: 0, fin: true, rsv: 0, payload: hello.subarray(3), mask: null }, "80026c6f"],
    ["unmasked ping", { opcode: 9, fin: true, rsv: 0, payload: hello, mask: null }, "890548656c6c6f"],
    ["masked pong", { opcode: 10, fin: true, rsv: 0, payload: hello, mask: MASK }, "8a8537fa213d7f9f4d5158"],
  ];

  it.each(vectors)("writes the RFC 6455 §5.7 %s byte for byte", (_name, frame, hex) => {
    expect(Buffer.from(writeFrame(frame)).toString("hex")).toBe(hex);
  });

  it("writes 16-bit and 64-bit lengths and the RSV field like Autobahn (rsv=4 is RSV1)", () => {
    const header = (length: number, rsv = 0) =>
      Buffer.from(writeFrame({ opcode: 2, fin: true, rsv, payload: new Uint8Array(length), mask: null }).subarray(0, 10)).toString("hex");
    expect(header(256).slice(0, 8)).toBe("827e0100");
    expect(header(65536)).toBe("827f0000000000010000");
    expect(header(0, 4).slice(0, 4)).toBe("c200");
    expect(header(0, 1).slice(0, 4)).toBe("9200");
  });

  const stream = Buffer.concat(vectors.map(([, frame]) => writeFrame(frame)));
  const read = (pieces: Uint8Array[]): IncomingFrame[] => {
    const reader = new FrameReader();
    const frames: IncomingFrame[] = [];
    for (const piece of pieces) {
      reader.push(piece);
      for (let frame = reader.next(); frame !== null; frame = reader.next()) frames.push(frame);
    }
    return frames;
  };

  it("reads the vectors back unmasked, whole, byte by byte and in random pieces", () => {
    const whole = read([new Uint8Array(stream)]);
    expect(whole.map((f) => [f.opcode, f.fin, f.masked, Buffer.from(f.payload).toString()])).toEqual([
      [1, true, false, "Hello"],
      [1, true, true, "Hello"],
      [1, false, false, "Hel"],
      [0, true, false, "lo"],
      [9, true, false, "Hello"],
      [10, true, true, "Hello"],
    ]);
    expect(read(bytewise(new Uint8Array(stream)))).toEqual(whole);
    expect(read(randomSplits(seededRandom(1), 3)(new Uint8Array(stream)))).toEqual(whole);
  });

  it("flags a length that is not minimally encoded and rejects a 64-bit length with the top bit set", () => {
    expect(read([hexToBytes("817e0005"), hello])[0].minimalLength).toBe(false);
    expect(read([hexToBytes("827f0000000000000005"), hello])[0].minimalLength).toBe(false);
    expect(() => read([hexToBytes("827f8000000000000000")])).toThrow(WireError);
  });

  it("validates UTF-8 strictly (RFC 3629)", () => {
    expect(isValidUtf8(hexToBytes("cebae1bdb9cf83cebcceb5"))).toBe(true);
    expect(isValidUtf8(hexToBytes("f4908080"))).toBe(false); // above U+10FFFF
    expect(isValidUtf8(hexToBytes("eda080"))).toBe(false); // surrogate
    expect(isValidUtf8(hexToBytes("c0af"))).toBe(false); // overlong
    expect(isValidUtf8(hexToBytes("cebae1bd"))).toBe(false); // truncated
  });
});

describe("deflate: the fuzzer's negotiation and codec", () => {
  const offer = (nct: boolean, bits: number): DeflateOfferSpec => ({
    request_no_context_takeover: nct,
    request_max_window_bits: bits,
    accept_no_context_takeover: true,
    accept_max_window_bits: true,
  });

  it("formats offers like Autobahn's PerMessageDeflateOffer", () => {
    expect(offerString(offer(false, 0))).toBe("permessage-deflate; client_no_context_takeover; client_max_window_bits");
    expect(offerString(offer(true, 9))).toBe(
      "permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=9",
    );
  });

  it("accepts like Autobahn's accept1…accept7: rules in order, the first offer that supports the rule", () => {
    const rules = parseAcceptPolicy("server accept (requestNoContextTakeover, requestMaxWindowBits): [(True, 9), (True, 0), (False, 0)]");
    expect(rules).toEqual([
      { noContextTakeover: true, maxWindowBits: 9 },
      { noContextTakeover: true, maxWindowBits: 0 },
      { noContextTakeover: false, maxWindowBits: 0 },
    ]);
    // No offer announces client_max_window_bits or client_no_context_takeover: only the last rule fits.
    const plain = fuzzerServerAccept(rules, ["permessage-deflate; server_no_context_takeover", "permessage-deflate"]);
    expect(plain?.offerIndex).toBe(0);
    expect(plain?.response).toBe("permessage-deflate; server_no_context_takeover");
    const full = fuzzerServerAccept(rules, ["permessage-deflate", "permessage-deflate; client_no_context_takeover; client_max_window_bits"]);
    expect(full?.offerIndex).toBe(1);
    expect(full?.response).toBe("permessage-deflate; client_no_context_takeover; client_max_window_bits=9");
    expect(full?.agreement).toEqual({ clientNoContextTakeover: true, clientMaxWindowBits: 9, serverNoContextTakeover: false, serverMaxWindowBits: 15 });
    expect(parseAcceptPolicy("accept first permessage-deflate offer as-is")).toEqual([{ noContextTakeover: false, maxWindowBits: 0 }]);
    expect(fuzzerServerAccept(rules, ["x-webkit-deflate-frame"])).toBeNull();
  });

  it("checks a server's response against the offers it answers", () => {
    expect(fuzzerClientAgreement([offer(true, 9)], "permessage-deflate; server_no_context_takeover; server_max_window_bits=9")).toEqual({
      clientNoContextTakeover: false,
      clientMaxWindowBits: 15,
      serverNoContextTakeover: true,
      serverMaxWindowBits: 9,
    });
    expect(fuzzerClientAgreement([offer(true, 0)], "permessage-deflate")).toMatch(/server_no_context_takeover/);
    expect(fuzzerClientAgreement([offer(false, 9)], "permessage-deflate; server_max_window_bits=12")).toMatch(/exceeds/);
    expect(fuzzerClientAgreement([offer(false, 0)], "permessage-deflate; client_max_window_bits")).toMatch(/bare/);
    expect(fuzzerClientAgreement([offer(false, 0)], "permessage-deflate; mystery")).toMatch(/unknown parameter/);
  });

  const agreement = (nct: boolean, bits = 15): DeflateAgreement => ({
    clientNoContextTakeover: nct,
    clientMaxWindowBits: bits,
    serverNoContextTakeover: nct,
    serverMaxWindowBits: bits,
  });
  const message = new TextEncoder().encode('{"id": 1, "name": "context takeover", "tags": ["deflate", "window"]}\n'.repeat(8));

  it("round-trips messages, and context takeover really reuses the window", () => {
    for (const bits of [9, 15]) {
      const client = new FuzzerDeflate(agreement(false, bits), true);
      const server = new FuzzerDeflate(agreement(false, bits), false);
      const first = client.compress(message);
      const second = client.compress(message);
      expect(second.length).toBeLessThan(first.length / 4);
      expect(server.decompress(first)).toEqual(message);
      expect(server.decompress(second)).toEqual(message);
    }
  });

  it("refuses a stream that relies on a context the peer promised to drop", () => {
    const takeover = new FuzzerDeflate(agreement(false), true);
    const strict = new FuzzerDeflate(agreement(true), false);
    expect(strict.decompress(takeover.compress(message))).toEqual(message);
    expect(() => strict.decompress(takeover.compress(message))).toThrow();
  });

  it("accepts a message ending in a BFINAL block (RFC 7692 §7.2.3.1 allows it)", () => {
    const server = new FuzzerDeflate(agreement(true), false);
    expect(server.decompress(new Uint8Array(deflateRawSync(message)))).toEqual(message);
  });
});

const cases = loadCases();
const byId = (id: string): CaseSpec => {
  const spec = cases?.find((c) => c.id === id);
  if (spec === undefined) throw new Error(`no case ${id}`);
  return spec;
};

if (cases === null) it.skip(MISSING_CATALOGUE, () => {});

describe.skipIf(cases === null)("test data stand-ins for sections 12 and 13", () => {
  // The first case of each file sends 16-byte messages, listed in full in the catalogue.
  const firsts = (cases ?? []).filter((c) => c.section === 12 && c.params?.LEN === 16);

  it.each(firsts.map((c) => [c.compression_setup!.testdata_file, c] as const))(
    "%s: the catalogue's size, first message and kind of compressibility",
    (_file, spec) => {
      const setup = spec.compression_setup!;
      const data = testData(setup.testdata_file, setup.testdata_size);
      const bytes = data.kind === "text" ? new TextEncoder().encode(data.text) : data.bytes;
      expect(bytes.length).toBe(setup.testdata_size);
      expect(data.kind).toBe(setup.message_type);
      const first = spec.fuzzer_actions.find((a) => a.op === "message");
      expect(first?.op === "message" && Buffer.from(testDataMessages(data, 16)(0)).toString("hex")).toBe(
        first?.op === "message" && first.payload.hex,
      );
      const ratio = deflateRawSync(bytes).length / bytes.length;
      if (setup.message_type === "text" || setup.testdata_file.endsWith(".txt")) expect(ratio).toBeLessThan(0.5);
      else if (setup.testdata_file.endsWith(".pdf")) expect(ratio).toBeGreaterThan(0.85);
      else expect(ratio).toBeGreaterThan(0.4);
    },
  );

  it("slices text by characters into valid UTF-8 messages, wrapping around the end", () => {
    const data = testData("data1.json", 194056);
    const next = testDataMessages(data, 4096);
    for (let i = 45; i < 50; i++) expect(isValidUtf8(next(i))).toBe(true);
    if (data.kind !== "text") throw new Error("JSON is text");
    expect(new TextDecoder().decode(next(47))).toBe((data.text + data.text).slice((47 * 4096) % data.text.length, ((47 * 4096) % data.text.length) + 4096));
  });
});

/** The echo peer with some events handled differently (`undefined` = echo as usual). */
function tweakedEcho(tweak: (connection: Connection, event: ConnectionEvent, write: (bytes: Uint8Array) => void) => "close" | "echo" | void): PeerFactory {
  return (role, options) =>
    reactingPeer(role, options, (connection, event, write) => {
      const handled = tweak(connection, event, write);
      return handled === "echo" ? echo(connection, event, write) : handled;
    });
}

/** Never echoes data (answers Pings and Closes properly). */
const mute = tweakedEcho((_connection, event) => (event.type === "TextMessage" || event.type === "BytesMessage" ? undefined : "echo"));

/** Answers every Close with 1001 instead of the code it received. */
const wrongCode = tweakedEcho((connection, event, write) => {
  if (event.type !== "CloseConnection") return "echo";
  if (connection.state !== ConnectionState.CLOSED) write(connection.send(new CloseConnection({ code: 1001 })));
  return "close";
});

/** Never answers a Close and never closes its socket. */
const neverCloses = tweakedEcho((_connection, event) => (event.type === "CloseConnection" ? undefined : "echo"));

/** Drops TCP on any Close instead of answering it. */
const dropper = tweakedEcho((_connection, event) => (event.type === "CloseConnection" ? "close" : "echo"));

/** Fails the connection (1002) at the first byte, without echoing anything before. */
const impatient: PeerFactory = (role, options) => {
  const connection = new Connection(role === "server" ? ConnectionType.SERVER : ConnectionType.CLIENT, options);
  return {
    receive: () => ({ bytes: [connection.send(new CloseConnection({ code: 1002 }))], closeTransport: true, error: null }),
  };
};

/** The real echo peer, but always one delivery behind (a peer that validates late). */
const lazy: PeerFactory = (role, options) => {
  const inner = wstateEchoPeer(role, options);
  let held: Uint8Array | null = null;
  return {
    receive(data): PeerOutput {
      const output = held === null ? { bytes: [], closeTransport: false, error: null } : inner.receive(held);
      held = data;
      if (data === null) return inner.receive(null);
      return output;
    },
  };
};

/** The real echo peer, plus an unmasked unsolicited Pong in front of its first answer. */
const strayPong: PeerFactory = (role, options) => {
  const inner = wstateEchoPeer(role, options);
  let first = true;
  return {
    receive(data): PeerOutput {
      const output = inner.receive(data);
      if (!first || output.bytes.length === 0) return output;
      first = false;
      return { ...output, bytes: [hexToBytes("8a00"), ...output.bytes] };
    },
  };
};

/** An implementation that throws. */
const crashing: PeerFactory = () => ({ receive: () => ({ bytes: [], closeTransport: true, error: "Error: boom" }) });

describe.skipIf(cases === null)("grading: deliberately broken peers get Autobahn's verdicts", () => {
  const verdict = (id: string, role: PeerRole, peerFactory?: PeerFactory) => {
    const result = runCase(byId(id), { role, peerFactory });
    return { behavior: result.behavior, behaviorClose: result.behaviorClose, passed: result.passed, result: result.result };
  };

  it("wstate's own echo peer passes (the baseline the mutants differ from)", () => {
    for (const id of ["1.1.1", "2.5", "3.2", "6.4.1", "7.7.10"]) {
      expect(verdict(id, "server").passed).toBe(true);
      expect(verdict(id, "client").passed).toBe(true);
    }
  });

  it.each(["server", "client"] as const)("as %s: a peer that does not echo fails 1.1.1, and only the safety net ends it", (role) => {
    expect(verdict("1.1.1", role, mute)).toMatchObject({ behavior: "FAILED", behaviorClose: "FAILED", passed: false });
  });

  it("a peer that notices invalid UTF-8 only one delivery late is NON-STRICT on 6.4.1, which fails the test", () => {
    expect(verdict("6.4.1", "server", lazy)).toMatchObject({ behavior: "NON-STRICT", behaviorClose: "OK", passed: false });
  });

  it("a peer that fails before echoing the valid message in front of a bad frame is NON-STRICT on 3.2", () => {
    expect(verdict("3.2", "client", impatient)).toMatchObject({ behavior: "NON-STRICT", behaviorClose: "OK", passed: false });
  });

  it("a wrong close code is WRONG CODE, and fails the whole case in section 7", () => {
    expect(verdict("1.1.1", "server", wrongCode)).toMatchObject({ behavior: "OK", behaviorClose: "WRONG CODE", passed: false });
    expect(verdict("7.7.10", "client", wrongCode)).toMatchObject({ behavior: "FAILED", behaviorClose: "WRONG CODE" });
  });

  it("a peer that never answers the fuzzer's Close is UNCLEAN (closing handshake timeout)", () => {
    expect(verdict("7.1.1", "server", neverCloses)).toMatchObject({ behaviorClose: "UNCLEAN", passed: false });
  });

  it("a peer may fail the connection by dropping TCP without a Close (Autobahn accepts it)", () => {
    expect(verdict("2.5", "server", dropper)).toMatchObject({ behavior: "OK", behaviorClose: "OK", passed: true });
  });

  it("a stray Pong fails the case: a protocol violation from a client (unmasked), an unexpected event from a server", () => {
    const asClient = verdict("1.1.1", "client", strayPong);
    expect(asClient).toMatchObject({ behavior: "FAILED", passed: false });
    expect(asClient.result).toMatch(/unmasked opcode 10 frame from a client/);
    expect(verdict("1.1.1", "server", strayPong)).toMatchObject({ behavior: "FAILED", passed: false });
  });

  it("an exception escaping the implementation fails the case", () => {
    const result = verdict("1.1.1", "server", crashing);
    expect(result).toMatchObject({ behavior: "FAILED", passed: false });
    expect(result.result).toMatch(/exception escaped wstate: Error: boom/);
  });
});
