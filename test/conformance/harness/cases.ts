/**
 * What the fuzzer does in a case: `ScriptCase` plays the catalogue's actions (sections
 * 1–7, 10) and closes once every expected event has arrived; `LoopingCase` plays the
 * performance and compression cases (9, 12, 13), which send message after message and
 * decide their verdict themselves.
 */
import type { Action, Behavior, CaseSpec, ExpectedEvent, FrameAction, MessageAction } from "./catalogue.js";
import type { CaseLogic, Fuzzer, ReceivedEvent } from "./fuzzer.js";
import { materialize, sha1Hex } from "./payload.js";

/** Performs one action that sends or schedules something (not `wait`). */
function perform(action: Action, fuzzer: Fuzzer, payloadOverride?: Uint8Array): void {
  switch (action.op) {
    case "frame":
      fuzzer.sendFrame(action.opcode, payloadOverride ?? materialize(action.payload), {
        fin: action.fin,
        rsv: action.rsv,
        chopsize: action.chopsize,
        sync: action.sync,
      });
      break;
    case "message":
      sendMessageAction(action, fuzzer, payloadOverride ?? materialize(action.payload));
      break;
    case "close_handshake":
    case "close_frame_raw": {
      const reason = action.reason === undefined ? null : materialize(action.reason);
      const length = (action.code === null ? 0 : 2) + (reason?.length ?? 0);
      if (length !== action.frame_payload_length) throw new Error(`harness: close payload of ${length} bytes, catalogue says ${action.frame_payload_length}`);
      fuzzer.sendClose(action.code, reason);
      break;
    }
    case "drop_tcp_after":
      fuzzer.killAfter(action.seconds);
      break;
    case "start_close_after":
      fuzzer.closeAfter(action.seconds);
      break;
    case "begin_message":
      fuzzer.beginMessage(action.binary);
      break;
    case "begin_message_frame":
      fuzzer.beginMessageFrame(action.declared_length);
      break;
    case "frame_data_chunk":
      fuzzer.sendMessageFrameData(materialize(action.payload));
      break;
    case "end_message":
      fuzzer.endMessage();
      break;
    case "wait":
      throw new Error("harness: wait is handled by the script runner");
  }
}

/**
 * A message with the fuzzer's normal framing. Auto-fragmentation is checked against the
 * frame count the catalogue lists (Autobahn's 10.1.1 checks its own output the same way).
 */
function sendMessageAction(action: MessageAction, fuzzer: Fuzzer, payload: Uint8Array): void {
  if (action.fragmentation === "auto-fragment") {
    const before = countDataFrames(fuzzer);
    fuzzer.autoFragmentSize = action.fragment_size ?? 0;
    fuzzer.sendMessage(payload, action.binary);
    fuzzer.autoFragmentSize = 0;
    const sent = countDataFrames(fuzzer) - before;
    if (fuzzer.deflate === null && action.frames !== undefined && sent !== action.frames) {
      throw new Error(`harness: auto-fragmentation wrote ${sent} frames, the catalogue says ${action.frames}`);
    }
  } else {
    fuzzer.sendMessage(payload, action.binary, action.fragment_size ?? 0, fuzzer.deflate === null ? action.frames : undefined);
  }
}

function countDataFrames(fuzzer: Fuzzer): number {
  return (fuzzer.txFrames.get(0) ?? 0) + (fuzzer.txFrames.get(1) ?? 0) + (fuzzer.txFrames.get(2) ?? 0);
}

/** Autobahn's `compare`: the received events equal an expected list exactly. */
export function matchesExpected(received: readonly ReceivedEvent[], expected: readonly ExpectedEvent[]): boolean {
  if (received.length !== expected.length) return false;
  return expected.every((want, i) => {
    const got = received[i];
    switch (want.type) {
      case "message": {
        if (got.type !== "message" || got.binary !== want.binary || got.length !== want.length) return false;
        const sha1 = want.sha1 ?? sha1Hex(Buffer.from(want.hex ?? "", "hex"));
        return got.sha1 === sha1;
      }
      case "pong":
        return got.type === "pong" && got.hex === want.hex;
      case "timeout":
        return got.type === "timeout" && got.tag === want.tag;
    }
  });
}

/** A case whose behaviour comes from the catalogue's expected event lists. */
export class ScriptCase implements CaseLogic {
  readonly #spec: CaseSpec;
  readonly #fuzzer: Fuzzer;

  constructor(spec: CaseSpec, fuzzer: Fuzzer) {
    this.#spec = spec;
    this.#fuzzer = fuzzer;
  }

  onOpen(): void {
    this.#runFrom(0);
  }

