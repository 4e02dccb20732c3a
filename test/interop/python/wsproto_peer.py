"""An echo peer built on `wsproto` over blocking sockets, for wstate's interop tests.

    wsproto_peer.py server [--no-deflate]
    wsproto_peer.py client URL [--no-deflate] [--subprotocol NAME]

Same behaviour and reports as websockets_peer.py: echo each message (fragment for
fragment), answer Pings, close with 4000 "as requested" on the text "close please",
report "listening", "open" and "closed" as JSON lines on stdout. The server serves one
connection after another until its stdin closes.
"""

import json
import os
import socket
import sys
import threading
from urllib.parse import urlparse

from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    Request,
    TextMessage,
)
from wsproto.extensions import PerMessageDeflate


def report(**fields):
    print(json.dumps(fields), flush=True)


def header(head, name):
    """A header's value in a raw HTTP head, or None."""
    for line in head.split(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip().decode("latin-1")
    return None


class Echo:
    """Runs one wsproto connection over one socket until it is closed."""

    def __init__(self, sock, ws, deflate):
        self.sock = sock
        self.ws = ws
        self.deflate = deflate
        self.head = b""

    def send(self, event):
        data = self.ws.send(event)
        if isinstance(event, AcceptConnection):
            self.head = data
        self.sock.sendall(data)

    def run(self):
        while True:
            data = self.sock.recv(65536)
            if not self.head and self.ws.client:
                self.head += data
            self.ws.receive_data(data or None)
            for event in self.ws.events():
                if self.handle(event):
                    self.sock.close()
                    return
            if not data:
                self.sock.close()
                return

    def handle(self, event):
        """Answers an event; True once the connection is over."""
        if isinstance(event, Request):
            subprotocol = "chat.v1" if "chat.v1" in event.subprotocols else None
            extensions = [PerMessageDeflate()] if self.deflate else []
            self.send(AcceptConnection(subprotocol=subprotocol, extensions=extensions))
            self.opened(header(self.head, b"sec-websocket-extensions"), subprotocol)
        elif isinstance(event, AcceptConnection):
            self.opened(header(self.head, b"sec-websocket-extensions"), event.subprotocol)
        elif isinstance(event, TextMessage) and event.data == "close please":
            self.send(CloseConnection(code=4000, reason="as requested"))
        elif isinstance(event, (TextMessage, BytesMessage)):
            if self.ws.state == ConnectionState.OPEN:
                self.send(type(event)(data=event.data, message_finished=event.message_finished))
        elif isinstance(event, Ping):
            self.send(event.response())
        elif isinstance(event, CloseConnection):
            # After a protocol failure wsproto stays OPEN: the Close must still be sent.
            if self.ws.state in (ConnectionState.OPEN, ConnectionState.REMOTE_CLOSING):
                self.send(event.response())
            report(event="closed", code=event.code, reason=event.reason)
            return True
        return False

    def opened(self, extensions, subprotocol):
        report(event="open", extensions=extensions, subprotocol=subprotocol)


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


def serve(deflate):
    listener = socket.create_server(("127.0.0.1", 0))
    report(event="listening", port=listener.getsockname()[1])
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    while True:
        sock, _ = listener.accept()
        connection = Echo(sock, WSConnection(ConnectionType.SERVER), deflate)
        threading.Thread(target=connection.run, daemon=True).start()


def connect(url, deflate, subprotocols):
    parts = urlparse(url)
    sock = socket.create_connection((parts.hostname, parts.port))
    connection = Echo(sock, WSConnection(ConnectionType.CLIENT), deflate)
    connection.send(
        Request(
            host=parts.netloc,
            target=parts.path or "/",
            subprotocols=subprotocols,
            extensions=[PerMessageDeflate()] if deflate else [],
        )
    )
    connection.run()


def main(argv):
    deflate = "--no-deflate" not in argv
    if argv[0] == "server":
        serve(deflate)
    else:
        subprotocols = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--subprotocol"]
        connect(argv[1], deflate, subprotocols)


if __name__ == "__main__":
    main(sys.argv[1:])
