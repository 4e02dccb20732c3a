import { describe, expect, it } from "vitest";
import { PerMessageDeflate, type PerMessageDeflateOptions } from "../../src/extensions/permessage-deflate.js";
import { parseExtensionHeader } from "../../src/extensions/extension-header.js";
import { LocalProtocolError } from "../../src/errors.js";
import { negotiatedPair } from "./hook-driver.js";

/** wsproto's eight parameter sets (spec §9.8), `null` = bare parameter. */
interface WsprotoParams {
  client_no_context_takeover?: boolean;
  client_max_window_bits?: number | null;
  server_no_context_takeover?: boolean;
  server_max_window_bits?: number | null;
}
const PARAMETER_SETS: WsprotoParams[] = [
  { client_no_context_takeover: false, client_max_window_bits: 15, server_no_context_takeover: false, server_max_window_bits: 15 },
  { client_no_context_takeover: true, client_max_window_bits: 9, server_no_context_takeover: false, server_max_window_bits: 15 },
  { client_no_context_takeover: false, client_max_window_bits: 15, server_no_context_takeover: true, server_max_window_bits: 9 },
  { client_no_context_takeover: true, client_max_window_bits: 9, server_no_context_takeover: true, server_max_window_bits: 9 },
  { client_no_context_takeover: true, server_max_window_bits: 9 },
  { server_no_context_takeover: true, client_max_window_bits: 9 },
  { client_max_window_bits: null, server_max_window_bits: null },
  {},
];

function toOptions(p: WsprotoParams): PerMessageDeflateOptions {
  return {
    clientNoContextTakeover: p.client_no_context_takeover,
    clientMaxWindowBits: p.client_max_window_bits ?? undefined,
    serverNoContextTakeover: p.server_no_context_takeover,
    serverMaxWindowBits: p.server_max_window_bits ?? undefined,
  };
}

/** wsproto's make_offer_string. */
function makeOfferString(p: WsprotoParams): string {
  const parts = ["permessage-deflate"];
  for (const key of ["client_max_window_bits", "server_max_window_bits"] as const) {
    if (key in p) parts.push(p[key] === null ? key : `${key}=${p[key]}`);
  }
  if (p.client_no_context_takeover) parts.push("client_no_context_takeover");
  if (p.server_no_context_takeover) parts.push("server_no_context_takeover");
  return parts.join("; ");
}

const label = (p: WsprotoParams) => JSON.stringify(p);

describe("offer (spec §9.8 test_offer ×8)", () => {
  const expected = [
    "client_max_window_bits=15; server_max_window_bits=15",
    "client_max_window_bits=9; server_max_window_bits=15; client_no_context_takeover",
    "client_max_window_bits=15; server_max_window_bits=9; server_no_context_takeover",
    "client_max_window_bits=9; server_max_window_bits=9; client_no_context_takeover; server_no_context_takeover",
    "client_max_window_bits; server_max_window_bits=9; client_no_context_takeover",
    "client_max_window_bits=9; server_no_context_takeover",
    // No preference: announce support for client_max_window_bits, ask nothing of the server.
    "client_max_window_bits",
    "client_max_window_bits",
  ];
  PARAMETER_SETS.forEach((params, i) => {
    it(label(params), () => {
      const pmd = new PerMessageDeflate(toOptions(params));
      expect(pmd.offer()).toBe(expected[i]);
      expect(pmd.enabled()).toBe(false);
      expect(parseExtensionHeader(`permessage-deflate; ${pmd.offer()}`)).not.toBeNull();
    });
  });
});

describe("finalize (spec §9.8 test_finalize ×8)", () => {
  PARAMETER_SETS.forEach((params) => {
    it(label(params), () => {
      const response = makeOfferString(
        Object.fromEntries(Object.entries(params).filter(([, v]) => v !== null)) as WsprotoParams,
      );
      const pmd = new PerMessageDeflate();
      expect(pmd.enabled()).toBe(false);
      pmd.finalize(response);
      expect(pmd.enabled()).toBe(true);
      expect(pmd.params).toEqual({
        clientNoContextTakeover: params.client_no_context_takeover ?? false,
        clientMaxWindowBits: params.client_max_window_bits ?? 15,
        serverNoContextTakeover: params.server_no_context_takeover ?? false,
        serverMaxWindowBits: params.server_max_window_bits ?? 15,
      });
    });
  });

  it("rejects rubbish instead of ignoring it (deviation from test_finalize_ignores_rubbish)", () => {
    const pmd = new PerMessageDeflate();
    expect(() => pmd.finalize("i am the lizard queen; worship me")).toThrow(
      /invalid permessage-deflate response: .*is not one extension item/,
    );
    expect(pmd.enabled()).toBe(false);
  });
});

