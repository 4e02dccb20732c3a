/**
 * The push side of the engine: listeners per event type (and `"*"`), shared by
 * `Connection` and `WSConnection`.
 */
import { LocalProtocolError } from "./errors.js";
import type { AnyEvent } from "./events.js";

/** A listener for `on(type, listener)`. */
export type Listener<E> = (event: E) => void;

const EVENT_TYPES: ReadonlySet<string> = new Set([
  "*",
  "Request",
  "AcceptConnection",
  "RejectConnection",
  "RejectData",
  "CloseConnection",
  "TextMessage",
  "BytesMessage",
  "Ping",
  "Pong",
]);

/**
 * Listeners by event type. Owners make one on the first `on()`: most connections (pull
 * mode, the Node adapter) never register a listener, and idle connections are many.
 */
export class Listeners {
  readonly #byType = new Map<string, Set<Listener<AnyEvent>>>();

  /** Whether any listener is registered (then the engine delivers at once). */
  get active(): boolean {
    return this.#byType.size > 0;
  }

  /**
   * Registers `listener` for `type`; returns the function that unregisters it.
   *
   * @throws LocalProtocolError for an unknown type or a listener that is not a function.
   */
  add(type: string, listener: Listener<never>): () => void {
    if (!EVENT_TYPES.has(type)) {
      throw new LocalProtocolError(`on() takes an event class name (${[...EVENT_TYPES].slice(1).join(", ")}) or "*"; got ${String(type)}.`);
    }
    if (typeof listener !== "function") {
      throw new LocalProtocolError(`on("${type}", listener) needs a function as listener; got ${typeof listener}.`);
    }
    const byType = this.#byType;
    let set = byType.get(type);
    if (set === undefined) byType.set(type, (set = new Set()));
    set.add(listener as Listener<AnyEvent>);
    return () => {
      set.delete(listener as Listener<AnyEvent>);
      if (set.size === 0 && byType.get(type) === set) byType.delete(type);
    };
  }

  /** Hands `event` to the listeners of its type, then to those of `"*"`. */
  dispatch(event: AnyEvent): void {
    const byType = this.#byType;
    const typed = byType.get(event.type);
    if (typed !== undefined) for (const listener of typed) listener(event);
    const any = byType.get("*");
    if (any !== undefined) for (const listener of any) listener(event);
  }
}
