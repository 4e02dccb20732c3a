/**
 * Autobahn section 9 (limits and performance), in process: single messages up to
 * 16 MiB, 4 MiB in 64-byte to 4 MiB fragments, 1 MiB in 64-byte to 2 KiB TCP chops,
 * 1000 round trips. Virtual time: the verdict is about correctness; the summary shows
 * the real time each case took on this machine.
 */
import { declareSuite } from "../harness/suite.js";

const MIB = 1024 * 1024;

declareSuite("section 9", [9], {
  // Section 9 needs messages of 16 MiB and 65536 fragments: above wstate's defaults.
  peerOptions: { maxMessageSize: 16 * MIB, maxFrameSize: 16 * MIB, maxFragments: 65536 },
});
