/**
 * The lifecycle of one WebSocket connection (RFC 6455), as an XState v5 statechart.
 *
 * This file declares states, transitions and action names only; it imports nothing but
 * xstate, so the visualizer and the docs can draw it without the codec. `src/` runs it:
 * the engine sends these events when the lifecycle changes (never once per data frame),
 * and reads legality of every `send(event)` from this definition.
 *
 * Every transition carries `meta.rfc` (the section it implements) and `meta.description`.
 *
 * Top-level states are the `ConnectionState` values: CONNECTING, OPEN, LOCAL_CLOSING,
 * REMOTE_CLOSING, CLOSED and REJECTING.
 */
import { setup, stateIn } from "xstate";

/** `meta` of every transition: the rule it implements and what it means. */
export interface TransitionMeta {
  /** The RFC section the transition implements, e.g. `RFC 6455 §5.5.1`. */
  readonly rfc: string;
  /** One line saying what happens. */
  readonly description: string;
}

/** `meta` of states: what the state means. */
export interface StateMeta {
  readonly rfc: string;
  readonly description: string;
}

/**
 * The events of the lifecycle machine. `SEND_*` are the application's sends (checked for
 * legality before any byte is produced); the others are facts the engine observed.
 */
export type ConnectionMachineEvent =
  // Opening handshake, client (RFC 6455 §4.1)
  | { type: "SEND_REQUEST" }
  | { type: "RESPONSE_ACCEPTED" }
  | { type: "RESPONSE_REJECTED" }
  | { type: "RESPONSE_REJECTED_NO_BODY" }
  | { type: "RESPONSE_INVALID" }
  | { type: "REJECT_BODY_END" }
  // Opening handshake, server (RFC 6455 §4.2)
  | { type: "REQUEST_RECEIVED" }
  | { type: "REQUEST_INVALID" }
  | { type: "SEND_ACCEPT" }
  | { type: "SEND_REJECT" }
  | { type: "SEND_REJECT_WITH_BODY" }
  | { type: "SEND_REJECT_DATA" }
  | { type: "SEND_REJECT_DATA_END" }
  // Data transfer (RFC 6455 §5, §6)
  | { type: "SEND_TEXT" }
  | { type: "SEND_TEXT_FRAGMENT" }
  | { type: "SEND_BINARY" }
  | { type: "SEND_BINARY_FRAGMENT" }
  | { type: "SEND_PING" }
  | { type: "SEND_PONG" }
  | { type: "INBOUND_TEXT_STARTED" }
  | { type: "INBOUND_BINARY_STARTED" }
  | { type: "INBOUND_MESSAGE_FINISHED" }
  // Closing (RFC 6455 §5.5.1, §7)
  | { type: "SEND_CLOSE" }
  | { type: "CLOSE_RECEIVED" }
  | { type: "PROTOCOL_FAILED" }
  | { type: "EOF" };

/** The `type` of every lifecycle event. */
export type ConnectionMachineEventType = ConnectionMachineEvent["type"];

/** What the machine starts from: the role, and whether a handshake comes first. */
export interface ConnectionMachineInput {
  readonly role: "CLIENT" | "SERVER";
  /** `true` for a bare `Connection` (handshake done elsewhere, e.g. RFC 8441). */
  readonly opened: boolean;
  /** Opaque handle for the provided action implementations (the engine itself). */
  readonly engine?: unknown;
}

/** The machine's context: its input, kept. */
export interface ConnectionMachineContext {
  readonly role: "CLIENT" | "SERVER";
  readonly opened: boolean;
  readonly engine: unknown;
}

function go(target: string, rfc: string, description: string) {
  return { target, meta: { rfc, description } satisfies TransitionMeta };
}

function stay(rfc: string, description: string) {
  return { meta: { rfc, description } satisfies TransitionMeta };
}

