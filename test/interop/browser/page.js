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
  const server = new w.WSConnection(w.ConnectionType.SERVER, { unmaskInPlace: true });
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

  const concat = (arrays) => {
    const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of arrays) out.set(a, (at += a.length) - a.length);
    return out;
  };
  const same = (a, b) => a.length === b.length && a.every((byte, i) => byte === b[i]);
  // Both ways: the server's frame as [header, payload] (sendParts); the client's masked
  // (WebAssembly SIMD where the page allows it), unmasked in place by the server.
  const bytes = new Uint8Array(50_000).map((_, i) => (i * 31) % 251);
  const sentParts = server.sendParts(new w.BytesMessage({ data: bytes, compress: false }));
  const received = concat(deliver(client, concat(sentParts)).map((e) => e.data));
  const upload = new Uint8Array(70_000).map((_, i) => (i * 7) % 253);
  const uploaded = concat(deliver(server, client.send(new w.BytesMessage({ data: upload, compress: false }))).map((e) => e.data));

  const pings = deliver(server, client.send(new w.Ping({ payload: new Uint8Array([1, 2, 3]) })));
  const pongs = deliver(client, server.send(pings[0].response()));

  const closeAtServer = deliver(server, client.send(new w.CloseConnection({ code: 1000, reason: "done" })));
  const closeAtClient = deliver(client, server.send(closeAtServer[0].response()));

  return {
    nodeGlobals: [typeof Buffer, typeof process],
    request: { type: request[0].type, subprotocols: request[0].subprotocols, extensions: request[0].extensions },
    accepted: { type: accepted[0].type, subprotocol: accepted[0].subprotocol, extensions: accepted[0].extensions.map(String) },
    text: { same: joined(textEvents) === text, frameBytes: textFrame.length, utf8Bytes: new TextEncoder().encode(text).length },
    bytes: { same: same(received, bytes), parts: sentParts.length, payloadUncopied: sentParts[1] === bytes, upload: same(uploaded, upload) },
    pong: { type: pongs[0].type, payload: [...pongs[0].payload] },
    close: [closeAtServer.map((e) => [e.type, e.code, e.reason]), closeAtClient.map((e) => [e.type, e.code, e.reason])],
    states: [client.state, server.state],
  };
}