describe("accept (spec §9.8 test_accept ×8)", () => {
  const expected: Array<string | null> = [
    "client_max_window_bits=15; server_max_window_bits=15",
    "client_no_context_takeover; client_max_window_bits=9; server_max_window_bits=15",
    "server_no_context_takeover; client_max_window_bits=15; server_max_window_bits=9",
    "client_no_context_takeover; server_no_context_takeover; client_max_window_bits=9; server_max_window_bits=9",
    "client_no_context_takeover; server_max_window_bits=9",
    "server_no_context_takeover; client_max_window_bits=9",
    // A bare server_max_window_bits is not valid in an offer (RFC 7692 §7.1.2.1, H44):
    // declined where wsproto answered server_max_window_bits=15.
    null,
    "",
  ];
  PARAMETER_SETS.forEach((params, i) => {
    it(label(params), () => {
      const pmd = new PerMessageDeflate();
      expect(pmd.accept(makeOfferString(params))).toBe(expected[i]);
      expect(pmd.enabled()).toBe(expected[i] !== null);
    });
  });

  it("declines rubbish instead of accepting it (deviation from test_accept_ignores_rubbish)", () => {
    const pmd = new PerMessageDeflate();
    expect(pmd.accept("i am the lizard queen; worship me")).toBeNull();
    expect(pmd.enabled()).toBe(false);
  });
});

describe("toString (spec §9.8 test_repr ×8)", () => {
  it.each([
    [{}, "<PerMessageDeflate client_max_window_bits=15; server_max_window_bits=15>"],
    [
      { clientNoContextTakeover: true, clientMaxWindowBits: 10, serverNoContextTakeover: true, serverMaxWindowBits: 11 },
      "<PerMessageDeflate client_max_window_bits=10; client_no_context_takeover; server_max_window_bits=11; server_no_context_takeover>",
    ],
    [{ serverMaxWindowBits: 9 }, "<PerMessageDeflate client_max_window_bits=15; server_max_window_bits=9>"],
  ] as Array<[PerMessageDeflateOptions, string]>)("%j", (options, text) => {
    expect(String(new PerMessageDeflate(options))).toBe(text);
  });

  it("shows the negotiated parameters once enabled", () => {
    const pmd = new PerMessageDeflate();
    pmd.accept("permessage-deflate; client_max_window_bits=10; server_no_context_takeover");
    expect(String(pmd)).toBe(
      "<PerMessageDeflate client_max_window_bits=10; server_max_window_bits=15; server_no_context_takeover>",
    );
  });
});

