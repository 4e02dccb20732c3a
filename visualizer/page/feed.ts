/**
 * The page's end of `/__inspect`: a WebSocket to the demo server that streams the hub's
 * JSON messages, reopened with a growing delay when it drops.
 */
import type { HubMessage } from "../messages.js";

/** Where the feed is. */
export type FeedStatus = "connecting" | "live" | "offline";

/** The inspection feed's URL next to this page. */
export function feedUrl(location: Location): string {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/__inspect`;
}

/**
 * Opens the feed and keeps it open.
 *
 * @example
 * ```ts
 * connectFeed(feedUrl(location), (message) => store.receive(message), (status) => badge.textContent = status);
 * ```
 */
export function connectFeed(url: string, onMessage: (message: HubMessage) => void, onStatus: (status: FeedStatus) => void): void {
  let delay = 500;
  const open = () => {
    onStatus("connecting");
    const socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      delay = 500;
      onStatus("live");
    });
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        return; // not one of the hub's messages
      }
      if (message !== null && typeof message === "object" && typeof (message as { type?: unknown }).type === "string") {
        onMessage(message as HubMessage);
      }
    });
    socket.addEventListener("close", () => {
      onStatus("offline");
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 8000);
    });
  };
  open();
}
