/**
 * Autobahn section 13, in process: permessage-deflate with each offer/accept parameter
 * set (default, no_context_takeover, max_window_bits 9 and 15, both, a 3-offer fallback),
 * JSON data, 16 B to 128 KiB messages, unfragmented or auto-fragmented.
 */
import { declareSuite } from "../harness/suite.js";
import { COMPRESSION_COUNT } from "./compression-settings.js";

declareSuite("section 13", [13], { countCap: COMPRESSION_COUNT });
