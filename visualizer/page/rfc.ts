/**
 * RFC references as the page shows them: `RFC 6455 §5.5.1, §7.1.2` becomes one link per
 * section, each with the section's title, so a newcomer sees what the rule is about.
 */
import { h } from "./dom.js";

/** Section titles of the RFCs the statechart and the frame rules cite. */
const TITLES: Readonly<Record<string, string>> = {
  "6455 §1.3": "Opening Handshake (overview)",
  "6455 §4": "Opening Handshake",
  "6455 §4.1": "Client Requirements",
  "6455 §4.2": "Server-Side Requirements",
  "6455 §4.2.1": "Reading the Client's Opening Handshake",
  "6455 §4.2.2": "Sending the Server's Opening Handshake",
  "6455 §5": "Data Framing",
  "6455 §5.1": "Overview",
  "6455 §5.2": "Base Framing Protocol",
  "6455 §5.3": "Client-to-Server Masking",
  "6455 §5.4": "Fragmentation",
  "6455 §5.5": "Control Frames",
  "6455 §5.5.1": "Close",
  "6455 §5.5.2": "Ping",
  "6455 §5.5.3": "Pong",
  "6455 §5.6": "Data Frames",
  "6455 §5.7": "Examples",
  "6455 §6": "Sending and Receiving Data",
  "6455 §7": "Closing the Connection",
  "6455 §7.1.1": "Close the WebSocket Connection",
  "6455 §7.1.2": "Start the WebSocket Closing Handshake",
  "6455 §7.1.3": "The WebSocket Closing Handshake is Started",
  "6455 §7.1.4": "The WebSocket Connection is Closed",
  "6455 §7.1.5": "The WebSocket Connection Close Code",
  "6455 §7.1.7": "Fail the WebSocket Connection",
  "6455 §7.4": "Status Codes",
  "6455 §7.4.1": "Defined Status Codes",
  "6455 §8.1": "Handling Errors in UTF-8-Encoded Data",
  "6455 §9.1": "Negotiating Extensions",
  "7692 §6": "Framing (the compressed bit)",
  "8441 §5": "Bootstrapping WebSockets over HTTP/2",
  "9112 §6": "Message Body",
  "9112 §6.3": "Message Body Length",
};

/** One cited section. */
export interface RfcSection {
  /** E.g. `RFC 6455 §5.5.1`. */
  readonly label: string;
  readonly title: string | null;
  readonly href: string;
}

/**
 * Splits a citation into sections; a bare `§` continues the RFC named before it.
 *
 * @example
 * ```ts
 * rfcSections("RFC 6455 §5.5.1, §7.1.2").map((s) => s.label); // ["RFC 6455 §5.5.1", "RFC 6455 §7.1.2"]
 * ```
 */
export function rfcSections(citation: string): RfcSection[] {
  const sections: RfcSection[] = [];
  let rfc: string | null = null;
  for (const match of citation.matchAll(/(?:RFC\s*(\d+)\s*)?§\s*([\d.]+)/g)) {
    rfc = match[1] ?? rfc;
    if (rfc === null) continue;
    const section = match[2].replace(/\.$/, "");
    sections.push({
      label: `RFC ${rfc} §${section}`,
      title: TITLES[`${rfc} §${section}`] ?? null,
      href: `https://www.rfc-editor.org/rfc/rfc${rfc}#section-${section}`,
    });
  }
  return sections;
}

/** The citation as links (they open the RFC when online; the title is shown offline too). */
export function rfcLinks(citation: string | null, withTitles = true): HTMLElement {
  if (citation === null) return h("span", { class: "rfc rfc--none" }, "no RFC section given");
  const sections = rfcSections(citation);
  if (sections.length === 0) return h("span", { class: "rfc" }, citation);
  return h(
    "span",
    { class: "rfc" },
    ...sections.flatMap((section, i) => [
      i > 0 ? ", " : null,
      h("a", { attrs: { href: section.href, target: "_blank", rel: "noopener" }, title: section.title ?? section.label }, section.label),
      withTitles && section.title ? h("span", { class: "rfc-title" }, ` ${section.title}`) : null,
    ]),
  );
}
