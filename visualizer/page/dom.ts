/** A tiny element builder: the page's only "framework". */

type Child = Node | string | number | null | undefined | false;

/** Attributes and listeners of {@link h}. */
export interface Props {
  class?: string;
  title?: string;
  /** `data-*` attributes, without the prefix. */
  data?: Record<string, string>;
  /** Other attributes (`type`, `href`, `aria-label`…). */
  attrs?: Record<string, string>;
  onClick?: (event: MouseEvent) => void;
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/**
 * Creates an HTML element.
 *
 * @example
 * ```ts
 * h("button", { class: "primary", onClick: () => connect() }, "Connect");
 * ```
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class) element.className = props.class;
  if (props.title) element.title = props.title;
  for (const [key, value] of Object.entries(props.data ?? {})) element.dataset[key] = value;
  for (const [key, value] of Object.entries(props.attrs ?? {})) element.setAttribute(key, value);
  const onClick = props.onClick;
  if (onClick) element.addEventListener("click", (event) => onClick(event as MouseEvent));
  append(element, children);
  return element;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** Creates an SVG element with attributes. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, String(value));
  append(element, children);
  return element;
}

/** Replaces all children of `parent`. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}
