/** wsproto's TestMessageDecoder, ported, and the per-message limits. */
import { describe, expect, it } from "vitest";
import { Opcode } from "../../src/constants.js";
import { BytesMessage, TextMessage } from "../../src/events.js";
import { RSV1 } from "../../src/frame/frame-format.js";
import { resolveLimits, type FrameLimits } from "../../src/frame/limits.js";
import { MessageDecoder } from "../../src/frame/message-decoder.js";
import { ParseFailure } from "../../src/frame/parse-failure.js";
import { hex, utf8 } from "./helpers.js";

const { CONTINUATION, TEXT, BINARY } = Opcode;

function decoder(limits: Partial<FrameLimits> = {}): MessageDecoder {
  return new MessageDecoder(resolveLimits(limits));
}

/** One whole frame: header check, then its payload as one chunk. */
function frame(messages: MessageDecoder, opcode: number, fin: boolean, payload: Uint8Array, frameFinished = true) {
  const failure = messages.beginFrame(opcode, fin, payload.length, 0);
  return failure ?? messages.receive(payload, frameFinished);
}

function failureOf(result: unknown): ParseFailure {
  expect(result).toBeInstanceOf(ParseFailure);
  return result as ParseFailure;
}

const TEXT_PAYLOAD = "fñör∂";

describe("MessageDecoder (wsproto TestMessageDecoder)", () => {
  it("single binary frame", () => {
    const payload = utf8("x".repeat(23));
    const event = frame(decoder(), BINARY, true, payload);
    expect(event).toEqual(new BytesMessage({ data: payload, frameFinished: true, messageFinished: true }));
  });

  it("follow-on binary frame", () => {
    const messages = decoder();
    frame(messages, BINARY, false, utf8("x".repeat(8)));
    const event = frame(messages, CONTINUATION, false, utf8("x".repeat(23)));
    expect(event).toBeInstanceOf(BytesMessage);
    expect((event as BytesMessage).messageFinished).toBe(false);
  });

  it("single text frame", () => {
    expect(frame(decoder(), TEXT, true, utf8(TEXT_PAYLOAD))).toEqual(new TextMessage({ data: TEXT_PAYLOAD }));
  });

  it("follow-on text frames split inside characters", () => {
    const bytes = utf8(TEXT_PAYLOAD);
    const messages = decoder();
    expect((frame(messages, TEXT, false, bytes.subarray(0, 4)) as TextMessage).data).toBe("fñ");
    const middle = frame(messages, CONTINUATION, false, bytes.subarray(4, -2)) as TextMessage;
    expect(middle).toEqual(new TextMessage({ data: TEXT_PAYLOAD.slice(2, -1), frameFinished: true, messageFinished: false }));
    const last = frame(messages, CONTINUATION, true, bytes.subarray(-2)) as TextMessage;
    expect(last).toEqual(new TextMessage({ data: TEXT_PAYLOAD.slice(-1), frameFinished: true, messageFinished: true }));
  });

  it("refuses a continuation with no message started", () => {
    expect(failureOf(frame(decoder(), CONTINUATION, true, utf8("x")))).toEqual(new ParseFailure(1002, "unexpected CONTINUATION"));
  });

  it("refuses a new message while one is in progress (missing continuation 1 and 2)", () => {
    const binary = decoder();
    frame(binary, BINARY, false, utf8("x"));
    expect(failureOf(frame(binary, BINARY, true, utf8("x")))).toEqual(new ParseFailure(1002, "expected CONTINUATION, got <Opcode.BINARY: 2>"));
    const text = decoder();
    frame(text, TEXT, false, utf8("x"));
    expect(failureOf(frame(text, BINARY, true, utf8("x"))).reason).toBe("expected CONTINUATION, got <Opcode.BINARY: 2>");
    const other = decoder();
    frame(other, BINARY, false, utf8("x"));
    expect(failureOf(frame(other, TEXT, true, utf8("x"))).reason).toBe("expected CONTINUATION, got <Opcode.TEXT: 1>");
  });

  it("fails incomplete UTF-8 at the end of the message (1007)", () => {
    const failure = failureOf(frame(decoder(), TEXT, true, utf8(TEXT_PAYLOAD).subarray(0, 4)));
    expect(failure.code).toBe(1007);
    expect(failure.reason).toBe("'utf-8' codec can't decode byte 0xc3 in position 3: unexpected end of data");
  });

  it("fails text that is not UTF-8 at once, before the message ends (latin-1 'fñörd')", () => {
    const failure = failureOf(frame(decoder(), TEXT, false, hex("66f1f67264")));
    expect(failure.code).toBe(1007);
  });

  it("fails a surrogate (1007)", () => {
    const failure = failureOf(frame(decoder(), TEXT, true, hex("cebae1bdb9cf83cebcceb5eda080656469746564")));
    expect(failure.code).toBe(1007);
  });

  it("splits a long message across chunks of one frame", () => {
    const bytes = utf8("x".repeat(65535));
    const messages = decoder();
    expect(messages.beginFrame(TEXT, true, bytes.length, 0)).toBeNull();
    const first = messages.receive(bytes.subarray(0, 32777), false) as TextMessage;
    expect(first).toEqual(new TextMessage({ data: "x".repeat(32777), frameFinished: false, messageFinished: false }));
    const second = messages.receive(bytes.subarray(32777), true) as TextMessage;
    expect(second).toEqual(new TextMessage({ data: "x".repeat(65535 - 32777), frameFinished: true, messageFinished: true }));
  });

  it("splits a long unicode message inside a character", () => {
    const bytes = utf8("∂".repeat(64));
    const messages = decoder();
    messages.beginFrame(TEXT, true, bytes.length, 0);
    expect((messages.receive(bytes.subarray(0, 64), false) as TextMessage).data).toBe("∂".repeat(21));
    expect((messages.receive(bytes.subarray(64), true) as TextMessage).data).toBe("∂".repeat(43));
  });
});