describe("server: what it answers", () => {
  const answer = (options: PerMessageDeflateOptions, offer: string) => {
    const pmd = new PerMessageDeflate(options);
    return { response: pmd.accept(offer), params: pmd.params };
  };

  it("announces its client_max_window_bits when the client offered the bare param (defect 4 fixed)", () => {
    expect(answer({ clientMaxWindowBits: 10 }, "permessage-deflate; client_max_window_bits")).toEqual({
      response: "client_max_window_bits=10",
      params: { clientNoContextTakeover: false, clientMaxWindowBits: 10, serverNoContextTakeover: false, serverMaxWindowBits: 15 },
    });
  });

  it("cannot restrict a client that did not offer client_max_window_bits, and inflates with 15", () => {
    expect(answer({ clientMaxWindowBits: 9 }, "permessage-deflate")).toEqual({
      response: "",
      params: { clientNoContextTakeover: false, clientMaxWindowBits: 15, serverNoContextTakeover: false, serverMaxWindowBits: 15 },
    });
  });

  it("keeps the smaller of its preference and the client's value", () => {
    expect(answer({ clientMaxWindowBits: 9 }, "permessage-deflate; client_max_window_bits=15").response).toBe(
      "client_max_window_bits=9",
    );
    expect(answer({ clientMaxWindowBits: 12 }, "permessage-deflate; client_max_window_bits=10").response).toBe(
      "client_max_window_bits=10",
    );
    expect(answer({ serverMaxWindowBits: 10 }, "permessage-deflate; server_max_window_bits=12").response).toBe(
      "server_max_window_bits=10",
    );
    expect(answer({ serverMaxWindowBits: 10 }, "permessage-deflate; server_max_window_bits=9").response).toBe(
      "server_max_window_bits=9",
    );
  });

  it("announces its own server_max_window_bits and no-context-takeover preferences unasked", () => {
    expect(
      answer({ serverMaxWindowBits: 11, serverNoContextTakeover: true, clientNoContextTakeover: true }, "permessage-deflate"),
    ).toEqual({
      response: "client_no_context_takeover; server_no_context_takeover; server_max_window_bits=11",
      params: { clientNoContextTakeover: true, clientMaxWindowBits: 15, serverNoContextTakeover: true, serverMaxWindowBits: 11 },
    });
  });

  it("agrees that the client compresses with 8 (and will inflate with 9)", () => {
    expect(answer({}, "permessage-deflate; client_max_window_bits=8")).toEqual({
      response: "client_max_window_bits=8",
      params: { clientNoContextTakeover: false, clientMaxWindowBits: 8, serverNoContextTakeover: false, serverMaxWindowBits: 15 },
    });
  });

  it("declines server_max_window_bits=8: zlib cannot compress with it", () => {
    expect(answer({}, "permessage-deflate; server_max_window_bits=8").response).toBeNull();
  });

  it("allows OWS around '=' and quoted values", () => {
    expect(answer({}, 'permessage-deflate ; client_max_window_bits = "12"').response).toBe("client_max_window_bits=12");
  });

  it("declines other extensions' items and several items in one string", () => {
    expect(answer({}, "x-webkit-deflate-frame").response).toBeNull();
    expect(answer({}, "permessage-deflate, permessage-deflate").response).toBeNull();
    expect(answer({}, "Permessage-Deflate").response).toBeNull();
  });

  it("leaves no trace of a declined offer and takes the next one", () => {
    const pmd = new PerMessageDeflate();
    expect(pmd.accept("permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=8")).toBeNull();
    expect(pmd.enabled()).toBe(false);
    expect(pmd.accept("permessage-deflate")).toBe("");
    expect(pmd.params).toEqual({
      clientNoContextTakeover: false,
      clientMaxWindowBits: 15,
      serverNoContextTakeover: false,
      serverMaxWindowBits: 15,
    });
  });

  it("negotiates once: later offers are declined", () => {
    const pmd = new PerMessageDeflate();
    expect(pmd.accept("permessage-deflate; client_max_window_bits=10")).toBe("client_max_window_bits=10");
    expect(pmd.accept("permessage-deflate")).toBeNull();
    expect(pmd.params.clientMaxWindowBits).toBe(10);
  });
});

/** Runs the server side of a whole header as the handshake does: first acceptable item wins. */
function serverHandshake(header: string, options: PerMessageDeflateOptions = {}) {
  const pmd = new PerMessageDeflate(options);
  const items = parseExtensionHeader(header);
  if (items === null) return { malformed: true as const };
  for (const item of items) {
    if (item.name !== pmd.name) continue;
    const response = pmd.accept(item.text);
    if (response !== null) return { malformed: false as const, response, params: pmd.params };
  }
  return { malformed: false as const, response: null, enabled: pmd.enabled() };
}

