/**
 * wstate against Python peers: the `websockets` (asyncio) and `wsproto` libraries as
 * Debian ships them, run with /usr/bin/python3 (the `python3` on PATH may be another
 * Python without them). Each peer (test/interop/python/) is a small echo server or
 * client; the test drives wstate on the other end, with and without permessage-deflate.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  AcceptConnection,
  BytesMessage,
  CloseConnection,
  ConnectionState,
  PerMessageDeflate,
  Ping,
  TextMessage,
  type Request,
} from "../../src/index.js";
import {
  AsyncQueue,
  closeCleanly,
  compressibleBytes,
  expectNoErrors,
  firstDifference,
  listenWstate,
  openWstate,
  randomBytes,
  unicodeText,
  useResources,
  type WstateEndpoint,
} from "./helpers.js";

const PYTHON = "/usr/bin/python3";
const resources = useResources();

function pythonHas(module: string): boolean {
  const result = spawnSync(PYTHON, ["-c", `import ${module}`], { stdio: "ignore", timeout: 20_000 });
  return result.status === 0;
}

type Report =
  | { event: "listening"; port: number }
  | { event: "open"; extensions: string | null; subprotocol: string | null }
  | { event: "closed"; code: number; reason: string };

/** A Python peer process and the JSON lines it reports. */
class PythonPeer {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  #stderr = "";
  readonly #reports = new AsyncQueue<Report>((report) => JSON.stringify(report));