describe("MessageDecoder: state and limits", () => {
  it("reports a message in progress only between its first and last delivered chunk", () => {
    const messages = decoder();
    expect(messages.inProgress).toBe(false);
    expect(messages.beginFrame(TEXT, false, 1, 0)).toBeNull();
    expect(messages.inProgress).toBe(false); // a header alone delivered nothing yet
    messages.receive(utf8("a"), true);
    expect(messages.inProgress).toBe(true);
    messages.beginFrame(CONTINUATION, true, 0, 0);
    messages.receive(new Uint8Array(0), true);
    expect(messages.inProgress).toBe(false);
  });

  it("counts fragments per message, empty ones included (1008 above maxFragments)", () => {
    const messages = decoder({ maxFragments: 3 });
    expect(frame(messages, BINARY, false, new Uint8Array(0))).toBeInstanceOf(BytesMessage);
    expect(frame(messages, CONTINUATION, false, new Uint8Array(0))).toBeInstanceOf(BytesMessage);
    expect(frame(messages, CONTINUATION, false, new Uint8Array(0))).toBeInstanceOf(BytesMessage);
    const failure = failureOf(messages.beginFrame(CONTINUATION, true, 0, 0));
    expect(failure.code).toBe(1008);
    expect(failure.reason).toBe("Message has more than 3 fragments (maxFragments)");
  });

  it("starts counting again with each message", () => {
    const messages = decoder({ maxFragments: 2 });
    for (let i = 0; i < 5; i++) {
      expect(frame(messages, TEXT, false, utf8("a"))).toBeInstanceOf(TextMessage);
      expect(frame(messages, CONTINUATION, true, utf8("b"))).toBeInstanceOf(TextMessage);
    }
  });

  it("checks declared lengths against maxMessageSize before any payload (1009), at max+1 exactly", () => {
    const messages = decoder({ maxMessageSize: 10 });
    expect(messages.beginFrame(BINARY, false, 6, 0)).toBeNull();
    messages.receive(new Uint8Array(6), true);
    expect(messages.beginFrame(CONTINUATION, false, 4, 0)).toBeNull(); // exactly 10
    messages.receive(new Uint8Array(4), true);
    const failure = failureOf(messages.beginFrame(CONTINUATION, true, 1, 0));
    expect(failure.code).toBe(1009);
    expect(failure.reason).toBe("Message is longer than 10 bytes (maxMessageSize)");
  });

  it("does not judge a transformed message by declared lengths, but by the bytes delivered", () => {
    const messages = decoder({ maxMessageSize: 10 });
    expect(messages.beginFrame(BINARY, true, 1000, RSV1)).toBeNull(); // compressed: size unknown
    expect(messages.budget).toBe(10);
    expect(messages.receive(new Uint8Array(4), false)).toBeInstanceOf(BytesMessage);
    expect(messages.budget).toBe(6);
    expect(messages.receive(new Uint8Array(6), false)).toBeInstanceOf(BytesMessage);
    expect(messages.budget).toBe(0);
    expect(failureOf(messages.receive(new Uint8Array(1), true)).code).toBe(1009);
  });

  it("gives 1009 before 1007 when the limit trips inside a UTF-8 sequence (F46)", () => {
    const messages = decoder({ maxMessageSize: 3 });
    messages.beginFrame(TEXT, true, 100, RSV1);
    expect(messages.receive(hex("61e2"), false)).toEqual(new TextMessage({ data: "a", frameFinished: false, messageFinished: false }));
    expect(failureOf(messages.receive(hex("4141"), true)).code).toBe(1009); // also bad UTF-8
  });

  it("resets the budget when a message ends", () => {
    const messages = decoder({ maxMessageSize: 5 });
    frame(messages, BINARY, true, new Uint8Array(5));
    expect(messages.budget).toBe(5);
    expect(frame(messages, BINARY, true, new Uint8Array(5))).toBeInstanceOf(BytesMessage);
  });
});
