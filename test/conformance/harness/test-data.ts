/**
 * Stand-ins for the Autobahn test data files of sections 12 and 13 (not distributed with
 * the catalogue): same kind, same size, similar compressibility, and the same first 16
 * bytes as the catalogue lists. Generated deterministically from a seed.
 */
import { deflateSync } from "node:zlib";
import { seededRandom } from "./random.js";
import { concatBytes } from "./wire.js";

/** A test data file: text is sliced by characters, binary by bytes. */
export type TestData = { readonly kind: "text"; readonly text: string } | { readonly kind: "binary"; readonly bytes: Uint8Array };

const GERMAN = (
  "der die das und ist nicht ich du er sie es wir ihr mich dich sich mit auf zu von im den dem ein eine " +
  "Welt Geist Himmel Erde Nacht Tag Herz Liebe Seele Wissen Natur Gott Teufel Zeit Leben Tod Freude Schmerz " +
  "Mädchen Gretchen Mephistopheles Faust Wagner Marthe Schüler Engel Hexe Küche Straße Garten Kerker Dom " +
  "schön süß groß klein dunkel hell müde froh weit tief hoch alt jung wahr fremd stumm wild " +
  "weiß kommt geht sieht hört fühlt spricht träumt strebt irrt lebt liebt glaubt möchte müssen können " +
  "über unter hinter vor nach bei aus für gegen ohne durch wieder noch schon nur doch auch so wie wenn"
).split(" ");

const ENGLISH = (
  "the of and to in is that for it as with was on be by this are from at or an have not which but all " +
  "data server client message frame socket protocol network request response value error stream buffer " +
  "window table row column header footer section article content title author date price quantity total"
).split(" ");

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)];
}

function words(random: () => number, list: readonly string[], count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(pick(random, list));
  return out.join(" ");
}

/** Cuts or pads (with spaces) so the UTF-8 encoding is exactly `size` bytes. */
function fitText(text: string, size: number): string {
  let bytes = 0;
  let end = 0;
  for (; end < text.length; end++) {
    const code = text.charCodeAt(end);
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : 3;
    if (bytes + width > size) break;
    bytes += width;
  }
  return text.slice(0, end) + " ".repeat(size - bytes);
}

function jsonFile(size: number): string {
  const random = seededRandom(1);
  const entries: string[] = [];
  let length = 0;
  for (let id = 0; length < size; id++) {
    const entry =
      `   "${id === 0 ? "AutobahnPython" : `item${id}`}": {\n` +
      `      "id": ${id},\n` +
      `      "name": "${words(random, ENGLISH, 2)}",\n` +
      `      "city": "${pick(random, ["Berlin", "München", "Zürich", "Köln", "Düsseldorf", "Paris", "Tōkyō", "New York"])}",\n` +
      `      "price": ${(random() * 1000).toFixed(2)},\n` +
      `      "tags": ["${words(random, ENGLISH, 1)}", "${words(random, ENGLISH, 1)}"],\n` +
      `      "active": ${random() < 0.5 ? "true" : "false"},\n` +
      `      "description": "${words(random, ENGLISH, 6 + Math.floor(random() * 10))}"\n` +
      `   }`;
    entries.push(entry);
    length += entry.length + 2;
  }
  return fitText(`{\n${entries.join(",\n")}\n}\n`, size);
}

function htmlFile(size: number): string {
  const random = seededRandom(2);
  const parts = ["<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Report</title>\n</head>\n<body>\n"];
  let length = parts[0].length;
  for (let row = 0; length < size; row++) {
    const part =
      row % 20 === 0
        ? `<h2 class="section">${words(random, ENGLISH, 4)}</h2>\n<p>${words(random, ENGLISH, 40)}</p>\n<table class="data">\n`
        : `  <tr class="${row % 2 ? "odd" : "even"}"><td>${row}</td><td>${words(random, ENGLISH, 3)}</td>` +
          `<td class="num">${(random() * 10000).toFixed(2)}</td><td><a href="/item/${row}">details</a></td></tr>\n` +
          (row % 20 === 19 ? "</table>\n" : "");
    parts.push(part);
    length += part.length;
  }
  return fitText(parts.join(""), size);
}

function faustFile(size: number): Uint8Array {
  const random = seededRandom(3);
  const speakers = ["FAUST", "MEPHISTOPHELES", "WAGNER", "GRETCHEN", "MARTHE", "CHOR DER ENGEL", "SCHÜLER"];
  const parts = [
    "\ufeffThe Project Gutenberg EBook of Faust: Der Tragödie erster Teil, by Johann Wolfgang von Goethe\r\n\r\n",
  ];
  let length = parts[0].length;
  while (length < size) {
    let scene = `\r\n${pick(random, speakers)}:\r\n`;
    const lines = 2 + Math.floor(random() * 8);
    for (let i = 0; i < lines; i++) {
      const line = words(random, GERMAN, 4 + Math.floor(random() * 5));
      scene += line[0].toUpperCase() + line.slice(1) + (i === lines - 1 ? ".\r\n" : ",\r\n");
    }
    parts.push(scene);
    length += scene.length;
  }
  return new TextEncoder().encode(fitText(parts.join(""), size));
}