  constructor(script: string, args: string[]) {
    const path = fileURLToPath(new URL(`./python/${script}`, import.meta.url));
    this.child = spawn(PYTHON, ["-u", path, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
    });
    let pending = "";
    this.child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      pending += text;
      for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
        this.#reports.push(JSON.parse(pending.slice(0, end)) as Report);
        pending = pending.slice(end + 1);
      }
    });
    this.child.stderr!.setEncoding("utf8").on("data", (text: string) => (this.#stderr += text));
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code) => {
        this.#reports.end(`${script} exited with ${code}; stderr: ${this.#stderr.slice(-2000)}`);
        resolve(code);
      }),
    );
  }

  async next<E extends Report["event"]>(event: E): Promise<Extract<Report, { event: E }>> {
    return (await this.#reports.next((report) => report.event === event)) as Extract<Report, { event: E }>;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Closes stdin (a server's signal to exit), then kills it if it lingers. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

function startPython(script: string, args: string[]): PythonPeer {
  const peer = new PythonPeer(script, args);
  resources.add(() => peer.stop());
  return peer;
}

interface Library {
  readonly name: string;
  readonly script: string;
  readonly available: boolean;
  /** The header the Python server answers to wstate's default offer. */
  readonly serverAnswer: string;
  /** What that means for wstate's PerMessageDeflate. */
  readonly serverAnswerParams: PerMessageDeflate["params"];
  /** The Python client's default offer, as wstate receives it. */
  readonly clientOffer: string;
  /** wstate's answer to it. */
  readonly clientAnswer: string;
}

const LIBRARIES: Library[] = [
  {
    name: "websockets",
    script: "websockets_peer.py",
    available: pythonHas("websockets"),
    serverAnswer: "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
    serverAnswerParams: { clientNoContextTakeover: false, clientMaxWindowBits: 12, serverNoContextTakeover: false, serverMaxWindowBits: 12 },
    clientOffer: "permessage-deflate; client_max_window_bits",
    clientAnswer: "permessage-deflate",
  },
  {
    name: "wsproto",
    script: "wsproto_peer.py",
    available: pythonHas("wsproto"),
    serverAnswer: "permessage-deflate; client_max_window_bits=15",
    serverAnswerParams: { clientNoContextTakeover: false, clientMaxWindowBits: 15, serverNoContextTakeover: false, serverMaxWindowBits: 15 },
    clientOffer: "permessage-deflate; client_max_window_bits=15; server_max_window_bits=15",
    clientAnswer: "permessage-deflate; client_max_window_bits=15; server_max_window_bits=15",
  },
];

/** Messages each exchange carries (below websockets' default 1 MiB limit). */
function payloads(): Array<string | Uint8Array> {
  return ["", new Uint8Array(0), "hello", unicodeText(70_000), randomBytes(100_000, 4), compressibleBytes(300_000)];
}

/**
 * Sends each payload through `endpoint` and expects it back byte for byte, then a
 * fragmented message with a Ping between its fragments — unless `pingBetweenFragments`
 * is false: wsproto 1.2 corrupts a compressed message when a control frame arrives
 * between its fragments (its known defect, wsproto PR #205; it then closes with 1007),
 * so with wsproto and permessage-deflate the Ping goes after the message.
 */
async function echoAll(endpoint: WstateEndpoint, pingBetweenFragments: boolean): Promise<void> {
  for (const payload of payloads()) {
    endpoint.send(typeof payload === "string" ? new TextMessage({ data: payload }) : new BytesMessage({ data: payload }));
    const echoed = await endpoint.nextMessage();
    if (typeof payload === "string") expect(echoed).toEqual({ kind: "text", data: payload });
    else expect(firstDifference(echoed.data as Uint8Array, payload)).toBeNull();
  }
  const ping = new Ping({ payload: new TextEncoder().encode("between") });
  endpoint.send(new TextMessage({ data: "frag ", messageFinished: false }));
  if (pingBetweenFragments) endpoint.send(ping);
  endpoint.send(new TextMessage({ data: "ment é", messageFinished: true }));
  if (!pingBetweenFragments) endpoint.send(ping);
  expect(await endpoint.nextMessage()).toEqual({ kind: "text", data: "frag ment é" });
  expect(new TextDecoder().decode((await endpoint.nextOf("Pong")).payload)).toBe("between");
}

/** Bytes of a compressible 300 kB message and its echo on the wire, read and written. */
async function compressibleEchoTraffic(endpoint: WstateEndpoint): Promise<{ read: number; written: number }> {
  const before = { read: endpoint.socket.bytesRead, written: endpoint.socket.bytesWritten };
  const data = compressibleBytes(300_000);
  endpoint.send(new BytesMessage({ data }));
  expect(firstDifference((await endpoint.nextMessage()).data as Uint8Array, data)).toBeNull();
  return { read: endpoint.socket.bytesRead - before.read, written: endpoint.socket.bytesWritten - before.written };
}

for (const library of LIBRARIES) {
  const reason = `skipped: ${PYTHON} cannot import ${library.name} (apt-get install python3-${library.name})`;
  describe.skipIf(!library.available)(`${library.name} (Python)${library.available ? "" : ` — ${reason}`}`, () => {
    describe.each([true, false])("permessage-deflate %s", (deflate) => {
      it("wstate client ↔ Python server: subprotocol, messages, ping, close both ways", { timeout: 30_000 }, async () => {
        const python = startPython(library.script, ["server", ...(deflate ? [] : ["--no-deflate"])]);
        const { port } = await python.next("listening");
        const pmd = new PerMessageDeflate();
        const { endpoint: client, accept } = await openWstate(resources, port, {
          subprotocols: ["chat.v2", "chat.v1"],
          extensions: [pmd],
        });
        const opened = await python.next("open");

        expect(accept.subprotocol).toBe("chat.v1");
        expect(opened.subprotocol).toBe("chat.v1");
        expect(client.sentHeaders("sec-websocket-extensions")).toEqual(["permessage-deflate; client_max_window_bits"]);
        if (deflate) {
          expect(opened.extensions).toBe(library.serverAnswer);
          expect(accept.extensions).toEqual([pmd]);
          expect(pmd.params).toEqual(library.serverAnswerParams);
        } else {
          expect(opened.extensions).toBeNull();
          expect(accept.extensions).toEqual([]);
        }

        await echoAll(client, !(deflate && library.name === "wsproto"));
        const traffic = await compressibleEchoTraffic(client);
        if (deflate) {
          expect(traffic.written, "wstate compressed").toBeLessThan(300_000 / 4);
          expect(traffic.read, `${library.name} compressed`).toBeLessThan(300_000 / 4);
        } else {
          expect(traffic.written).toBeGreaterThan(300_000);
          expect(traffic.read).toBeGreaterThan(300_000);
        }

        expect(await closeCleanly(client, 1000, "bye")).toMatchObject({ code: 1000, reason: "bye" });
        expect(await python.next("closed")).toEqual({ event: "closed", code: 1000, reason: "bye" });

        // The Python side closes this time.
        const { endpoint: second } = await openWstate(resources, port, { extensions: deflate ? [new PerMessageDeflate()] : [] });
        second.send(new TextMessage({ data: "close please" }));
        expect(await second.nextOf("CloseConnection")).toMatchObject({ code: 4000, reason: "as requested" });
        await second.socketClosed;
        expect(second.ws.state).toBe(ConnectionState.CLOSED);
        expect(await python.next("closed")).toEqual({ event: "closed", code: 4000, reason: "as requested" });
        expectNoErrors(client, second);
      });

      it("Python client ↔ wstate server: subprotocol, messages, ping, close both ways", { timeout: 30_000 }, async () => {
        const extensions: PerMessageDeflate[] = [];
        const server = await listenWstate(resources, {
          onRequest: (request: Request) => {
            const pmd = new PerMessageDeflate();
            extensions.push(pmd);
            return [
              new AcceptConnection({ subprotocol: request.subprotocols.includes("chat.v1") ? "chat.v1" : null, extensions: [pmd] }),
            ];
          },
          echo: false,
        });
        const args = (more: string[]) => ["client", server.url + "/echo", "--subprotocol", "chat.v1", ...(deflate ? [] : ["--no-deflate"]), ...more];
        const python = startPython(library.script, args([]));
        const peer = await server.nextEndpoint();
        const opened = await python.next("open");
        const request = peer.received[0] as Request;

        expect(request).toMatchObject({ target: "/echo", subprotocols: ["chat.v1"] });
        expect(opened.subprotocol).toBe("chat.v1");
        if (deflate) {
          expect(request.extensions).toEqual([library.clientOffer]);
          expect(peer.sentHeaders("sec-websocket-extensions")).toEqual([library.clientAnswer]);
          expect(opened.extensions).toBe(library.clientAnswer);
          expect(extensions[0].enabled()).toBe(true);
        } else {
          expect(request.extensions).toEqual([]);
          expect(opened.extensions).toBeNull();
        }

        await echoAll(peer, !(deflate && library.name === "wsproto"));
        const traffic = await compressibleEchoTraffic(peer);
        if (deflate) {
          expect(traffic.written, "wstate compressed").toBeLessThan(300_000 / 4);
          expect(traffic.read, `${library.name} compressed`).toBeLessThan(300_000 / 4);
        }

        expect(await closeCleanly(peer, 1001, "server going")).toMatchObject({ code: 1001, reason: "server going" });
        expect(await python.next("closed")).toEqual({ event: "closed", code: 1001, reason: "server going" });
        expect(await python.exited).toBe(0);

        // The Python side closes this time.
        const second = startPython(library.script, args([]));
        const secondPeer = await server.nextEndpoint();
        await second.next("open");
        secondPeer.send(new TextMessage({ data: "close please" }));
        expect(await secondPeer.nextOf("CloseConnection")).toEqual(new CloseConnection({ code: 4000, reason: "as requested" }));
        await secondPeer.socketClosed;
        expect(secondPeer.ws.state).toBe(ConnectionState.CLOSED);
        expect(await second.next("closed")).toEqual({ event: "closed", code: 4000, reason: "as requested" });
        expect(await second.exited).toBe(0);
        expectNoErrors(peer, secondPeer);
      });
    });
  });
}
