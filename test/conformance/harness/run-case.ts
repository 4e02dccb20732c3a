/**
 * Runs one catalogue case against a wstate echo peer, in process and in virtual time,
 * and grades it the way Autobahn's `Case.onConnectionLost` does.
 */
import type { ConnectionOptions } from "../../../src/connection.js";
import type { Extension } from "../../../src/extensions/extension.js";
import { PerMessageDeflate } from "../../../src/extensions/permessage-deflate.js";
import { LoopingCase, ScriptCase } from "./cases.js";
import type { Behavior, CaseSpec, CloseBehavior } from "./catalogue.js";
import {
  FuzzerDeflate,
  fuzzerClientAgreement,
  fuzzerServerAccept,
  offerString,
  parseAcceptPolicy,
  PERMESSAGE_DEFLATE,
  type DeflateAgreement,
} from "./deflate.js";
import { wstateEchoPeer, type PeerRole } from "./echo-peer.js";
import { Fuzzer, type ReceivedEvent } from "./fuzzer.js";
import { seededRandom, seedOf } from "./random.js";
import { Reactor } from "./reactor.js";
import { InMemoryTcp, type Peer, type Splitter } from "./tcp.js";
import { testData, testDataMessages } from "./test-data.js";

/** One case's outcome in one role. */
export interface CaseResult {
  readonly id: string;
  readonly section: number;
  readonly role: PeerRole;
  readonly behavior: Behavior;
  readonly behaviorClose: CloseBehavior;
  readonly result: string;
  readonly resultClose: string;
  readonly passed: boolean;
  readonly received: readonly ReceivedEvent[];
  readonly remoteCloseCode: number | null;
  readonly remoteCloseReason: string | null;
  readonly closedByMe: boolean;
  readonly wasClean: boolean;
  readonly droppedByMe: boolean;
  /** Virtual seconds the case took. */
  readonly virtualSeconds: number;
  /** Real milliseconds the case took on this machine (reported, never asserted). */
  readonly wallMs: number;
  /** Peer's compressed / uncompressed bytes, for deflate cases. */
  readonly compressionRatio: number | null;
}

/** How to build the peer; tests of the harness itself pass deliberately broken peers. */
export type PeerFactory = (role: PeerRole, options: ConnectionOptions) => Peer;

export interface RunOptions {
  /** Which side wstate plays. */
  readonly role: PeerRole;
  /** Further splits every delivery to the peer (bytewise, random); null = one call per segment. */
  readonly split?: Splitter | null;
  readonly peerFactory?: PeerFactory;
  /** Connection options for the peer (limits); extensions are added by the harness. */
  readonly peerOptions?: ConnectionOptions;
  /** At most this many messages in looping cases (Autobahn sends 1000). */
  readonly countCap?: number;
}

interface Negotiation {
  readonly extensions: Extension[];
  readonly deflate: FuzzerDeflate | null;
  readonly error: string | null;
}

/** The compression level wstate's echo uses: compress everything, however small. */
const PEER_DEFLATE_THRESHOLD = 0;

/**
 * The opening handshake's extension negotiation, with the parameter sets the case lists.
 * wstate as server answers the fuzzer's offers; wstate as client offers the case's
 * parameters (plus client_no_context_takeover when the fuzzer's accept policy asks the
 * client for it, as Autobahn's own client offers do) and the fuzzer's policy answers.
 */
function negotiate(spec: CaseSpec, role: PeerRole): Negotiation {
  const setup = spec.compression_setup;
  if (setup === undefined) return { extensions: [], deflate: null, error: null };
  const offersSpec = setup.client_offers_when_fuzzer_is_client;
  const fuzzerIsClient = role === "server";
  let agreement: DeflateAgreement | string;
  let extension: PerMessageDeflate;
  if (role === "server") {
    extension = new PerMessageDeflate({ threshold: PEER_DEFLATE_THRESHOLD });
    let accepted: string | null = null;
    for (const offer of offersSpec.map(offerString)) {
      accepted = extension.accept(offer);
      if (accepted !== null) break;
    }
    if (accepted === null) return { extensions: [], deflate: null, error: null };
    const response = accepted === "" ? PERMESSAGE_DEFLATE : `${PERMESSAGE_DEFLATE}; ${accepted}`;
    agreement = fuzzerClientAgreement(offersSpec, response);
  } else {
    const rules = parseAcceptPolicy(setup.server_accept_policy_when_fuzzer_is_server);
    const candidates = offersSpec.map(
      (offer) =>
        new PerMessageDeflate({
          clientNoContextTakeover: rules.some((rule) => rule.noContextTakeover),
          serverNoContextTakeover: offer.request_no_context_takeover,
          serverMaxWindowBits: offer.request_max_window_bits === 0 ? undefined : offer.request_max_window_bits,
          threshold: PEER_DEFLATE_THRESHOLD,
        }),
    );
    const offers = candidates.map((candidate) => {
      const params = candidate.offer();
      return params === "" ? PERMESSAGE_DEFLATE : `${PERMESSAGE_DEFLATE}; ${params}`;
    });
    const answer = fuzzerServerAccept(rules, offers);
    if (answer === null) return { extensions: [], deflate: null, error: null };
    extension = candidates[answer.offerIndex];
    try {
      extension.finalize(answer.response);
    } catch (error) {
      return { extensions: [], deflate: null, error: `wstate rejected the response ${JSON.stringify(answer.response)}: ${(error as Error).message}` };
    }
    agreement = answer.agreement;
  }
  if (typeof agreement === "string") return { extensions: [], deflate: null, error: `invalid negotiation: ${agreement}` };
  return { extensions: [extension], deflate: new FuzzerDeflate(agreement, fuzzerIsClient), error: null };
}