describe("hardening §5.1: server-side negotiation rows", () => {
  it("H37 extension named constructor/__proto__: no crash, nothing enabled", () => {
    expect(serverHandshake("constructor, __proto__; hasOwnProperty")).toEqual({
      malformed: false,
      response: null,
      enabled: false,
    });
    expect(new PerMessageDeflate().accept("constructor")).toBeNull();
    expect(new PerMessageDeflate().accept("permessage-deflate; __proto__")).toBeNull();
    expect(new PerMessageDeflate().accept("permessage-deflate; constructor=1")).toBeNull();
  });

  it("H38 syntax error: the header is malformed, and accept declines the item", () => {
    expect(serverHandshake("permessage-deflate;;")).toEqual({ malformed: true });
    expect(new PerMessageDeflate().accept("permessage-deflate;;")).toBeNull();
  });

  it("H39 unterminated quote: malformed, declined", () => {
    expect(serverHandshake('permessage-deflate; server_max_window_bits="10')).toEqual({ malformed: true });
    expect(new PerMessageDeflate().accept('permessage-deflate; server_max_window_bits="10')).toBeNull();
  });

  it.each([
    ["H40", "permessage-deflate; server_max_window_bits=7"],
    ["H41", "permessage-deflate; server_max_window_bits=16"],
    ["H42", "permessage-deflate; server_max_window_bits=08"],
    ["H43", "permessage-deflate; server_max_window_bits=abc"],
    ["H44", "permessage-deflate; server_max_window_bits"],
    ["H45", "permessage-deflate; server_no_context_takeover; server_no_context_takeover"],
    ["H46", "permessage-deflate; foo=1"],
    ["H47", "permessage-deflate; client_max_window_bitsX=10"],
    ["H48", "permessage-deflate; client_max_window_bits=16"],
    ["H51", "permessage-deflate; client_no_context_takeover=1"],
    ["H51b", 'permessage-deflate; server_no_context_takeover="x"'],
    ["zero-padded client bits", "permessage-deflate; client_max_window_bits=010"],
    ["signed", "permessage-deflate; client_max_window_bits=+9"],
    ["quoted out of range", 'permessage-deflate; client_max_window_bits="16"'],
    ["duplicate window bits", "permessage-deflate; client_max_window_bits=9; client_max_window_bits=10"],
  ])("%s %s: declined, no crash", (_id, header) => {
    expect(serverHandshake(header)).toEqual({ malformed: false, response: null, enabled: false });
  });

  it("H49 quoted value server_max_window_bits=\"10\": accepted with 10", () => {
    const result = serverHandshake('permessage-deflate; server_max_window_bits="10"');
    expect(result).toMatchObject({ response: "server_max_window_bits=10", params: { serverMaxWindowBits: 10 } });
  });

  it("H50 bad offer then plain offer: the second is accepted", () => {
    expect(serverHandshake("permessage-deflate; server_max_window_bits=7, permessage-deflate")).toMatchObject({
      response: "",
      params: { serverMaxWindowBits: 15, clientMaxWindowBits: 15 },
    });
  });

  it("the first acceptable offer wins", () => {
    expect(
      serverHandshake("permessage-deflate; client_max_window_bits=12, permessage-deflate; client_max_window_bits=8"),
    ).toMatchObject({ response: "client_max_window_bits=12", params: { clientMaxWindowBits: 12 } });
  });

  it("H52 10,000 offers: parsed in one pass, none accepted", () => {
    const header = "x, ".repeat(10_000);
    expect(parseExtensionHeader(header)).toHaveLength(10_000);
    expect(serverHandshake(header)).toEqual({ malformed: false, response: null, enabled: false });
  });
});

describe("client: checking the server's answer", () => {
  const finalize = (options: PerMessageDeflateOptions, response: string) => {
    const pmd = new PerMessageDeflate(options);
    pmd.finalize(response);
    return pmd.params;
  };

  it("C09 an item for another extension: fails", () => {
    expect(() => finalize({}, "x-foo")).toThrow(/extension "x-foo" is not permessage-deflate/);
  });

  it.each([
    ["C10", "permessage-deflate; server_max_window_bits=7", /server_max_window_bits=7 is not a window size/],
    ["C11", "permessage-deflate; server_max_window_bits=16", /server_max_window_bits=16 is not a window size/],
    ["C12", "permessage-deflate; server_max_window_bits=abc", /server_max_window_bits=abc is not a window size/],
    ["C13", "permessage-deflate; client_max_window_bits=7", /client_max_window_bits=7 is not a window size/],
    ["C14", "permessage-deflate; server_no_context_takeover; server_no_context_takeover", /appears twice/],
    ["C15", "permessage-deflate; foo", /unknown parameter foo/],
    ["bare client bits", "permessage-deflate; client_max_window_bits", /client_max_window_bits needs a value/],
    ["bare server bits", "permessage-deflate; server_max_window_bits", /server_max_window_bits needs a value/],
    ["value on flag", "permessage-deflate; client_no_context_takeover=true", /takes no value/],
    ["zero-padded", "permessage-deflate; server_max_window_bits=09", /not a window size/],
    ["malformed", 'permessage-deflate; server_max_window_bits="9', /not one extension item/],
    ["client bits 8", "permessage-deflate; client_max_window_bits=8", /smaller than zlib can compress with/],
  ])("%s %s: fails with an explanation", (_id, response, message) => {
    const pmd = new PerMessageDeflate();
    expect(() => pmd.finalize(response)).toThrow(message);
    expect(pmd.enabled()).toBe(false);
  });

  it("C16 permessage-deflate accepted twice: the second finalize fails", () => {
    const pmd = new PerMessageDeflate();
    pmd.finalize("permessage-deflate");
    expect(() => pmd.finalize("permessage-deflate")).toThrow(/accepted twice/);
  });

  it("C22 quoted server_max_window_bits=\"10\": accepted", () => {
    expect(finalize({}, 'permessage-deflate; server_max_window_bits="10"').serverMaxWindowBits).toBe(10);
  });

  it("accepts server_max_window_bits=8 (the client inflates with 9)", () => {
    expect(finalize({}, "permessage-deflate; server_max_window_bits=8").serverMaxWindowBits).toBe(8);
  });

  it("holds the server to the limits the client asked for", () => {
    expect(() => finalize({ serverMaxWindowBits: 10 }, "permessage-deflate")).toThrow(
      /asked for server_max_window_bits=10 and the server did not agree/,
    );
    expect(() => finalize({ serverMaxWindowBits: 10 }, "permessage-deflate; server_max_window_bits=11")).toThrow(
      /server_max_window_bits=11 exceeds the 10/,
    );
    expect(finalize({ serverMaxWindowBits: 10 }, "permessage-deflate; server_max_window_bits=9").serverMaxWindowBits).toBe(9);
    expect(() => finalize({ serverNoContextTakeover: true }, "permessage-deflate")).toThrow(
      /asked for server_no_context_takeover/,
    );
    expect(() => finalize({ clientMaxWindowBits: 10 }, "permessage-deflate; client_max_window_bits=11")).toThrow(
      /client_max_window_bits=11 exceeds the 10/,
    );
  });

  it("keeps its own limits when the server does not repeat them", () => {
    expect(finalize({ clientMaxWindowBits: 10, clientNoContextTakeover: true }, "permessage-deflate")).toEqual({
      clientNoContextTakeover: true,
      clientMaxWindowBits: 10,
      serverNoContextTakeover: false,
      serverMaxWindowBits: 15,
    });
  });

  it("adopts limits the server imposes unasked", () => {
    expect(
      finalize({}, "permessage-deflate; client_no_context_takeover; server_no_context_takeover; client_max_window_bits=9"),
    ).toEqual({ clientNoContextTakeover: true, clientMaxWindowBits: 9, serverNoContextTakeover: true, serverMaxWindowBits: 15 });
  });
});

