/** The servers the loopback benchmarks compare, each in its own child process. */
import { startChild, type Child } from "./lib/child.js";
import type { ServerKind } from "./servers.js";

export interface ServerVariant {
  name: string;
  kind: ServerKind;
  /** Whether ws may load bufferutil in that process (ws servers only). */
  bufferUtil: boolean;
}

export const SERVER_VARIANTS: readonly ServerVariant[] = [
  { name: "wstate/node", kind: "wstate", bufferUtil: false },
  { name: "wstate core (net + WSConnection)", kind: "wstate-core", bufferUtil: false },
  { name: "ws+bufferutil", kind: "ws", bufferUtil: true },
  { name: "ws (no bufferutil)", kind: "ws", bufferUtil: false },
];

/** The environment of a child: ws loads bufferutil only when asked to. */
export function childEnv(bufferUtil: boolean): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (bufferUtil) delete env.WS_NO_BUFFER_UTIL;
  else env.WS_NO_BUFFER_UTIL = "1";
  return env;
}

export interface RunningServer {
  variant: ServerVariant;
  child: Child;
  port: number;
}

export async function startServer(variant: ServerVariant, nodeFlags: string[] = []): Promise<RunningServer> {
  const child = await startChild("servers.ts", [variant.kind], { env: childEnv(variant.bufferUtil), nodeFlags });
  const { port } = await child.ask<{ port: number }>({ cmd: "port" });
  return { variant, child, port };
}
