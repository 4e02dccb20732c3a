/**
 * Autobahn|Testsuite sections 1–7 and 10, in process: the fuzzer's side of every case is
 * played byte for byte against a wstate echo peer, as server and as client, and graded
 * as Autobahn grades it. A case passes when it is OK or INFORMATIONAL (NON-STRICT fails).
 * Sections 9, 12 and 13 are slow: `npm run test:conformance`.
 */
import { describe, expect, it } from "vitest";
import type { CaseSpec } from "./harness/catalogue.js";
import { seededRandom } from "./harness/random.js";
import { runCase, type CaseResult } from "./harness/run-case.js";
import { declareSuite, describeResult, ROLES } from "./harness/suite.js";
import { bytewise, randomSplits } from "./harness/tcp.js";

const cases = declareSuite("sections 1-7, 10", [1, 2, 3, 4, 5, 6, 7, 10]);

/** Payload bytes the fuzzer writes in a case. */
function fuzzerBytes(spec: CaseSpec): number {
  return spec.fuzzer_actions.reduce((sum, action) => sum + ("payload" in action ? action.payload.length : 0), 0);
}

/** What must not change when only the chunking of the peer's input changes. */
function observable(result: CaseResult): unknown {
  return [result.behavior, result.behaviorClose, result.received, result.remoteCloseCode, result.closedByMe, result.wasClean];
}

describe.skipIf(cases === null)("the verdicts do not depend on how the peer's input is chunked", () => {
  const sections = [...new Set((cases ?? []).map((spec) => spec.section))];
  for (const role of ROLES) {
    for (const section of sections) {
      it(`wstate as ${role}, section ${section}: every segment whole, in random pieces, and byte by byte (cases up to 4 KiB)${role === "server" ? ", also unmasking in place" : ""}`, () => {
        const random = seededRandom(section);
        for (const spec of (cases ?? []).filter((c) => c.section === section)) {
          const whole = runCase(spec, { role });
          const splits = [randomSplits(random), ...(fuzzerBytes(spec) <= 4096 ? [bytewise] : [])];
          for (const split of splits) {
            const chunked = runCase(spec, { role, split });
            expect(observable(chunked), `${describeResult(whole)}\n--- chunked:\n${describeResult(chunked)}`).toEqual(observable(whole));
          }
          // A server that unmasks its input in place (as wstate/node does) behaves the same.
          if (role === "server") {
            for (const split of [undefined, ...splits]) {
              const inPlace = runCase(spec, { role, split, peerOptions: { unmaskInPlace: true } });
              expect(observable(inPlace), `${describeResult(whole)}\n--- unmasked in place:\n${describeResult(inPlace)}`).toEqual(observable(whole));
            }
          }
        }
      });
    }
  }
});
