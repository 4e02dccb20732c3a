/** FrameProtocol: wsproto's TestFrameProtocolReceive / TestFrameProtocolSend ported, and the contract. */
import { describe, expect, it } from "vitest";
import { CloseReason } from "../../src/constants.js";
import { LocalProtocolError } from "../../src/errors.js";
import { BytesMessage, CloseConnection, Ping, Pong, TextMessage } from "../../src/events.js";
import { Extension } from "../../src/extensions/extension.js";
import { FrameProtocol, type FrameEvent } from "../../src/frame/frame-protocol.js";
import { FakeExtension } from "./fake-extension.js";
import { bytewise, concatBytes, feed, hex, seededFill, toHex, utf8 } from "./helpers.js";

function receive(client: boolean, ...chunks: Uint8Array[]): { events: FrameEvent[]; protocol: FrameProtocol } {
  const protocol = new FrameProtocol({ client });
  return { events: feed(protocol, chunks), protocol };
}

function closeFrame(payload: Uint8Array): Uint8Array {
  return concatBytes([new Uint8Array([0x88, payload.length]), payload]);
}

function codePayload(code: number, reason: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concatBytes([new Uint8Array([code >> 8, code & 0xff]), reason]);
}

describe("FrameProtocol receive (wsproto TestFrameProtocolReceive, client side)", () => {
  it("long text message", () => {
    const text = "x".repeat(65535);
    const { events } = receive(true, concatBytes([hex("817effff"), utf8(text)]));
    expect(events).toEqual([new TextMessage({ data: text })]);
  });

  it("close with no code: 1005", () => {
    const { events, protocol } = receive(true, hex("8800"));
    expect(events).toEqual([new CloseConnection({ code: 1005, reason: "" })]);
    expect(protocol.failed).toBe(false);
  });

  it.each([
    ["one-byte code", hex("0e"), "CLOSE with 1 byte payload"],
    ["bad code 123", codePayload(123), "CLOSE with invalid code"],
    ["unknown code 2998", codePayload(2998), "CLOSE with unknown reserved code"],
    ["local-only code 1005", codePayload(1005), "remote CLOSE with local-only reason"],
  ])("close with %s: 1002", (_, payload, reason) => {
    const { events, protocol } = receive(true, closeFrame(payload));
    expect(events).toEqual([new CloseConnection({ code: 1002, reason })]);
    expect(protocol.failed).toBe(true);
  });

  it.each(["", "tarah old chap", "fñør∂"])("close 1000 with reason %j", (reason) => {
    const { events, protocol } = receive(true, closeFrame(codePayload(1000, utf8(reason))));
    expect(events).toEqual([new CloseConnection({ code: 1000, reason })]);
    expect(protocol.failed).toBe(false);
  });

  it("close with a reason that is not UTF-8, or cut inside a character: 1007", () => {
    const bad = receive(true, closeFrame(codePayload(1000, hex("cebae1bdb9cf83cebcceb5eda080656469746564"))));
    expect((bad.events[0] as CloseConnection).code).toBe(1007);
    const cut = utf8("fñør∂");
    const incomplete = receive(true, closeFrame(codePayload(1000, cut.subarray(0, -1))));
    expect((incomplete.events[0] as CloseConnection).code).toBe(1007);
    expect(incomplete.protocol.failed).toBe(true);
  });

  it("a ping", () => {
    const payload = utf8("give me one ping vasily");
    const { events } = receive(true, concatBytes([new Uint8Array([0x89, payload.length]), payload]));
    expect(events).toEqual([new Ping({ payload })]);
  });

  it("an unfinished ping ('09 17' + 23 × x, test_frame_protocol_gets_fed_garbage): 1002", () => {
    const { events } = receive(true, concatBytes([hex("0917"), utf8("x".repeat(23))]));
    expect(events).toEqual([new CloseConnection({ code: 1002, reason: "Invalid attempt to fragment control frame" })]);
  });
});

