/**
 * Two copies of ws's frame layer in one process: one that uses the `bufferutil` native
 * add-on for masking, one that does not. ws decides when `lib/buffer-util.js` is first
 * loaded (`WS_NO_BUFFER_UTIL` in the environment), so the second copy is loaded from a
 * cleared module cache with the variable set. Both then run interleaved with wstate.
 */
import { createRequire } from "node:module";
import { dirname, join, sep } from "node:path";

/** ws's `Receiver` (a Writable): `write(chunk)` parses, `message` events deliver. */
export interface WsReceiver {
  write(chunk: Buffer): boolean;
  on(event: "message", listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: "error", listener: (error: Error) => void): this;
}

export interface WsFrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}

/** The parts of one ws copy the benchmarks drive. */
export interface WsCopy {
  /** "ws+bufferutil" or "ws (no bufferutil)". */
  name: string;
  Receiver: new (options: object) => WsReceiver;
  Sender: { frame(data: Buffer | string, options: WsFrameOptions): Array<Buffer | string> };
  /** The unmask function in use (to check which variant this copy is). */
  unmask: (buffer: Buffer, mask: Buffer) => void;
}

const require = createRequire(import.meta.url);
const wsLibDir = join(dirname(require.resolve("ws")), "lib");

function loadCopy(name: string): WsCopy {
  // ws exports only its entry point; its modules are loaded by path.
  const lib = (file: string) => require(join(wsLibDir, file)) as unknown;
  return {
    name,
    Receiver: lib("receiver.js") as WsCopy["Receiver"],
    Sender: lib("sender.js") as WsCopy["Sender"],
    unmask: (lib("buffer-util.js") as { unmask: WsCopy["unmask"] }).unmask,
  };
}

function forgetWsModules(): void {
  for (const key of Object.keys(require.cache)) if (key.startsWith(wsLibDir + sep)) delete require.cache[key];
}

/** Whether this copy masks with the native add-on (ws's JS loop is named `_unmask`). */
function usesBufferUtil(copy: WsCopy): boolean {
  return copy.unmask.name !== "_unmask";
}

/** Loads ws with bufferutil, then without; throws if either is not what it claims. */
export function loadWsCopies(): { withBufferUtil: WsCopy; withoutBufferUtil: WsCopy } {
  const saved = process.env.WS_NO_BUFFER_UTIL;
  delete process.env.WS_NO_BUFFER_UTIL;
  forgetWsModules();
  const withBufferUtil = loadCopy("ws+bufferutil");
  forgetWsModules();
  process.env.WS_NO_BUFFER_UTIL = "1";
  const withoutBufferUtil = loadCopy("ws (no bufferutil)");
  if (saved === undefined) delete process.env.WS_NO_BUFFER_UTIL;
  else process.env.WS_NO_BUFFER_UTIL = saved;
  forgetWsModules();
  if (!usesBufferUtil(withBufferUtil)) throw new Error("bufferutil is not installed or not loadable: ws+bufferutil would be plain ws");
  if (usesBufferUtil(withoutBufferUtil)) throw new Error("WS_NO_BUFFER_UTIL was not honoured");
  return { withBufferUtil, withoutBufferUtil };
}