  #runFrom(start: number): void {
    const actions = this.#spec.fuzzer_actions;
    for (let i = start; i < actions.length; i++) {
      const action = actions[i];
      if (action.op !== "wait") {
        perform(action, this.#fuzzer);
        continue;
      }
      const tag = action.timeout_event;
      this.#fuzzer.continueLater(action.seconds, () => {
        if (tag !== undefined) {
          // A checkpoint: the case goes on only while the connection is still open.
          if (this.#fuzzer.state !== "OPEN") return;
          this.#fuzzer.received.push({ type: "timeout", tag });
        }
        this.#runFrom(i + 1);
      });
      return;
    }
  }

  onMessage(): void {
    this.#finishWhenDone();
  }

  onPong(): void {
    this.#finishWhenDone();
  }

  onPing(): void {
    this.#finishWhenDone();
  }

  /** Autobahn's `finishWhenDone`: close once the events equal every expected list. */
  #finishWhenDone(): void {
    const expected = Object.values(this.#spec.expected_events);
    if (!expected.every((list) => matchesExpected(this.#fuzzer.received, list ?? []))) return;
    const close = this.#spec.expected_close;
    if (close.closed_by_fuzzer) this.#fuzzer.sendClose(close.acceptable_peer_close_codes[0]);
  }

  /** The behavior Autobahn derives from the expected lists. */
  behavior(): { behavior: Behavior; result: string } {
    for (const [behavior, list] of Object.entries(this.#spec.expected_events)) {
      if (matchesExpected(this.#fuzzer.received, list ?? [])) {
        return { behavior: behavior as Behavior, result: "Actual events match at least one expected." };
      }
    }
    return { behavior: "FAILED", result: "Actual events differ from any expected." };
  }
}

/** What a looping case sends as message number `index`. */
export type MessageSource = (index: number) => Uint8Array;

/**
 * Sections 9, 12, 13: the script's last data action is played `COUNT` times, each time
 * after the previous echo arrived intact (type, length, SHA-1); then the fuzzer closes.
 */
export class LoopingCase implements CaseLogic {
  readonly #spec: CaseSpec;
  readonly #fuzzer: Fuzzer;
  readonly #source: MessageSource | null;
  readonly #count: number;
  readonly #dataAction: FrameAction | MessageAction;
  #sent = 0;
  #expectedSha1 = "";
  #expectedLength = 0;
  #binary = false;
  #behavior: Behavior = "FAILED";
  #result = "The case did not finish.";

  /**
   * `source` replaces the catalogue payload (compression cases loop over test data);
   * `countCap` lowers the case's message count (the report says so).
   */
  constructor(spec: CaseSpec, fuzzer: Fuzzer, source: MessageSource | null, countCap = Infinity) {
    this.#spec = spec;
    this.#fuzzer = fuzzer;
    this.#source = source;
    this.#count = Math.min(Number(spec.params?.COUNT ?? 1), countCap);
    const data = spec.fuzzer_actions.filter((a): a is FrameAction | MessageAction => a.op === "frame" || a.op === "message");
    if (data.length !== 1) throw new Error(`harness: looping case ${spec.id} has ${data.length} data actions`);
    this.#dataAction = data[0];
  }

  onOpen(): void {
    if (this.#spec.compression && this.#fuzzer.deflate === null) {
      this.#behavior = "UNIMPLEMENTED";
      this.#result = "permessage-deflate was not negotiated.";
      this.#fuzzer.sendClose(1000);
      return;
    }
    const waitSeconds = Number(this.#spec.params?.WAITSECS ?? 0);
    this.#result = `The case did not finish within ${waitSeconds} s.`;
    for (const action of this.#spec.fuzzer_actions) {
      if (action === this.#dataAction) this.#sendOne();
      else perform(action, this.#fuzzer);
    }
  }

  #sendOne(): void {
    const action = this.#dataAction;
    const payload = this.#source?.(this.#sent) ?? materialize(action.payload);
    this.#binary = action.op === "frame" ? action.opcode === 2 : action.binary;
    this.#expectedLength = payload.length;
    this.#expectedSha1 = sha1Hex(payload);
    this.#sent++;
    if (this.#spec.compression && action.op === "message") {
      // Autobahn's compression cases set autoFragmentSize; frame counts depend on the deflate output.
      this.#fuzzer.autoFragmentSize = Number(this.#spec.params?.AUTOFRAGSIZE ?? 0);
      this.#fuzzer.sendMessage(payload, this.#binary);
    } else {
      perform(action, this.#fuzzer, payload);
    }
  }

  onMessage(payload: Uint8Array, binary: boolean): void {
    if (this.#behavior !== "FAILED" || this.#fuzzer.state !== "OPEN") return;
    let problem: string | null = null;
    if (binary !== this.#binary) problem = `echo is ${binary ? "binary" : "text"}, sent ${this.#binary ? "binary" : "text"}`;
    else if (payload.length !== this.#expectedLength) problem = `echo has ${payload.length} bytes, sent ${this.#expectedLength}`;
    else if (sha1Hex(payload) !== this.#expectedSha1) problem = "echo content differs (SHA-1)";
    if (problem !== null) {
      this.#result = `Message ${this.#sent}: ${problem}.`;
      this.#fuzzer.sendClose(1000);
    } else if (this.#sent < this.#count) {
      this.#sendOne();
    } else {
      this.#behavior = "OK";
      this.#result = `Received all ${this.#count} echoed messages in time.`;
      this.#fuzzer.sendClose(1000);
    }
  }

  onPong(): void {}

  onPing(): void {}

  behavior(): { behavior: Behavior; result: string } {
    return { behavior: this.#behavior, result: this.#result };
  }
}