/** Autobahn's close verdict (`Case.onConnectionLost`, checked in this order). */
function closeVerdict(spec: CaseSpec, fuzzer: Fuzzer): { behaviorClose: CloseBehavior; resultClose: string } {
  const expected = spec.expected_close;
  if (expected.closed_by_fuzzer !== fuzzer.closedByMe) {
    return { behaviorClose: "FAILED", resultClose: "The connection was failed by the wrong endpoint." };
  }
  if (expected.require_clean_close && !fuzzer.wasClean) {
    return { behaviorClose: "UNCLEAN", resultClose: `The spec requires a clean close here (${fuzzer.wasNotCleanReason ?? "unclean"}).` };
  }
  if (fuzzer.remoteCloseCode !== null && !expected.acceptable_peer_close_codes.includes(fuzzer.remoteCloseCode)) {
    return {
      behaviorClose: "WRONG CODE",
      resultClose: `The close code should have been ${expected.acceptable_peer_close_codes.join(",")} or empty, got ${fuzzer.remoteCloseCode}.`,
    };
  }
  if (fuzzer.isClient && fuzzer.droppedByMe) {
    return { behaviorClose: "FAILED BY CLIENT", resultClose: "It is preferred that the server close the TCP connection." };
  }
  return { behaviorClose: "OK", resultClose: "Connection was properly closed." };
}

/** Runs `spec` with wstate in `options.role` and returns the graded result. */
export function runCase(spec: CaseSpec, options: RunOptions): CaseResult {
  const started = performance.now();
  const { role } = options;
  const seed = seedOf(`${spec.id}/${role}`);
  const negotiation = negotiate(spec, role);
  const reactor = new Reactor();
  const maskRandom = seededRandom(seed ^ 0x5eed);
  const peer = (options.peerFactory ?? wstateEchoPeer)(role, {
    ...options.peerOptions,
    extensions: negotiation.extensions,
    randomFill: (buffer) => {
      for (let i = 0; i < buffer.length; i++) buffer[i] = Math.floor(maskRandom() * 256);
    },
  });
  const tcp = new InMemoryTcp(reactor, peer, options.split ?? null);
  const fuzzer = new Fuzzer(reactor, tcp, { isClient: role === "server", seed, deflate: negotiation.deflate });
  let logic: ScriptCase | LoopingCase;
  if (spec.performance || spec.compression) {
    const setup = spec.compression_setup;
    const length = Number(spec.params?.LEN ?? 0);
    const source = setup === undefined ? null : testDataMessages(testData(setup.testdata_file, setup.testdata_size), length);
    logic = new LoopingCase(spec, fuzzer, source, options.countCap);
  } else {
    logic = new ScriptCase(spec, fuzzer);
  }
  fuzzer.logic = logic;
  let virtualSeconds = 0;
  fuzzer.whenLost(() => {
    virtualSeconds = reactor.now;
  });
  reactor.callSoon(() => logic.onOpen());
  reactor.run();
  if (!fuzzer.lost) throw new Error(`harness: case ${spec.id} ended with the connection still open`);

  let { behavior, result } = logic.behavior();
  let { behaviorClose, resultClose } = closeVerdict(spec, fuzzer);
  if (spec.expected_close.wrong_closer_fails_case && spec.expected_close.closed_by_fuzzer !== fuzzer.closedByMe) {
    behavior = "FAILED";
    result = "The wrong endpoint closed: the peer did not fail the connection itself.";
  }
  if (spec.wrong_close_code_fails_case && behaviorClose === "WRONG CODE") {
    behavior = "FAILED";
    result = resultClose;
  }
  if (spec.informational) {
    behavior = "INFORMATIONAL";
    behaviorClose = "INFORMATIONAL";
  }
  // Stricter than Autobahn: a protocol violation, an escaped exception, or a connection
  // only the fuzzer's safety net ended always fails.
  const problems = [
    ...(fuzzer.killedBySafetyNet ? ["the peer neither completed nor closed: the fuzzer's killAfter had to drop TCP"] : []),
    ...(negotiation.error === null ? [] : [negotiation.error]),
    ...fuzzer.violations.map((v) => `peer violated the protocol: ${v}`),
    ...tcp.peerErrors.map((e) => `exception escaped wstate: ${e}`),
  ];
  if (problems.length > 0) {
    behavior = "FAILED";
    result = problems.join("; ");
  }
  const passed =
    (behavior === "OK" || behavior === "INFORMATIONAL") && (behaviorClose === "OK" || behaviorClose === "INFORMATIONAL");
  const deflate = negotiation.deflate;
  return {
    id: spec.id,
    section: spec.section,
    role,
    behavior,
    behaviorClose,
    result,
    resultClose,
    passed,
    received: fuzzer.received,
    remoteCloseCode: fuzzer.remoteCloseCode,
    remoteCloseReason: fuzzer.remoteCloseReason,
    closedByMe: fuzzer.closedByMe,
    wasClean: fuzzer.wasClean,
    droppedByMe: fuzzer.droppedByMe,
    virtualSeconds,
    wallMs: performance.now() - started,
    compressionRatio: deflate === null || deflate.inboundPlain === 0 ? null : deflate.inboundCompressed / deflate.inboundPlain,
  };
}
