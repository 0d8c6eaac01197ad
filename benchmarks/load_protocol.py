"""A client that speaks Streamlit's own WebSocket protocol, as the browser does, for the load
benchmark (``benchmarks/load.py``): one object per simulated user, many in one event loop.

The protocol (Streamlit 1.67, read in ``streamlit/web/server/starlette/starlette_websocket.py``
and ``streamlit/runtime/app_session.py``): the client opens ``ws://HOST/_stcore/stream`` with the
subprotocol ``streamlit`` and an ``Origin`` of the same host, then sends a ``BackMsg`` whose
``rerun_script`` (a ``ClientState``) names the page (``page_script_hash`` from the app's
``navigation`` message, or ``page_name``, the page's URL path), the query string and the widget
values. The server runs the script and streams ``ForwardMsg``s: ``new_session``, ``navigation``,
one ``delta`` per element, and ``script_finished``. A run that calls ``st.rerun()`` ends with
``FINISHED_EARLY_FOR_RERUN`` and the next run follows on its own, so a page view ends at the first
``script_finished`` that is not early.

Like the browser, the client tells the server which large elements it already holds
(``cached_message_hashes``): the server then sends a reference (``ref_hash``) instead.
Signing in is what a person does: the form's two text inputs and its submit button, whose ids the
form's own elements carry, sent as widget states in one rerun; the page's handoff script
(``auth/web.py``) is then played by POSTing its one-time code to the cookie route.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException
from websockets.typing import Origin, Subprotocol

EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
COMPILE_ERROR = ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR
# The handoff script auth/web.py draws after a sign-in: fetch(route, {..., "body": code}).
HANDOFF = re.compile(r'fetch\((".*?"), (\{.*\})\);')
VIEW_TIMEOUT_S = 600  # a view that takes longer is counted as an error, not waited for
TIMEZONE = ("Asia/Ho_Chi_Minh", -420)  # what a tablet in Vietnam reports (minutes west of UTC)


class ProtocolError(RuntimeError):
    """The server closed the stream or sent something a page view cannot end with."""


@dataclass
class Page:
    """One entry of the app's navigation: what the top bar links to."""

    script_hash: str
    url_path: str
    title: str
    hidden: bool


@dataclass
class PageRun:
    """What one page view brought back, and how long it took from send to script_finished."""

    seconds: float
    messages: int = 0
    exceptions: list[str] = field(default_factory=list)  # exception elements: "Type: message"
    page_not_found: bool = False
    headings: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # headings, text, markdown, alerts, metrics
    navigation: list[Page] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)  # text input label -> widget id
    submit_id: str | None = None  # the form's submit button
    handoff: tuple[str, str] | None = None  # (route, one-time code) of the cookie handoff
    compile_error: bool = False
    rerun_at: float | None = None  # seconds to the first st.rerun(), when the script called it

    @property
    def errors(self) -> list[str]:
        """What counts as an error of this view."""
        found = list(self.exceptions)
        if self.page_not_found:
            found.append("page not found")
        if self.compile_error:
            found.append("script compile error")
        return found


