/**
 * Both sides' building blocks talking to each other (wsproto test_handshake.py, spec
 * §9.4), and to `ws` on loopback for the byte formats.
 */
import { describe, expect, it } from "vitest";
import { RemoteProtocolError } from "../../src/errors.js";
import { AcceptConnection, Request } from "../../src/events.js";
import { PerMessageDeflate } from "../../src/extensions/permessage-deflate.js";
import { generateNonce } from "../../src/handshake/accept.js";
import { buildRequest, validateResponse } from "../../src/handshake/client.js";
import { HttpHeadParser } from "../../src/handshake/http-head.js";
import { buildAcceptResponse, validateRequest } from "../../src/handshake/server.js";
import { byteByByte, bytes, chunkings, feedHead, text } from "./helpers.js";

describe("client and server building blocks together", () => {
  it("complete a handshake with subprotocol and permessage-deflate, in every chunking", () => {
    const nonce = generateNonce();
    const clientPmd = new PerMessageDeflate({ clientMaxWindowBits: 12 });
    const { bytes: requestBytes, offeredExtensions } = buildRequest(
      new Request({
        host: "芝士汉堡.example:8080",
        target: "/chat?room=1",
        subprotocols: ["v2.chat", "chat"],
        extensions: [clientPmd],
        extraHeaders: [["Origin", "https://example.com"]],
      }),
      nonce,
    );
    expect(text(requestBytes)).toContain("\r\nHost: xn--7ks3rz39bh7u.example:8080\r\n");
    expect(offeredExtensions).toEqual([clientPmd]);

    for (const [how, chunks] of chunkings(requestBytes)) {
      const parsed = feedHead(HttpHeadParser.request(), chunks);
      if (parsed.status !== "complete") throw new Error(`${how}: ${JSON.stringify(parsed)}`);
      const request = validateRequest(parsed.head, { checkOrigin: (o) => o === "https://example.com" });
      if (request instanceof RemoteProtocolError) throw request;
      expect(request.host, how).toBe("芝士汉堡.example:8080");
      expect(request.subprotocols).toEqual(["v2.chat", "chat"]);
      expect(request.extensions).toEqual(["permessage-deflate; client_max_window_bits=12"]);

      const serverPmd = new PerMessageDeflate();
      const response = buildAcceptResponse(request, new AcceptConnection({ subprotocol: "chat", extensions: [serverPmd] }));
      const responseParsed = feedHead(HttpHeadParser.response(), byteByByte(response));
      if (responseParsed.status !== "complete") throw new Error("response does not parse");
      // A fresh copy of the offered extension per run: finalize() enables it once.
      const clientSide = new PerMessageDeflate({ clientMaxWindowBits: 12 });
      const outcome = validateResponse(responseParsed.head, { nonce, subprotocols: ["v2.chat", "chat"], extensions: [clientSide] });
      if (outcome.type !== "accepted") throw new Error(JSON.stringify(outcome));
      expect(outcome.event.subprotocol).toBe("chat");
      expect(outcome.event.extensions).toEqual([clientSide]);
      expect(clientSide.params).toEqual(serverPmd.params);
      expect(serverPmd.params.clientMaxWindowBits).toBe(12);
    }
  });

  it("a request without Host is refused for HTTP/1.1 and HTTP/1.0 alike (test_rejected_handshake)", () => {
    for (const version of ["1.0", "1.1"]) {
      const input = bytes(
        `GET / HTTP/${version}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
      const parsed = HttpHeadParser.request().feed(input);
      if (parsed.status !== "complete") throw new Error("does not parse");
      expect(validateRequest(parsed.head)).toBeInstanceOf(RemoteProtocolError);
    }
  });
});

describe("interoperability with ws 8 on loopback", () => {
  it("ws accepts our request, and we accept ws's 101", async () => {
    const { WebSocketServer } = await import("ws");
    const net = await import("node:net");
    const server = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: true, handleProtocols: () => "chat" });
    await new Promise<void>((resolve) => server.once("listening", resolve));
    const { port } = server.address() as { port: number };
    try {
      const nonce = generateNonce();
      const pmd = new PerMessageDeflate();
      const { bytes: request, offeredExtensions } = buildRequest(
        new Request({ host: `127.0.0.1:${port}`, target: "/", subprotocols: ["chat"], extensions: [pmd] }),
        nonce,
      );
      const socket = net.connect(port, "127.0.0.1");
      const parser = HttpHeadParser.response();
      const result = await new Promise<ReturnType<typeof parser.feed>>((resolve, reject) => {
        socket.on("data", (chunk: Uint8Array) => {
          const r = parser.feed(chunk);
          if (r.status !== "incomplete") resolve(r);
        });
        socket.on("error", reject);
        socket.write(request);
      });
      socket.destroy();
      if (result.status !== "complete") throw new Error(JSON.stringify(result));
      const outcome = validateResponse(result.head, { nonce, subprotocols: ["chat"], extensions: offeredExtensions });
      expect(outcome.type).toBe("accepted");
      if (outcome.type === "accepted") {
        expect(outcome.event.subprotocol).toBe("chat");
        expect(outcome.event.extensions).toEqual([pmd]);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("a ws client completes the handshake against our response", async () => {
    const { WebSocket } = await import("ws");
    const net = await import("node:net");
    const server = net.createServer((socket) => {
      const parser = HttpHeadParser.request();
      socket.on("data", (chunk: Uint8Array) => {
        const r = parser.feed(chunk);
        if (r.status !== "complete") return;
        const request = validateRequest(r.head);
        if (request instanceof RemoteProtocolError) return socket.destroy();
        socket.write(
          buildAcceptResponse(request, new AcceptConnection({ subprotocol: "chat", extensions: [new PerMessageDeflate()] })),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const client = new WebSocket(`ws://127.0.0.1:${port}/`, ["chat"], { perMessageDeflate: true });
      const opened = await new Promise<{ protocol: string; extensions: string }>((resolve, reject) => {
        client.on("open", () => resolve({ protocol: client.protocol, extensions: client.extensions }));
        client.on("error", reject);
      });
      client.terminate();
      expect(opened.protocol).toBe("chat");
      expect(opened.extensions).toContain("permessage-deflate");
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