describe("FrameProtocol receive: events as bytes arrive (behavior spec §6.8)", () => {
  it("'aé€😀' fed byte by byte gives wsproto's events, empty ones included", () => {
    const text = utf8("aé€😀");
    const protocol = new FrameProtocol({ client: true });
    const perByte = Array.from(bytewise(concatBytes([new Uint8Array([0x81, text.length]), text])), (byte) =>
      feed(protocol, [byte]).map((event) => {
        const message = event as TextMessage;
        return [message.data, message.frameFinished, message.messageFinished];
      }),
    );
    expect(perByte).toEqual([
      [],
      [],
      [["a", false, false]],
      [["", false, false]],
      [["é", false, false]],
      [["", false, false]],
      [["", false, false]],
      [["€", false, false]],
      [["", false, false]],
      [["", false, false]],
      [["", false, false]],
      [["😀", true, true]],
    ]);
  });

  it("a fragmented message with an empty middle frame", () => {
    const { events } = receive(true, hex("0102 6162 0000 8002 6364"));
    expect(events).toEqual([
      new TextMessage({ data: "ab", frameFinished: true, messageFinished: false }),
      new TextMessage({ data: "", frameFinished: true, messageFinished: false }),
      new TextMessage({ data: "cd", frameFinished: true, messageFinished: true }),
    ]);
  });

  it("parses nothing until asked, and delivers all bytes held for a frame in one event", () => {
    const protocol = new FrameProtocol({ client: true });
    protocol.receiveBytes(hex("8205 0102"));
    protocol.receiveBytes(hex("03"));
    expect(protocol.bufferedAmount).toBe(5);
    expect(protocol.nextEvent()).toEqual(new BytesMessage({ data: hex("010203"), frameFinished: false, messageFinished: false }));
    expect(protocol.bufferedAmount).toBe(0);
    expect(protocol.nextEvent()).toBeNull();
    protocol.receiveBytes(hex("0405"));
    expect(protocol.nextEvent()).toEqual(new BytesMessage({ data: hex("0405"), frameFinished: true, messageFinished: true }));
  });

  it("hands out unmasked client-side data as a view of the input (no copy)", () => {
    const input = hex("8203 010203");
    const event = receive(true, input).events[0] as BytesMessage;
    expect(event.data.buffer).toBe(input.buffer);
    expect(toHex(event.data)).toBe("010203");
  });

  it("accepts Node Buffers and never changes its input", () => {
    const input = Buffer.from(hex("8283 01020304 000000"));
    const event = receive(false, input).events[0] as BytesMessage;
    expect(toHex(event.data)).toBe("010203");
    expect(toHex(input)).toBe("8283" + "01020304" + "000000");
  });

  it("tracks a message in progress in step with the events", () => {
    const protocol = new FrameProtocol({ client: true });
    protocol.receiveBytes(hex("0101 61 8901"));
    expect(protocol.inboundMessageInProgress).toBe(false);
    expect(protocol.nextEvent()).toBeInstanceOf(TextMessage);
    expect(protocol.inboundMessageInProgress).toBe(true);
    expect(protocol.nextEvent()).toBeNull(); // a ping header only
    protocol.receiveBytes(hex("70 8001 62"));
    expect(protocol.nextEvent()).toBeInstanceOf(Ping);
    expect(protocol.inboundMessageInProgress).toBe(true);
    expect(protocol.nextEvent()).toEqual(new TextMessage({ data: "b" }));
    expect(protocol.inboundMessageInProgress).toBe(false);
  });
});

describe("FrameProtocol: stopping", () => {
  it("stops for good after a peer Close: later input is dropped", () => {
    const protocol = new FrameProtocol({ client: true });
    protocol.receiveBytes(hex("8802 03e8 8101 61"));
    expect(protocol.nextEvent()).toEqual(new CloseConnection({ code: 1000, reason: "" }));
    expect([protocol.stopped, protocol.failed, protocol.bufferedAmount]).toEqual([true, false, 0]);
    protocol.receiveBytes(hex("8101 62"));
    expect(protocol.bufferedAmount).toBe(0);
    expect(protocol.nextEvent()).toBeNull();
  });

  it("stops for good after a failure", () => {
    const protocol = new FrameProtocol({ client: false });
    protocol.receiveBytes(hex("8101 61"));
    expect(protocol.nextEvent()).toEqual(new CloseConnection({ code: 1002, reason: "server received unexpected unmasked frame" }));
    expect([protocol.stopped, protocol.failed]).toEqual([true, true]);
    protocol.receiveBytes(hex("8880 00000000"));
    expect(protocol.nextEvent()).toBeNull();
  });

  it("refuses input that is not bytes", () => {
    const protocol = new FrameProtocol({ client: false });
    expect(() => protocol.receiveBytes("81" as never)).toThrow(LocalProtocolError);
    expect(() => protocol.receiveBytes(new ArrayBuffer(2) as never)).toThrow(LocalProtocolError);
  });
});