class StreamlitClient:
    """One browser tab, without the browser: ``async with StreamlitClient(base) as tab: ...``."""

    def __init__(self, base_url: str, cookie: str | None = None, locale: str = "vi-VN") -> None:
        self.base_url = base_url.rstrip("/")
        self.cookie = cookie
        self.locale = locale
        self._ws: ClientConnection | None = None
        self._cache: dict[str, ForwardMsg] = {}  # cacheable elements received, by hash
        self._last: tuple[Page | None, str, str] = (None, "", "")  # page, query, page_name

    async def __aenter__(self) -> StreamlitClient:
        stream = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        headers = {"Cookie": self.cookie} if self.cookie else {}
        try:
            self._ws = await connect(
                stream,
                subprotocols=[Subprotocol("streamlit")],
                origin=Origin(self.base_url),
                additional_headers=headers,
                max_size=None,
                open_timeout=VIEW_TIMEOUT_S,
                ping_interval=None,  # a browser sends no pings either; views keep it busy
            )
        except (WebSocketException, OSError, TimeoutError) as exc:
            raise ProtocolError(f"could not open {stream}: {exc}") from exc
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    async def view(
        self,
        page: Page | None = None,
        query: str = "",
        widgets: Iterable[WidgetState] = (),
        page_name: str = "",
    ) -> PageRun:
        """Open ``page`` (None: the URL ``/page_name``) and wait until its script has finished."""
        if self._ws is None:
            raise ProtocolError("not connected")
        self._last = (page, query, page_name)
        message = BackMsg()
        state = message.rerun_script
        state.query_string = query
        if page is not None:
            state.page_script_hash = page.script_hash
        else:
            state.page_name = page_name
        state.widget_states.widgets.extend(widgets)
        state.cached_message_hashes.extend(self._cache)
        state.context_info.timezone, state.context_info.timezone_offset = TIMEZONE
        state.context_info.locale = self.locale
        state.context_info.url = f"{self.base_url}/{page.url_path if page else page_name}"
        started = time.perf_counter()
        await self._ws.send(message.SerializeToString())
        run = PageRun(seconds=0.0)
        deadline = started + VIEW_TIMEOUT_S
        while True:
            try:
                data = await asyncio.wait_for(self._ws.recv(), deadline - time.perf_counter())
            except TimeoutError as exc:
                raise ProtocolError(f"no script_finished within {VIEW_TIMEOUT_S} s") from exc
            except WebSocketException as exc:
                raise ProtocolError(f"the stream closed during a page view: {exc}") from exc
            forward = ForwardMsg()
            forward.ParseFromString(data)
            run.messages += 1
            kind = forward.WhichOneof("type")
            if kind == "script_finished":
                if forward.script_finished == EARLY:  # st.rerun(): the next run follows
                    first = run.rerun_at or time.perf_counter() - started
                    run = PageRun(0.0, run.messages, run.exceptions, run.page_not_found)
                    run.rerun_at = first  # what the early run drew is gone; its errors count
                    continue
                run.seconds = time.perf_counter() - started
                run.compile_error = forward.script_finished == COMPILE_ERROR
                return run
            self._read(forward, kind, run)

    def _read(self, forward: ForwardMsg, kind: str | None, run: PageRun) -> None:
        if kind == "ref_hash":
            cached = self._cache.get(forward.ref_hash)
            if cached is None:
                raise ProtocolError(f"the server referred to an unknown element {forward.ref_hash}")
            forward, kind = cached, "delta"
        elif forward.metadata.cacheable and forward.hash:
            self._cache[forward.hash] = forward
        if kind == "page_not_found":
            run.page_not_found = True
        elif kind == "navigation":
            run.navigation = [
                Page(p.page_script_hash, p.url_pathname, p.page_name, p.is_hidden)
                for p in forward.navigation.app_pages
            ]
        elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            self._element(forward.delta.new_element, run)

    @staticmethod
    def _element(element: Element, run: PageRun) -> None:
        kind = element.WhichOneof("type")
        if kind is None:
            return
        body: Any = getattr(element, kind)
        if kind == "exception":
            run.exceptions.append(
                f"{body.type}: {body.message}"[:300] if body.type else body.message
            )
        elif kind == "heading":
            run.headings.append(body.body)
            run.texts.append(body.body)
        elif kind in ("markdown", "text", "alert"):
            run.texts.append(body.body)
        elif kind == "metric":
            run.texts.append(f"{body.label}: {body.body}")
        elif kind == "text_input":
            run.inputs[body.label] = body.id
        elif kind == "button" and body.is_form_submitter:
            run.submit_id = body.id
        elif kind == "html" and "fetch(" in body.body:
            found = HANDOFF.search(body.body)
            if found and json.loads(found.group(2)).get("method") == "POST":
                run.handoff = (json.loads(found.group(1)), json.loads(found.group(2))["body"])

    async def sign_in(self, form: PageRun, username: str, password: str) -> PageRun:
        """Fill the sign-in form drawn in ``form`` (the last view) and submit it, as a person does:
        the same page and query string, with the form's values."""
        if len(form.inputs) != 2 or form.submit_id is None:
            raise ProtocolError("the page shows no sign-in form (two text inputs and a submit)")
        user_id, password_id = form.inputs.values()  # the form's order: user name, password
        widgets = [
            WidgetState(id=user_id, string_value=username),
            WidgetState(id=password_id, string_value=password),
            WidgetState(id=form.submit_id, trigger_value=True),
        ]
        page, query, page_name = self._last
        return await self.view(page, query, widgets, page_name)

    async def take_cookie(self, handoff: tuple[str, str]) -> float:
        """Play the page's handoff script: POST the code to the route, keep the cookie.

        :returns: the seconds the route took.
        :raises ProtocolError: the route refused the code or set no cookie.
        """
        route, code = handoff
        started = time.perf_counter()
        cookie = await asyncio.to_thread(_post_handoff, self.base_url + route, code)
        self.cookie = cookie
        return time.perf_counter() - started


def _post_handoff(url: str, code: str) -> str:
    request = urllib.request.Request(
        url,
        data=code.encode("ascii"),
        method="POST",
        headers={"Content-Type": "text/plain", "Sec-Fetch-Site": "same-origin"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            cookie = response.headers.get("Set-Cookie") or ""
    except urllib.error.HTTPError as exc:
        raise ProtocolError(f"the cookie route answered {exc.code}") from exc
    if "HttpOnly" not in cookie:
        raise ProtocolError("the cookie route set no HttpOnly cookie")
    return cookie.split(";", 1)[0]
