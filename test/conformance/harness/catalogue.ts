/**
 * The Autobahn|Testsuite case catalogue (`../shared/conformance/autobahn-cases.json`):
 * its types, and loading it (absent on machines without `../shared`: callers skip).
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Where the catalogue lives: `../shared` relative to the repository root. */
export const CATALOGUE_PATH = fileURLToPath(new URL("../../../../shared/conformance/autobahn-cases.json", import.meta.url));

/** Why the suite is skipped, shown in the test output. */
export const MISSING_CATALOGUE = `Autobahn conformance skipped: ${CATALOGUE_PATH} is absent (it lives in ../shared relative to the repo root)`;

/** A payload: inline hex, or a fill byte / pattern repeated to `length` (with its SHA-1). */
export interface PayloadSpec {
  readonly length: number;
  readonly hex?: string;
  readonly utf8?: string;
  readonly valid_utf8?: boolean;
  readonly fill_byte_hex?: string;
  readonly fill_pattern_hex?: string;
  readonly head_hex?: string;
  readonly sha1?: string;
}

export interface FrameAction {
  readonly op: "frame";
  readonly opcode: number;
  readonly fin: boolean;
  readonly rsv: number;
  readonly payload: PayloadSpec;
  readonly chopsize?: number;
  readonly sync?: boolean;
}

export interface MessageAction {
  readonly op: "message";
  readonly binary: boolean;
  readonly payload: PayloadSpec;
  readonly fragment_size?: number;
  readonly frames?: number;
  readonly fragmentation?: string;
}

export interface CloseAction {
  /** `close_handshake` = sendClose (validated code), `close_frame_raw` = any payload. */
  readonly op: "close_handshake" | "close_frame_raw";
  readonly code: number | null;
  readonly reason?: PayloadSpec;
  readonly frame_payload_length: number;
}

export type Action =
  | FrameAction
  | MessageAction
  | CloseAction
  | { readonly op: "wait"; readonly seconds: number; readonly timeout_event?: string }
  | { readonly op: "drop_tcp_after" | "start_close_after"; readonly seconds: number }
  | { readonly op: "begin_message"; readonly binary: boolean }
  | { readonly op: "begin_message_frame"; readonly declared_length: number }
  | { readonly op: "frame_data_chunk"; readonly payload: PayloadSpec }
  | { readonly op: "end_message" };

export type ExpectedEvent =
  | { readonly type: "message"; readonly binary: boolean; readonly length: number; readonly hex?: string; readonly sha1?: string }
  | { readonly type: "pong"; readonly length: number; readonly hex: string }
  | { readonly type: "timeout"; readonly tag: string };

export interface ExpectedClose {
  readonly closed_by_fuzzer: boolean;
  readonly acceptable_peer_close_codes: readonly number[];
  readonly require_clean_close: boolean;
  readonly wrong_closer_fails_case: boolean;
}

/** One offer of Autobahn's `PerMessageDeflateOffer`. */
export interface DeflateOfferSpec {
  readonly request_no_context_takeover: boolean;
  readonly request_max_window_bits: number;
  readonly accept_no_context_takeover: boolean;
  readonly accept_max_window_bits: boolean;
}

export interface CompressionSetup {
  readonly testdata_file: string;
  readonly testdata_size: number;
  readonly testdata_kind: string;
  readonly message_type: "text" | "binary";
  readonly client_offers_when_fuzzer_is_client: readonly DeflateOfferSpec[];
  readonly server_accept_policy_when_fuzzer_is_server: string;
}

export interface CaseSpec {
  readonly id: string;
  readonly section: number;
  readonly subsection: string | null;
  readonly subsection_title: string | null;
  readonly kind: string;
  readonly summary: string;
  readonly fuzzer_actions: readonly Action[];
  readonly expected_events: Readonly<Partial<Record<Behavior, readonly ExpectedEvent[]>>>;
  readonly expected_close: ExpectedClose;
  readonly informational: boolean;
  readonly wrong_close_code_fails_case: boolean;
  readonly performance: boolean;
  readonly compression: boolean;
  readonly params?: Readonly<Record<string, number | boolean>>;
  readonly compression_setup?: CompressionSetup;
}

/** Autobahn's `behavior` verdicts. */
export type Behavior = "OK" | "NON-STRICT" | "INFORMATIONAL" | "UNIMPLEMENTED" | "FAILED";
/** Autobahn's `behaviorClose` verdicts. */
export type CloseBehavior = "OK" | "FAILED" | "UNCLEAN" | "WRONG CODE" | "FAILED BY CLIENT" | "INFORMATIONAL";

let cached: readonly CaseSpec[] | null | undefined;

/** All cases in catalogue order, or null when the catalogue is absent. */
export function loadCases(): readonly CaseSpec[] | null {
  if (cached === undefined) {
    cached = existsSync(CATALOGUE_PATH)
      ? (JSON.parse(readFileSync(CATALOGUE_PATH, "utf8")) as { cases: CaseSpec[] }).cases
      : null;
  }
  return cached;
}

/** The cases of the given sections, or null when the catalogue is absent. */
export function casesOfSections(sections: readonly number[]): readonly CaseSpec[] | null {
  const cases = loadCases();
  return cases === null ? null : cases.filter((c) => sections.includes(c.section));
}
