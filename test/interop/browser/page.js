// Runs inside Chromium for chromium.test.ts. Plain JavaScript, loaded by the page as is
// (code passed through page.evaluate would first be rewritten by the test's transform).

/**
 * Opens a WebSocket to `url` that echoes every message with its type. The text
 * "close yourself" makes the page close with 4002 "from the page", "close without code"
 * with no code. Resolves at the open with what the page sees of the handshake.
 */
export function openEcho(url, protocols) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.binaryType = "arraybuffer";
    const closed = new Promise((done) =>
      ws.addEventListener("close", (e) => done({ code: e.code, reason: e.reason, wasClean: e.wasClean })),
    );
    ws.onmessage = (e) => {
      if (e.data === "close yourself") ws.close(4002, "from the page");
      else if (e.data === "close without code") ws.close();
      else ws.send(e.data);
    };
    ws.onopen = () => {
      window.echoClosed = closed;
      resolve({ extensions: ws.extensions, protocol: ws.protocol });
    };
    ws.onerror = () => reject(new Error("the WebSocket failed before it opened"));
  });
}

/**
 * Loads wstate's browser bundle and runs a client and a server engine against each other
 * in memory: handshake with permessage-deflate, text, binary, ping, close. Returns a
 * summary for the test to check.
 */
export async function engineRoundTrip(bundleUrl) {
  const w = await import(bundleUrl);
  const client = new w.WSConnection(w.ConnectionType.CLIENT);
  const server = new w.WSConnection(w.ConnectionType.SERVER);
  const deliver = (to, bytes, bytewise = false) => {
    if (bytewise) for (let i = 0; i < bytes.length; i++) to.receiveData(bytes.subarray(i, i + 1));
    else to.receiveData(bytes);
    return [...to.events()];
  };
  const joined = (events) => events.map((e) => e.data).join("");

  const request = deliver(
    server,
    client.send(new w.Request({ host: "example.com", target: "/chat", subprotocols: ["chat"], extensions: [new w.PerMessageDeflate()] })),
  );
  const accepted = deliver(client, server.send(new w.AcceptConnection({ subprotocol: "chat", extensions: [new w.PerMessageDeflate()] })));

  const text = "héllo wörld 😀 ".repeat(2000);
  const textFrame = client.send(new w.TextMessage({ data: text }));
  const textEvents = deliver(server, textFrame, true);

  const bytes = new Uint8Array(50_000).map((_, i) => (i * 31) % 251);
  const bytesEvents = deliver(client, server.send(new w.BytesMessage({ data: bytes })));
  const received = new Uint8Array(bytesEvents.reduce((n, e) => n + e.data.length, 0));
  let at = 0;
  for (const e of bytesEvents) received.set(e.data, (at += e.data.length) - e.data.length);

  const pings = deliver(server, client.send(new w.Ping({ payload: new Uint8Array([1, 2, 3]) })));
  const pongs = deliver(client, server.send(pings[0].response()));

  const closeAtServer = deliver(server, client.send(new w.CloseConnection({ code: 1000, reason: "done" })));
  const closeAtClient = deliver(client, server.send(closeAtServer[0].response()));

  return {
    nodeGlobals: [typeof Buffer, typeof process],
    request: { type: request[0].type, subprotocols: request[0].subprotocols, extensions: request[0].extensions },
    accepted: { type: accepted[0].type, subprotocol: accepted[0].subprotocol, extensions: accepted[0].extensions.map(String) },
    text: { same: joined(textEvents) === text, frameBytes: textFrame.length, utf8Bytes: new TextEncoder().encode(text).length },
    bytes: { same: received.length === bytes.length && received.every((b, i) => b === bytes[i]) },
    pong: { type: pongs[0].type, payload: [...pongs[0].payload] },
    close: [closeAtServer.map((e) => [e.type, e.code, e.reason]), closeAtClient.map((e) => [e.type, e.code, e.reason])],
    states: [client.state, server.state],
  };
}