describe("offer → accept → finalize agree on every combination", () => {
  const windows = [undefined, 9, 12, 15];
  const flags = [false, true];
  for (const cBits of windows)
    for (const sBits of windows)
      for (const cNct of flags)
        for (const sNct of flags) {
          const clientOptions = { clientMaxWindowBits: cBits, serverMaxWindowBits: sBits, clientNoContextTakeover: cNct, serverNoContextTakeover: sNct };
          it(JSON.stringify(clientOptions), () => {
            for (const serverOptions of [{}, { clientMaxWindowBits: 10, serverMaxWindowBits: 11 }]) {
              const { client, server } = negotiatedPair(clientOptions, serverOptions);
              expect(client.params).toEqual(server.params);
              expect(client.params.clientMaxWindowBits).toBeLessThanOrEqual(cBits ?? 15);
              expect(client.params.serverMaxWindowBits).toBeLessThanOrEqual(sBits ?? 15);
              expect(client.params.clientNoContextTakeover).toBe(cNct);
              expect(client.params.serverNoContextTakeover).toBe(sNct);
            }
          });
        }
});

describe("constructor validation (hardening G14)", () => {
  it.each([
    [{ clientMaxWindowBits: 8 }, /clientMaxWindowBits must be an integer from 9 to 15, got 8/],
    [{ serverMaxWindowBits: 16 }, /serverMaxWindowBits must be an integer from 9 to 15, got 16/],
    [{ serverMaxWindowBits: 9.5 }, /serverMaxWindowBits/],
    [{ clientMaxWindowBits: Number.NaN }, /clientMaxWindowBits/],
    [{ clientMaxWindowBits: "10" as unknown as number }, /clientMaxWindowBits/],
    [{ clientNoContextTakeover: "yes" as unknown as boolean }, /clientNoContextTakeover must be a boolean/],
    [{ threshold: -1 }, /threshold must be a non-negative integer/],
    [{ threshold: 1.5 }, /threshold/],
    [{ threshold: Number.POSITIVE_INFINITY }, /threshold/],
  ] as Array<[PerMessageDeflateOptions, RegExp]>)("%j throws LocalProtocolError", (options, message) => {
    expect(() => new PerMessageDeflate(options)).toThrow(LocalProtocolError);
    expect(() => new PerMessageDeflate(options)).toThrow(message);
  });

  it("accepts every window from 9 to 15", () => {
    for (let bits = 9; bits <= 15; bits++) {
      expect(new PerMessageDeflate({ clientMaxWindowBits: bits, serverMaxWindowBits: bits }).params).toMatchObject({
        clientMaxWindowBits: bits,
        serverMaxWindowBits: bits,
      });
    }
  });
});