function bmpFile(): Uint8Array {
  const width = 512;
  const height = 512;
  const offset = 54 + 1024;
  const size = offset + width * height;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = 0x42;
  out[1] = 0x4d;
  view.setUint32(2, size, true);
  view.setUint32(10, offset, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, 8, true);
  view.setUint32(34, width * height, true);
  view.setUint32(46, 256, true);
  for (let i = 0; i < 256; i++) out.set([i, i, i, 0], 54 + i * 4);
  // A smooth "photo": overlapping waves and soft blobs, plus sensor noise.
  const random = seededRandom(4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const wave = 60 * Math.sin(x / 37) * Math.cos(y / 53) + 40 * Math.sin((x + y) / 91);
      const blob = 80 * Math.exp(-((x - 200) ** 2 + (y - 260) ** 2) / 9000);
      const noise = (random() - 0.5) * 12;
      out[offset + y * width + x] = Math.max(0, Math.min(255, Math.round(110 + wave + blob + noise)));
    }
  }
  return out;
}

function pdfFile(size: number): Uint8Array {
  const random = seededRandom(5);
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [Uint8Array.from([...encoder.encode("%PDF-1.2\n%"), 0xc7, 0xec, 0x8f, 0xa2, 0x0a])];
  let length = parts[0].length;
  for (let object = 6; length < size; object += 2) {
    // Page content compressed with Flate, as real PDFs store it: nearly incompressible.
    const content = encoder.encode(
      Array.from({ length: 60 }, () => `BT /F1 10 Tf ${Math.floor(random() * 500)} ${Math.floor(random() * 700)} Td (${words(random, ENGLISH, 8)}) Tj ET`).join("\n"),
    );
    const stream = new Uint8Array(deflateSync(content));
    const head = encoder.encode(`${object} 0 obj\n<</Length ${object + 1} 0 R/Filter /FlateDecode>>\nstream\n`);
    const tail = encoder.encode(`\nendstream\nendobj\n${object + 1} 0 obj\n${stream.length}\nendobj\n`);
    parts.push(head, stream, tail);
    length += head.length + stream.length + tail.length;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    if (at >= size) break;
    out.set(part.subarray(0, size - at), at);
    at += part.length;
  }
  return out;
}

const cache = new Map<string, TestData>();

/** The stand-in for one Autobahn test data file. */
export function testData(file: string, size: number): TestData {
  const key = `${file}:${size}`;
  let data = cache.get(key);
  if (data === undefined) {
    switch (file) {
      case "data1.json":
        data = { kind: "text", text: jsonFile(size) };
        break;
      case "data1.html":
        data = { kind: "text", text: htmlFile(size) };
        break;
      case "pg2229.txt":
        data = { kind: "binary", bytes: faustFile(size) };
        break;
      case "lena512.bmp":
        data = { kind: "binary", bytes: bmpFile() };
        break;
      case "10.1.1.105.5439.pdf":
        data = { kind: "binary", bytes: pdfFile(size) };
        break;
      default:
        throw new Error(`no stand-in for test data file ${file}`);
    }
    cache.set(key, data);
  }
  return data;
}

/**
 * Autobahn's `sendOne`: message `index` is the next `length`-sized slice of the file,
 * wrapping around (text counts characters; all stand-in text is in the BMP).
 */
export function testDataMessages(data: TestData, length: number): (index: number) => Uint8Array {
  const { bytes, offsets } = encoded(data);
  const total = offsets.length - 1;
  return (index) => {
    const from = (index * length) % total;
    const to = from + length;
    if (to <= total) return bytes.subarray(offsets[from], offsets[to]);
    return concatBytes([bytes.subarray(offsets[from]), bytes.subarray(0, offsets[to - total])]);
  };
}

const encodings = new WeakMap<TestData, { bytes: Uint8Array; offsets: Uint32Array }>();

/** The file's bytes and, per unit (character or byte), its byte offset (plus the end). */
function encoded(data: TestData): { bytes: Uint8Array; offsets: Uint32Array } {
  let result = encodings.get(data);
  if (result === undefined) {
    if (data.kind === "binary") {
      result = { bytes: data.bytes, offsets: Uint32Array.from({ length: data.bytes.length + 1 }, (_, i) => i) };
    } else {
      const offsets = new Uint32Array(data.text.length + 1);
      let at = 0;
      for (let i = 0; i < data.text.length; i++) {
        offsets[i] = at;
        const code = data.text.charCodeAt(i);
        at += code < 0x80 ? 1 : code < 0x800 ? 2 : 3;
      }
      offsets[data.text.length] = at;
      result = { bytes: new TextEncoder().encode(data.text), offsets };
    }
    encodings.set(data, result);
  }
  return result;
}
