"""The server warms itself up as it starts (issue 17 §3): one session runs app.py on "/".

Streamlit 1.67 learns the app's page list from the first run of app.py (``st.navigation``).
Until a session has run it, the first visitor who arrives on a deep link (``/chi-tra``, a link
in an e-mail) is shown a spurious "Page not found" dialog before the page opens. So serve.py's
lifespan starts ``warm_up`` in the background: it waits until the server answers its health
check, opens one session over Streamlit's own WebSocket protocol (as a browser does), asks for
"/", waits for the script to finish and closes. Nothing else is needed from the service that
starts the server, and a restart warms up again.

The protocol: ``ws://HOST/_stcore/stream`` with the subprotocol ``streamlit``; one ``BackMsg``
whose ``rerun_script`` names the page by its URL path; the server streams ``ForwardMsg``s until
``script_finished`` (a run that ends early for ``st.rerun()`` is followed by the next).
"""

from __future__ import annotations

import asyncio
import sys
import time
import urllib.error
import urllib.request

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException
from websockets.typing import Origin, Subprotocol

READY_TIMEOUT_S = 120.0  # the first start may build the demo database first
RUN_TIMEOUT_S = 300.0
EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
ATTEMPTS = 3  # a run that stopped before st.navigation (the database was not up yet) is retried
RETRY_S = 5.0


def _say(line: str) -> None:
    """One line on the server's log (stderr: journald keeps it for the service)."""
    print(line, file=sys.stderr, flush=True)


def base_url(address: str | None, port: int, path: str = "") -> str:
    """Where this server answers on this machine: its own address, or 127.0.0.1 when it
    listens on every address."""
    host = address if address and address not in ("0.0.0.0", "::") else "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    prefix = f"/{path.strip('/')}" if path.strip("/") else ""
    return f"http://{host}:{port}{prefix}"


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


async def _run_once(url: str) -> bool:
    """Run app.py once on "/"; True when the app's page list (``navigation``) arrived."""
    stream = url.replace("http", "ws", 1) + "/_stcore/stream"
    async with connect(
        stream,
        subprotocols=[Subprotocol("streamlit")],
        origin=Origin(url),
        max_size=None,
        open_timeout=RUN_TIMEOUT_S,
    ) as ws:
        message = BackMsg()
        message.rerun_script.query_string = ""
        message.rerun_script.page_name = ""
        message.rerun_script.context_info.url = f"{url}/"
        await ws.send(message.SerializeToString())
        deadline = time.monotonic() + RUN_TIMEOUT_S
        pages = False
        while True:
            data = await asyncio.wait_for(ws.recv(), deadline - time.monotonic())
            forward = ForwardMsg()
            forward.ParseFromString(data)
            kind = forward.WhichOneof("type")
            pages = pages or kind == "navigation"
            if kind == "script_finished" and forward.script_finished != EARLY:
                return pages


async def warm_up(url: str) -> bool:
    """Wait for the server at ``url``, run app.py once in a session; True when it ran."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not await asyncio.to_thread(_healthy, url):
        if time.monotonic() > deadline:
            _say(f"warm-up: {url} did not answer its health check")
            return False
        await asyncio.sleep(0.2)
    for attempt in range(ATTEMPTS):
        if attempt:
            await asyncio.sleep(RETRY_S)
        try:
            if await _run_once(url):
                _say(f"warm-up: app.py ran once at {url}; a deep link now opens its page")
                return True
            _say(f"warm-up: app.py ran at {url} without reaching its page list; again")
        except (WebSocketException, OSError, TimeoutError) as exc:
            _say(f"warm-up: the first run of app.py at {url} failed: {exc}")
    return False
