/**
 * Autobahn section 12, in process: permessage-deflate with five kinds of payload (JSON,
 * a bitmap, prose sent as binary, HTML, a PDF; generated stand-ins of the suite's files),
 * 16 B to 128 KiB messages, unfragmented or auto-fragmented. wstate's pako codec is
 * judged by the fuzzer's node:zlib codec.
 */
import { declareSuite } from "../harness/suite.js";
import { COMPRESSION_COUNT } from "./compression-settings.js";

declareSuite("section 12", [12], { countCap: COMPRESSION_COUNT });
