/**
 * The frame inspector: one frame taken apart, bit by bit for the first two bytes, field
 * by field for the rest, with the RFC rules it follows or breaks.
 */
import { describeFrame, fromHex, toHex, type FrameContextHint, type FrameView } from "../frame-view.js";
import type { FrameEntry } from "../messages.js";
import { fill, h } from "./dom.js";
import { rfcLinks } from "./rfc.js";

const PAYLOAD_BYTES_SHOWN = 128;
const UNMASK_BYTES_SHOWN = 8;

/** `client → server` or `server → client`. */
export function flowLabel(sender: FrameContextHint["sender"]): string {
  return sender === "CLIENT" ? "client → server" : sender === "SERVER" ? "server → client" : "";
}

/** One line about a frame, for lists: `FIN text · masked · 5 B · "Hello"`. */
export function frameSummary(view: FrameView): string {
  const { header } = view;
  const parts = [
    `${header.fin ? "FIN " : ""}${header.opcodeName}`,
    header.rsv1 || header.rsv2 || header.rsv3 ? `RSV ${+header.rsv1}${+header.rsv2}${+header.rsv3}` : null,
    header.masked ? "masked" : null,
    `${header.payloadLength} B`,
  ];
  if (view.close !== null) parts.push(view.close.code === null ? "no code" : `${view.close.code}${view.close.reason ? ` "${view.close.reason}"` : ""}`);
  else if (view.payloadText !== null) parts.push(JSON.stringify(view.payloadText.length > 40 ? view.payloadText.slice(0, 40) + "…" : view.payloadText));
  return parts.filter(Boolean).join(" · ");
}

function bitDiagram(bytes: Uint8Array, view: FrameView): HTMLElement {
  const fields = [
    { name: "FIN", bits: 1, cls: "f-fin", value: view.header.fin ? "final" : "more follow" },
    { name: "RSV1", bits: 1, cls: "f-rsv", value: "" },
    { name: "RSV2", bits: 1, cls: "f-rsv", value: "" },
    { name: "RSV3", bits: 1, cls: "f-rsv", value: "" },
    { name: "opcode", bits: 4, cls: "f-op", value: `0x${view.header.opcode.toString(16)} ${view.header.opcodeName}` },
    { name: "MASK", bits: 1, cls: "f-mask", value: view.header.masked ? "masked" : "not masked" },
    { name: "payload len", bits: 7, cls: "f-len", value: String(bytes[1] & 0x7f) + (view.header.lengthEncoding === "7-bit" ? "" : ` → ${view.header.lengthEncoding} length follows`) },
  ];
  const bits: HTMLElement[] = [];
  let bit = 0;
  for (const field of fields) {
    for (let i = 0; i < field.bits; i++, bit++) {
      const value = (bytes[bit >> 3] >> (7 - (bit & 7))) & 1;
      bits.push(h("span", { class: `bit ${field.cls} ${value ? "bit--1" : ""}` }, value));
    }
  }
  let column = 1;
  const names = fields.map((field) => {
    const cell = h(
      "span",
      { class: `bit-field ${field.cls}`, attrs: { style: `grid-column: ${column} / span ${field.bits}` } },
      h("b", {}, field.name),
      field.value ? h("small", {}, field.value) : null,
    );
    column += field.bits;
    return cell;
  });
  return h(
    "div",
    { class: "bits" },
    h("div", { class: "bit-bytes" }, h("span", {}, `byte 0 = 0x${bytes[0].toString(16).padStart(2, "0")}`), h("span", {}, `byte 1 = 0x${bytes[1].toString(16).padStart(2, "0")}`)),
    h("div", { class: "bit-row" }, ...bits),
    h("div", { class: "bit-row bit-row--names" }, ...names),
  );
}

function headerDump(bytes: Uint8Array, view: FrameView): HTMLElement {
  const { header } = view;
  const extension = header.headerLength - 2 - (header.masked ? 4 : 0);
  const segments: Array<[string, string, Uint8Array]> = [["seg-base", "FIN · RSV · opcode · MASK · len", bytes.subarray(0, 2)]];
  if (extension > 0) segments.push(["seg-len", `${header.lengthEncoding} length = ${header.payloadLength}`, bytes.subarray(2, 2 + extension)]);
  if (header.maskingKey) segments.push(["seg-key", "masking key", header.maskingKey]);
  const wirePayload = bytes.subarray(header.headerLength, header.headerLength + 16);
  if (wirePayload.length > 0) segments.push(["seg-payload", header.masked ? "payload (masked)" : "payload", wirePayload]);
  return h(
    "div",
    { class: "dump" },
    ...segments.map(([cls, label, part]) =>
      h("span", { class: `seg ${cls}` }, h("code", {}, toHex(part) + (cls === "seg-payload" && view.header.payloadLength > part.length ? " …" : "")), h("small", {}, label)),
    ),
  );
}

function unmaskTable(bytes: Uint8Array, view: FrameView): HTMLElement | null {
  const key = view.header.maskingKey;
  const count = Math.min(UNMASK_BYTES_SHOWN, view.payload.length);
  if (key === null || count === 0) return null;
  const wire = bytes.subarray(view.header.headerLength, view.header.headerLength + count);
  const row = (label: string, cells: string[]) => h("tr", {}, h("th", {}, label), ...cells.map((cell) => h("td", {}, cell)));
  const hex2 = (n: number) => n.toString(16).padStart(2, "0");
  const printable = (n: number) => (n >= 0x20 && n < 0x7f ? String.fromCharCode(n) : "·");
  return h(
    "table",
    { class: "unmask" },
    h("caption", {}, "Unmasking (RFC 6455 §5.3): data[i] = wire[i] XOR key[i mod 4]"),
    row("wire", Array.from(wire, hex2)),
    row("⊕ key", Array.from(wire, (_, i) => hex2(key[i & 3]))),
    row("= data", Array.from(view.payload.subarray(0, count), hex2)),
    row("", Array.from(view.payload.subarray(0, count), printable)),
  );
}

