import { describe, expect, it } from "vitest";
import { LocalProtocolError, RemoteProtocolError } from "../../src/errors.js";
import { RejectConnection } from "../../src/events.js";
import { PerMessageDeflate } from "../../src/extensions/permessage-deflate.js";
import { clientExtensionsHandshake, serverExtensionsHandshake } from "../../src/handshake/extensions-handshake.js";
import { FakeExtension } from "./fake-extension.js";

describe("serverExtensionsHandshake", () => {
  it("returns null when nothing is accepted", () => {
    expect(serverExtensionsHandshake([], [new PerMessageDeflate()])).toBeNull();
    expect(serverExtensionsHandshake(["x-other"], [new PerMessageDeflate()])).toBeNull();
    expect(serverExtensionsHandshake(["fake"], [new FakeExtension({ acceptResponse: false })])).toBeNull();
  });

  it("answers true and \"\" with the bare name, a string with name; params", () => {
    expect(serverExtensionsHandshake(["fake"], [new FakeExtension({ acceptResponse: true })])).toBe("fake");
    expect(serverExtensionsHandshake(["fake"], [new FakeExtension({ acceptResponse: "" })])).toBe("fake");
    expect(serverExtensionsHandshake(["fake"], [new FakeExtension({ acceptResponse: "a=1; b" })])).toBe("fake; a=1; b");
  });

  it("shows the whole offer item to accept()", () => {
    const fake = new FakeExtension({ acceptResponse: true });
    serverExtensionsHandshake(['fake; a="1"; b', "other"], [fake]);
    expect(fake.offered).toEqual(['fake; a="1"; b']);
  });

  it("takes the FIRST acceptable offer per name (RFC 7692 §7), not the last", () => {
    const fake = new FakeExtension({ acceptResponse: "chosen" });
    expect(serverExtensionsHandshake(["fake; first", "fake; second"], [fake])).toBe("fake; chosen");
    expect(fake.offered).toEqual(["fake; first"]);
    const pmd = new PerMessageDeflate();
    expect(
      serverExtensionsHandshake(
        ["permessage-deflate; client_max_window_bits=12", "permessage-deflate; client_max_window_bits=10"],
        [pmd],
      ),
    ).toBe("permessage-deflate; client_max_window_bits=12");
    expect(pmd.params.clientMaxWindowBits).toBe(12);
  });

  it("falls back to a later offer when an earlier one is declined (H50)", () => {
    const pmd = new PerMessageDeflate();
    expect(serverExtensionsHandshake(["permessage-deflate; server_max_window_bits=7", "permessage-deflate"], [pmd])).toBe(
      "permessage-deflate",
    );
    expect(pmd.enabled()).toBe(true);
  });

  it("asks the next supported extension of the same name when one declines", () => {
    const declines = new FakeExtension({ acceptResponse: null });
    const accepts = new FakeExtension({ acceptResponse: "second" });
    expect(serverExtensionsHandshake(["fake"], [declines, accepts])).toBe("fake; second");
  });

  it("answers in the client's order of names", () => {
    const a = new FakeExtension({ acceptResponse: true, name: "a" });
    const b = new FakeExtension({ acceptResponse: true, name: "b" });
    expect(serverExtensionsHandshake(["b", "a"], [a, b])).toBe("b, a");
  });

  it("is safe with peer names like __proto__ and constructor", () => {
    expect(serverExtensionsHandshake(["__proto__", "constructor; x", "hasOwnProperty"], [new PerMessageDeflate()])).toBeNull();
  });

  it("refuses supported entries that are not extensions", () => {
    expect(() => serverExtensionsHandshake(["x"], ["x" as never])).toThrow(LocalProtocolError);
  });

  it("turns a throwing accept() or an invalid answer into LocalProtocolError", () => {
    const throws = new FakeExtension();
    throws.accept = () => {
      throw new Error("boom");
    };
    expect(() => serverExtensionsHandshake(["fake"], [throws])).toThrow(LocalProtocolError);
    expect(() => serverExtensionsHandshake(["fake"], [new FakeExtension({ acceptResponse: "a\r\nb" })])).toThrow(
      LocalProtocolError,
    );
    expect(() => serverExtensionsHandshake(["fake"], [new FakeExtension({ acceptResponse: "a, other" })])).toThrow(
      LocalProtocolError,
    );
  });
});

describe("clientExtensionsHandshake", () => {
  it("finalizes the first offered extension of each accepted name, in the server's order", () => {
    const a = new FakeExtension({ name: "a" });
    const b = new FakeExtension({ name: "b" });
    expect(clientExtensionsHandshake(["b; x=1", "a"], [a, b])).toEqual([b, a]);
    expect(b.finalized).toEqual(["b; x=1"]);
    expect(a.finalized).toEqual(["a"]);
  });

  it("returns nothing for nothing accepted", () => {
    expect(clientExtensionsHandshake([], [new PerMessageDeflate()])).toEqual([]);
  });

  it.each<[string, string[], string]>([
    ["an extension not offered", ["bad", "fake"], "unrecognized extension bad"],
    ["the same extension twice (C16)", ["fake", "fake; x=1"], "extension fake accepted twice"],
    ["an empty item (wsproto's trailing space)", [""], "unrecognized extension "],
  ])("fails for %s", (_name, accepted, message) => {
    let error: unknown;
    try {
      clientExtensionsHandshake(accepted, [new FakeExtension()]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toEqual(new RemoteProtocolError(message, new RejectConnection()));
    expect((error as RemoteProtocolError).eventHint).toEqual(new RejectConnection());
  });

  it("turns a throwing finalize() into RemoteProtocolError (C10 shape)", () => {
    expect(() => clientExtensionsHandshake(["permessage-deflate; server_max_window_bits=7"], [new PerMessageDeflate()])).toThrow(
      RemoteProtocolError,
    );
  });

  it("agrees with serverExtensionsHandshake over HTTP/2-style plumbing (RFC 8441)", () => {
    const client = new PerMessageDeflate({ clientNoContextTakeover: true, serverMaxWindowBits: 10 });
    const server = new PerMessageDeflate();
    const answer = serverExtensionsHandshake([`permessage-deflate; ${client.offer()}`], [server]);
    expect(answer).not.toBeNull();
    expect(clientExtensionsHandshake([answer as string], [client])).toEqual([client]);
    expect(client.params).toEqual(server.params);
    expect(client.params).toMatchObject({ clientNoContextTakeover: true, serverMaxWindowBits: 10 });
  });
});