describe("FrameProtocol: options", () => {
  it("refuses bad options at construction", () => {
    expect(() => new FrameProtocol({} as never)).toThrow(TypeError);
    expect(() => new FrameProtocol(undefined as never)).toThrow(TypeError);
    expect(() => new FrameProtocol({ client: "yes" } as never)).toThrow(TypeError);
    expect(() => new FrameProtocol({ client: true, randomFill: 4 } as never)).toThrow(TypeError);
    expect(() => new FrameProtocol({ client: true, maxMessageSize: 2 ** 31 })).toThrow(RangeError);
    expect(() => new FrameProtocol({ client: true, randomFill: undefined, maxMessageSize: undefined })).not.toThrow();
  });

  it("applies maxMessageSize and maxFragments", () => {
    const small = receive(true, hex("0203 010203 0002 0405"));
    expect(small.events).toHaveLength(2);
    const protocol = new FrameProtocol({ client: true, maxMessageSize: 4 });
    const events = feed(protocol, [hex("0203 010203 0002 0405")]);
    expect(events.at(-1)).toEqual(new CloseConnection({ code: 1009, reason: "Message is longer than 4 bytes (maxMessageSize)" }));
    const fragments = new FrameProtocol({ client: true, maxFragments: 2 });
    expect(feed(fragments, [hex("0200 0000 8000")]).at(-1)).toEqual(
      new CloseConnection({ code: 1008, reason: "Message has more than 2 fragments (maxFragments)" }),
    );
  });
});

describe("FrameProtocol with extensions", () => {
  it("uses only the extensions enabled at construction", () => {
    class Disabled extends FakeExtension {
      override enabled(): boolean {
        return false;
      }
    }
    const disabled = receive(true, hex("9100"));
    expect((disabled.events[0] as CloseConnection).code).toBe(1002);
    const protocol = new FrameProtocol({ client: true, extensions: [new Disabled()] });
    expect((feed(protocol, [hex("9100")])[0] as CloseConnection).reason).toBe("Reserved bit set unexpectedly");
    const enabled = new FrameProtocol({ client: true, extensions: [new FakeExtension()] });
    expect(feed(enabled, [hex("9100")])).toEqual([new TextMessage({ data: "™" })]);
  });

  it("tells hooks the role and the bytes the message may still deliver", () => {
    const extension = new FakeExtension();
    const protocol = new FrameProtocol({ client: false, extensions: [extension], maxMessageSize: 100 });
    feed(protocol, [hex("0183 00000000 616263"), hex("8081 00000000 64")]);
    expect(extension.contexts.every((context) => context.client === false)).toBe(true);
    // header of frame 1, its payload, header of frame 2 (3 delivered), its payload.
    expect(extension.contexts.map((context) => context.inboundBudget)).toEqual([100, 100, 97, 97]);
  });

  it("fails with 1009 when an extension's output passes maxMessageSize", () => {
    const protocol = new FrameProtocol({ client: true, extensions: [new FakeExtension()], maxMessageSize: 5 });
    // RSV3 text "abcd": upper-cased, then ™ (3 bytes) appended on completion: 7 > 5.
    const events = feed(protocol, [hex("9104 61626364")]);
    expect(events).toEqual([new CloseConnection({ code: 1009, reason: "Message is longer than 5 bytes (maxMessageSize)" })]);
  });

  it("turns an extension hook that throws into a 1011 failure, never an exception", () => {
    class Broken extends Extension {
      readonly name = "broken";
      override enabled(): boolean {
        return true;
      }
      override frameInboundPayloadData(): Uint8Array {
        throw new Error("boom");
      }
    }
    const protocol = new FrameProtocol({ client: true, extensions: [new Broken()] });
    protocol.receiveBytes(hex("8101 61"));
    expect(protocol.nextEvent()).toEqual(new CloseConnection({ code: 1011, reason: "Internal error while parsing: boom" }));
    expect([protocol.failed, protocol.stopped]).toEqual([true, true]);
  });

  it("encodes through the extensions (wsproto outbound tests)", () => {
    const protocol = new FrameProtocol({ client: false, extensions: [new FakeExtension()] });
    const single = utf8("😃😄🙃😉®");
    expect(toHex(protocol.encodeData("😃😄🙃😉", false, true))).toBe(toHex(concatBytes([new Uint8Array([0x91, single.length]), single])));
  });
});