function hexLines(payload: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < Math.min(payload.length, PAYLOAD_BYTES_SHOWN); offset += 16) {
    const row = payload.subarray(offset, Math.min(offset + 16, payload.length));
    const ascii = Array.from(row, (n) => (n >= 0x20 && n < 0x7f ? String.fromCharCode(n) : ".")).join("");
    lines.push(`${offset.toString(16).padStart(4, "0")}  ${toHex(row).padEnd(47)}  ${ascii}`);
  }
  return lines.join("\n");
}

function payloadBlock(view: FrameView): HTMLElement {
  const shown = view.payload.length;
  const declared = view.header.payloadLength;
  const note =
    shown < declared ? h("p", { class: "muted" }, `Showing the first ${shown} of ${declared} payload bytes.`) : null;
  if (declared === 0) return h("p", { class: "muted" }, "No payload.");
  if (view.close !== null) {
    return h(
      "div",
      {},
      h("p", {}, h("b", {}, view.close.code === null ? "no status code" : `${view.close.code}`), view.close.code === null ? null : ` ${view.close.codeName}`),
      view.close.reason ? h("p", {}, "reason: ", h("q", {}, view.close.reason)) : null,
    );
  }
  if (view.payloadText !== null) {
    const text = view.payloadText.length > 1024 ? view.payloadText.slice(0, 1024) + "…" : view.payloadText;
    return h("div", {}, h("pre", { class: "payload-text" }, text), note);
  }
  const compressed = view.header.rsv1 && view.rules.some((r) => r.section.startsWith("RFC 7692") && r.status === "ok");
  return h(
    "div",
    {},
    compressed ? h("p", { class: "muted" }, "Compressed with DEFLATE (permessage-deflate): the bytes below inflate to the message.") : null,
    h("pre", { class: "payload-hex" }, hexLines(view.payload)),
    shown > PAYLOAD_BYTES_SHOWN ? h("p", { class: "muted" }, `… ${shown - PAYLOAD_BYTES_SHOWN} more bytes shown here are left out.`) : null,
    note,
  );
}

function fieldTable(view: FrameView, hint: FrameContextHint): HTMLElement {
  const { header } = view;
  const row = (name: string, value: Node | string, explain: string) =>
    h("tr", {}, h("th", {}, name), h("td", {}, value), h("td", { class: "muted" }, explain));
  return h(
    "table",
    { class: "fields" },
    row("FIN", String(+header.fin), header.fin ? "the last frame of its message" : "more frames of this message follow"),
    row("RSV1 RSV2 RSV3", `${+header.rsv1} ${+header.rsv2} ${+header.rsv3}`, header.rsv1 && hint.deflate ? "RSV1: compressed message" : "reserved for extensions"),
    row("opcode", `0x${header.opcode.toString(16)} ${header.opcodeName}`, header.opcode >= 8 ? "a control frame" : header.opcode === 0 ? "continues a message" : "a data frame"),
    row("MASK", String(+header.masked), header.masked ? "the payload is masked" : "the payload is sent as is"),
    row("payload length", String(header.payloadLength), `${header.lengthEncoding} encoding (${header.lengthEncoding === "7-bit" ? "0–125" : header.lengthEncoding === "16-bit" ? "126–65535" : "≥ 65536"})`),
    row("masking key", header.maskingKey ? toHex(header.maskingKey) : "—", header.maskingKey ? "4 random bytes chosen by the client" : "none"),
    row("header size", `${header.headerLength} bytes`, "2 + extended length + masking key"),
  );
}

/** Renders one frame into `target`, or a hint when none is chosen. */
export function renderFrame(target: HTMLElement, entry: FrameEntry | null, hint: FrameContextHint, index: number | null): void {
  if (entry === null) {
    fill(target, h("p", { class: "empty" }, "No frame yet. Connect with the panel on the right and send a message: every frame in and out appears here, taken apart."));
    return;
  }
  const bytes = fromHex(entry.hex);
  const view = bytes === null ? null : describeFrame(bytes, hint);
  if (bytes === null || view === null) {
    fill(target, h("p", { class: "empty" }, `This frame's bytes could not be read (${entry.hex.slice(0, 40)}).`));
    return;
  }
  fill(
    target,
    h(
      "div",
      { class: "frame-head" },
      h("h3", {}, `Frame${index === null ? "" : ` #${index}`}: ${view.header.opcodeName}`),
      h("span", { class: `flow flow--${hint.sender === "CLIENT" ? "c2s" : "s2c"}` }, flowLabel(hint.sender)),
      h("span", { class: "muted" }, `${entry.length} bytes on the wire`),
    ),
    bitDiagram(bytes, view),
    h("h4", {}, "Header bytes"),
    headerDump(bytes, view),
    h("div", { class: "frame-grid" }, h("div", {}, h("h4", {}, "Fields"), fieldTable(view, hint)), h("div", {}, h("h4", {}, "Payload"), payloadBlock(view), unmaskTable(bytes, view))),
    h("h4", {}, "RFC rules"),
    h(
      "ul",
      { class: "rules" },
      ...view.rules.map((rule) =>
        h("li", { class: `rule rule--${rule.status}` }, h("span", { class: "rule-mark" }, rule.status === "ok" ? "✓" : rule.status === "broken" ? "✗" : "i"), h("span", {}, rule.text, " ", rfcLinks(rule.section, false))),
      ),
    ),
  );
}
