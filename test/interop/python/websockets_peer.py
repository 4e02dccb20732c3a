"""An echo peer built on the `websockets` library (asyncio), for wstate's interop tests.

    websockets_peer.py server [--no-deflate]
    websockets_peer.py client URL [--no-deflate] [--subprotocol NAME]

Both echo every message with its type and answer Pings (websockets does that itself).
A text message "close please" makes the peer close with 4000 "as requested" instead.
Reports go to stdout, one JSON object per line:
  {"event": "listening", "port": N}                      (server)
  {"event": "open", "extensions": str|null, "subprotocol": str|null}
  {"event": "closed", "code": N, "reason": str}
The server runs until its stdin closes; the client exits once its connection closed.
"""

import asyncio
import json
import sys

import websockets


def report(**fields):
    print(json.dumps(fields), flush=True)


async def echo(ws):
    report(
        event="open",
        extensions=ws.response_headers.get("Sec-WebSocket-Extensions"),
        subprotocol=ws.subprotocol,
    )
    try:
        async for message in ws:
            if message == "close please":
                await ws.close(4000, "as requested")
                break
            await ws.send(message)
    except websockets.ConnectionClosed:
        pass
    await ws.wait_closed()
    report(event="closed", code=ws.close_code, reason=ws.close_reason)


async def stdin_closed():
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)


async def serve(compression):
    async def handler(ws, path=None):
        await echo(ws)

    async with websockets.serve(
        handler, "127.0.0.1", 0, compression=compression, subprotocols=["chat.v1"]
    ) as server:
        report(event="listening", port=server.sockets[0].getsockname()[1])
        await stdin_closed()


async def connect(url, compression, subprotocols):
    async with websockets.connect(
        url, compression=compression, subprotocols=subprotocols or None
    ) as ws:
        await echo(ws)


def main(argv):
    compression = None if "--no-deflate" in argv else "deflate"
    if argv[0] == "server":
        asyncio.run(serve(compression))
    else:
        subprotocols = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--subprotocol"]
        asyncio.run(connect(argv[1], compression, subprotocols))


if __name__ == "__main__":
    main(sys.argv[1:])