const inboundWhileOpen = (prefix: string) =>
  ({
    initial: "idle",
    states: {
      idle: {
        meta: { rfc: "RFC 6455 §5.4", description: "No inbound message is in progress." },
        on: {
          INBOUND_TEXT_STARTED: go(
            "receivingText",
            "RFC 6455 §5.4",
            "A text message began and is not finished yet (fragmented, or a frame still arriving).",
          ),
          INBOUND_BINARY_STARTED: go(
            "receivingBinary",
            "RFC 6455 §5.4",
            "A binary message began and is not finished yet (fragmented, or a frame still arriving).",
          ),
        },
      },
      receivingText: {
        meta: {
          rfc: "RFC 6455 §5.4, §8.1",
          description: `${prefix}: a text message is arriving; its UTF-8 is validated as it comes.`,
        },
        on: {
          INBOUND_MESSAGE_FINISHED: go(
            "idle",
            "RFC 6455 §5.4",
            "The frame with FIN set completed the text message.",
          ),
        },
      },
      receivingBinary: {
        meta: { rfc: "RFC 6455 §5.4", description: `${prefix}: a binary message is arriving.` },
        on: {
          INBOUND_MESSAGE_FINISHED: go(
            "idle",
            "RFC 6455 §5.4",
            "The frame with FIN set completed the binary message.",
          ),
        },
      },
    },
  }) as const;

const closeSentRfc = "RFC 6455 §5.5.1, §7.1.2";
const closeSentDescription = "We sent a Close: we send no more data and wait for the peer's Close.";

const eof = go(
  "#connection.CLOSED",
  "RFC 6455 §7.1.5",
  "The transport ended without a closing handshake: the connection is closed, code 1006.",
);

/**
 * The connection lifecycle statechart. Run it through `Connection` / `WSConnection`
 * (which provide the `releaseResources` action), or draw it as it is.
 *
 * @example
 * ```ts
 * import { createActor } from "xstate";
 * import { connectionMachine } from "wstate/machines";
 * const actor = createActor(connectionMachine, { input: { role: "SERVER", opened: true } }).start();
 * actor.send({ type: "SEND_CLOSE" });
 * actor.getSnapshot().value; // { LOCAL_CLOSING: "idle" }
 * ```
 */