describe("FrameProtocol send (wsproto TestFrameProtocolSend, server side unless stated)", () => {
  const server = (): FrameProtocol => new FrameProtocol({ client: false });

  it("close frames", () => {
    expect(toHex(server().encodeClose(CloseReason.NO_STATUS_RCVD))).toBe("8800");
    expect(toHex(server().encodeClose(1000))).toBe("880203e8");
    expect(toHex(server().encodeClose(1000, "bye"))).toBe("880503e8627965");
    const shrug = "¯\\_(ツ)_/¯";
    expect(toHex(server().encodeClose(1000, shrug))).toBe(toHex(concatBytes([new Uint8Array([0x88, 2 + utf8(shrug).length, 0x03, 0xe8]), utf8(shrug)])));
  });

  it("an overly reasoned close is cut to a valid 125-byte payload at most", () => {
    const frame = server().encodeClose(1000, "¯\\_(ツ)_/¯".repeat(10));
    expect(frame[0]).toBe(0x88);
    expect(frame.length).toBeLessThanOrEqual(127);
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(frame.subarray(4))).not.toThrow();
  });

  it("refuses a reason without a code, and codes that may not be sent (DESIGN deviation 7)", () => {
    expect(() => server().encodeClose(1005, "termites")).toThrow(LocalProtocolError);
    expect(() => server().encodeClose(CloseReason.ABNORMAL_CLOSURE)).toThrow(LocalProtocolError);
    expect(() => server().encodeClose(CloseReason.TLS_HANDSHAKE_FAILED, "x")).toThrow(LocalProtocolError);
  });

  it("pings and pongs, with and without payload", () => {
    expect(toHex(server().encodePing())).toBe("8900");
    expect(toHex(server().encodePong())).toBe("8a00");
    expect(toHex(server().encodePing(utf8("ping")))).toBe("890470696e67");
    expect(toHex(server().encodePong(utf8("pong")))).toBe("8a04706f6e67");
    expect(() => server().encodePong(new Uint8Array(126))).toThrow(LocalProtocolError);
    expect(() => server().encodePing("x" as never)).toThrow(LocalProtocolError);
  });

  it("single and fragmented binary and text data", () => {
    expect(toHex(server().encodeData(utf8("x"), false, true))).toBe("820178");
    expect(toHex(server().encodeData("x", false, true))).toBe("810178");
    const frames = server();
    expect(toHex(frames.encodeData("a", false, false))).toBe("010161");
    expect(toHex(frames.encodeData("b", true, false))).toBe("000162");
    expect(toHex(frames.encodeData(new Uint8Array([0x70]), true, true))).toBe("800170"); // type is the caller's business
    expect(toHex(frames.encodeData(utf8("y"), false, false))).toBe("020179");
    expect(toHex(server().encodeData("", false, true))).toBe("8100");
    expect(toHex(server().encodeData(new Uint8Array(0), false, true))).toBe("8200");
  });

  it("length boundaries 125 / 126 / 65535 / 65536", () => {
    for (const [size, header] of [[125, "827d"], [126, "827e007e"], [65535, "827effff"], [65536, "827f0000000000010000"]] as const) {
      const frame = server().encodeData(new Uint8Array(size), false, true);
      expect(toHex(frame.subarray(0, header.length / 2))).toBe(header);
      expect(frame.length).toBe(header.length / 2 + size);
    }
  });

  it("client frames are masked: length byte | 0x80, key, XORed payload", () => {
    for (const [size, second] of [[125, 0xfd], [126, 0xfe], [65536, 0xff]] as const) {
      const payload = new Uint8Array(size).fill(0x78);
      const frame = new FrameProtocol({ client: true, randomFill: seededFill(size) }).encodeData(payload, false, true);
      expect(frame[1]).toBe(second);
      const keyStart = second === 0xfd ? 2 : second === 0xfe ? 4 : 10;
      const key = frame.subarray(keyStart, keyStart + 4);
      const body = frame.subarray(keyStart + 4);
      expect(body.every((byte, i) => (byte ^ key[i & 3]) === 0x78)).toBe(true);
    }
  });

  it("refuses data that is neither text nor bytes, and text with a lone surrogate", () => {
    expect(() => server().encodeData({} as never, false, true)).toThrow(LocalProtocolError);
    expect(() => server().encodeData(null as never, false, true)).toThrow(/string \(sent as TEXT\) or a Uint8Array/);
    expect(() => server().encodeData("a\uD800b", false, true)).toThrow(LocalProtocolError);
  });

  it("sends a Pong after parsing stopped (the reply to a Close must still be possible)", () => {
    const protocol = new FrameProtocol({ client: true });
    feed(protocol, [hex("8800")]);
    expect(protocol.stopped).toBe(true);
    expect(() => protocol.encodeClose(1005)).not.toThrow();
  });
});

describe("FrameProtocol: round trip between the roles", () => {
  it("what a client encodes a server decodes, and back", () => {
    const client = new FrameProtocol({ client: true });
    const server = new FrameProtocol({ client: false });
    const wire = [
      client.encodeData("héllo", false, false),
      client.encodePing(utf8("p")),
      client.encodeData("wörld", true, true),
      client.encodeData(utf8("bytes"), false, true),
      client.encodeClose(1001, "bye"),
    ];
    expect(feed(server, wire)).toEqual([
      new TextMessage({ data: "héllo", frameFinished: true, messageFinished: false }),
      new Ping({ payload: utf8("p") }),
      new TextMessage({ data: "wörld" }),
      new BytesMessage({ data: utf8("bytes") }),
      new CloseConnection({ code: 1001, reason: "bye" }),
    ]);
    expect(feed(client, [server.encodePong(utf8("p")), server.encodeClose(1000)])).toEqual([
      new Pong({ payload: utf8("p") }),
      new CloseConnection({ code: 1000, reason: "" }),
    ]);
  });
});