export const connectionMachine = setup({
  types: {
    context: {} as ConnectionMachineContext,
    events: {} as ConnectionMachineEvent,
    input: {} as ConnectionMachineInput,
    meta: {} as StateMeta,
  },
  guards: {
    /** A text message is arriving (in OPEN). */
    receivingText: stateIn({ OPEN: { inbound: "receivingText" } }),
    /** A binary message is arriving (in OPEN). */
    receivingBinary: stateIn({ OPEN: { inbound: "receivingBinary" } }),
  },
  actions: {
    /** Entry of CLOSED: let the engine drop buffers and codec state. */
    releaseResources: () => {},
  },
}).createMachine({
  id: "connection",
  context: ({ input }) => ({ role: input.role, opened: input.opened, engine: input.engine }),
  initial: "start",
  states: {
    start: {
      description: "Chooses where the connection begins.",
      always: [
        {
          guard: ({ context }) => context.opened,
          target: "OPEN",
          meta: {
            rfc: "RFC 6455 §4, RFC 8441 §5",
            description: "The handshake happened elsewhere: frames flow at once.",
          },
        },
        {
          guard: ({ context }) => context.role === "CLIENT",
          target: "CONNECTING.client",
          meta: { rfc: "RFC 6455 §4.1", description: "A client starts the opening handshake." },
        },
        {
          target: "CONNECTING.server",
          meta: { rfc: "RFC 6455 §4.2", description: "A server waits for an opening handshake." },
        },
      ],
    },

    CONNECTING: {
      meta: { rfc: "RFC 6455 §4", description: "The HTTP/1.1 opening handshake is under way." },
      initial: "server",
      on: { EOF: go("CLOSED", "RFC 6455 §4.1", "The transport ended during the handshake.") },
      states: {
        client: {
          initial: "idle",
          states: {
            idle: {
              meta: { rfc: "RFC 6455 §4.1", description: "Nothing sent yet." },
              on: {
                SEND_REQUEST: go(
                  "awaitingResponse",
                  "RFC 6455 §4.1",
                  "The client sent its GET with Upgrade: websocket and a fresh Sec-WebSocket-Key.",
                ),
              },
            },
            awaitingResponse: {
              meta: { rfc: "RFC 6455 §4.1", description: "Waiting for the server's response." },
              on: {
                RESPONSE_ACCEPTED: go(
                  "#connection.OPEN",
                  "RFC 6455 §4.1",
                  "101 with the right Upgrade, Connection and Sec-WebSocket-Accept: the connection is open.",
                ),
                RESPONSE_REJECTED: go(
                  "#connection.REJECTING.client",
                  "RFC 6455 §4.1",
                  "A final response other than 101: the server refused; its body follows.",
                ),
                RESPONSE_REJECTED_NO_BODY: go(
                  "#connection.CLOSED",
                  "RFC 6455 §4.1",
                  "A response other than 101 without a body: the server refused.",
                ),
                RESPONSE_INVALID: go(
                  "#connection.CLOSED",
                  "RFC 6455 §4.1",
                  "A 101 that fails validation: the client must fail the connection.",
                ),
              },
            },
          },
        },
        server: {
          initial: "awaitingRequest",
          states: {
            awaitingRequest: {
              meta: { rfc: "RFC 6455 §4.2.1", description: "Reading the client's handshake." },
              on: {
                REQUEST_RECEIVED: go(
                  "requestReceived",
                  "RFC 6455 §4.2.1",
                  "A valid upgrade request arrived: the application accepts or rejects it.",
                ),
                REQUEST_INVALID: go(
                  "requestInvalid",
                  "RFC 6455 §4.2.1",
                  "The request is not a valid WebSocket upgrade: it must be answered with an HTTP error.",
                ),
                SEND_REJECT: go("#connection.CLOSED", "RFC 6455 §4.2.2", "Refused before the request was read."),
                SEND_REJECT_WITH_BODY: go(
                  "#connection.REJECTING.server",
                  "RFC 6455 §4.2.2",
                  "Refused before the request was read; a body follows.",
                ),
              },
            },
            requestReceived: {
              meta: { rfc: "RFC 6455 §4.2.2", description: "The application decides: accept or reject." },
              on: {
                REQUEST_INVALID: go(
                  "requestInvalid",
                  "RFC 6455 §4.1",
                  "The client flooded bytes before the 101 (it must wait for it): only a rejection may follow.",
                ),
                SEND_ACCEPT: go(
                  "#connection.OPEN",
                  "RFC 6455 §4.2.2",
                  "101 Switching Protocols with Sec-WebSocket-Accept: the connection is open.",
                ),
                SEND_REJECT: go("#connection.CLOSED", "RFC 6455 §4.2.2", "Refused with an HTTP error, no body."),
                SEND_REJECT_WITH_BODY: go(
                  "#connection.REJECTING.server",
                  "RFC 6455 §4.2.2",
                  "Refused with an HTTP error; a body follows.",
                ),
              },
            },
            requestInvalid: {
              meta: { rfc: "RFC 6455 §4.2.1", description: "A bad request: only a rejection may be sent." },
              on: {
                SEND_REJECT: go("#connection.CLOSED", "RFC 6455 §4.2.1", "The bad request was answered with an HTTP error."),
                SEND_REJECT_WITH_BODY: go(
                  "#connection.REJECTING.server",
                  "RFC 6455 §4.2.1",
                  "The bad request is being answered with an HTTP error and a body.",
                ),
              },
            },
          },
        },
      },
    },

    REJECTING: {
      meta: { rfc: "RFC 6455 §4.2.2", description: "An HTTP rejection's body is being transferred." },
      initial: "server",
      on: { EOF: go("CLOSED", "RFC 9112 §6.3", "The transport ended: the rejection is over.") },
      states: {
        server: {
          on: {
            SEND_REJECT_DATA: stay("RFC 9112 §6", "A piece of the rejection body was sent."),
            SEND_REJECT_DATA_END: go("#connection.CLOSED", "RFC 9112 §6", "The rejection body is complete."),
          },
        },
        client: {
          on: {
            REJECT_BODY_END: go("#connection.CLOSED", "RFC 9112 §6.3", "The rejection body is complete."),
          },
        },
      },
    },

    OPEN: {
      meta: { rfc: "RFC 6455 §4.1, §4.2.2", description: "Data frames flow both ways." },
      type: "parallel",
      on: {
        SEND_PING: stay("RFC 6455 §5.5.2", "A Ping was sent."),
        SEND_PONG: stay("RFC 6455 §5.5.3", "A Pong was sent (an answer, or an unsolicited heartbeat)."),
        // The inbound fragmentation state carries over: the peer may be mid-message.
        SEND_CLOSE: [
          {
            guard: "receivingText",
            ...go("#connection.LOCAL_CLOSING.receivingText", closeSentRfc, closeSentDescription),
          },
          {
            guard: "receivingBinary",
            ...go("#connection.LOCAL_CLOSING.receivingBinary", closeSentRfc, closeSentDescription),
          },
          go("#connection.LOCAL_CLOSING.idle", closeSentRfc, closeSentDescription),
        ],
        CLOSE_RECEIVED: go(
          "REMOTE_CLOSING",
          "RFC 6455 §5.5.1, §7.1.3",
          "The peer sent a Close: we must answer with a Close.",
        ),
        PROTOCOL_FAILED: go(
          "REMOTE_CLOSING",
          "RFC 6455 §7.1.7",
          "The peer broke the protocol: we must fail the connection with a Close carrying the code.",
        ),
        EOF: eof,
      },
      states: {
        inbound: inboundWhileOpen("Open"),
        outbound: {
          initial: "idle",
          states: {
            idle: {
              meta: { rfc: "RFC 6455 §5.4", description: "No outbound message is in progress." },
              on: {
                SEND_TEXT: stay("RFC 6455 §5.6", "A whole text message was sent in one frame."),
                SEND_BINARY: stay("RFC 6455 §5.6", "A whole binary message was sent in one frame."),
                SEND_TEXT_FRAGMENT: go(
                  "sendingText",
                  "RFC 6455 §5.4",
                  "The first fragment of a text message was sent (FIN clear).",
                ),
                SEND_BINARY_FRAGMENT: go(
                  "sendingBinary",
                  "RFC 6455 §5.4",
                  "The first fragment of a binary message was sent (FIN clear).",
                ),
              },
            },
            sendingText: {
              meta: {
                rfc: "RFC 6455 §5.4",
                description: "A text message is being sent in fragments: only text continuations may follow.",
              },
              on: {
                SEND_TEXT_FRAGMENT: stay("RFC 6455 §5.4", "A continuation frame of the text message was sent."),
                SEND_TEXT: go("idle", "RFC 6455 §5.4", "The final fragment (FIN set) of the text message was sent."),
              },
            },
            sendingBinary: {
              meta: {
                rfc: "RFC 6455 §5.4",
                description: "A binary message is being sent in fragments: only binary continuations may follow.",
              },
              on: {
                SEND_BINARY_FRAGMENT: stay("RFC 6455 §5.4", "A continuation frame of the binary message was sent."),
                SEND_BINARY: go("idle", "RFC 6455 §5.4", "The final fragment (FIN set) of the binary message was sent."),
              },
            },
          },
        },
      },
    },

    LOCAL_CLOSING: {
      meta: {
        rfc: "RFC 6455 §7.1.2",
        description: "We sent a Close; data may still arrive until the peer's Close.",
      },
      ...inboundWhileOpen("Closing"),
      on: {
        SEND_PONG: stay("RFC 6455 §5.5.3", "A Pong answered a Ping that arrived after our Close."),
        CLOSE_RECEIVED: go(
          "CLOSED",
          "RFC 6455 §7.1.3",
          "The peer answered our Close: the closing handshake is complete.",
        ),
        PROTOCOL_FAILED: go(
          "CLOSED",
          "RFC 6455 §7.1.7",
          "The peer broke the protocol while we were closing: the connection is failed.",
        ),
        EOF: eof,
      },
    },

    REMOTE_CLOSING: {
      meta: { rfc: "RFC 6455 §5.5.1", description: "The peer sent a Close (or failed): we owe a Close." },
      on: {
        SEND_CLOSE: go(
          "CLOSED",
          "RFC 6455 §5.5.1, §7.1.3",
          "Our Close answered the peer's: the closing handshake is complete.",
        ),
        EOF: eof,
      },
    },

    CLOSED: {
      meta: {
        rfc: "RFC 6455 §7.1.4",
        description: "The WebSocket connection is closed; the transport should be closed too.",
      },
      type: "final",
      entry: "releaseResources",
    },
  },
});

/** The machine's type, for `provide` and actor typing. */
export type ConnectionMachine = typeof connectionMachine;
