"""The dashboard's own HTTP route: it turns a sign-in into an HttpOnly session cookie.

Why a route of our own (Streamlit 1.67, read in its source and issues #861 and #14730):

- A script can read the request's cookies (``st.context.cookies``, taken from the WebSocket
  handshake, HttpOnly ones included) but cannot set one: the script talks to the browser over
  the WebSocket, and only an HTTP response can set an HttpOnly cookie.
- JavaScript in the page (``st.html(..., unsafe_allow_javascript=True)`` or a component) can set
  cookies, but never HttpOnly ones: any script injected into the page could read them.
- Streamlit's own sign-in cookie (``st.login`` / ``st.user``, HttpOnly ``_streamlit_user``) is
  set by its server only at the end of an OpenID Connect provider's callback, so it cannot carry
  an account of our argon2 user store. (Accounts signed in through OIDC keep using it.)
- Streamlit 1.67's ASGI entry point ``st.App`` accepts extra Starlette routes, and
  ``streamlit run`` serves a file that defines ``app = st.App(...)`` with them. ``serve.py``
  mounts :func:`routes`, so the dashboard starts with ``streamlit run serve.py``.

The route ``POST <base>/api/auth/session`` takes the one-time handoff code that the sign-in
page posts from the browser right after a successful sign-in (:func:`handoff_html`), spends it
(``SessionTokens.redeem``) and answers with ``Set-Cookie: welfare_session=<token>; HttpOnly;
SameSite=Strict; Path=<base>; Max-Age=12 h``, plus ``Secure`` when the request came over HTTPS
(behind a reverse proxy on the same machine uvicorn trusts its ``X-Forwarded-Proto``; set
``FORWARDED_ALLOW_IPS`` for a proxy elsewhere). The cookie's 12 hours are only its upper bound:
the server ends the session after the idle lifetime.
``DELETE`` on the same address ends the cookie's session and clears the cookie (sign-out).
Both refuse requests from another site (``Sec-Fetch-Site``, else ``Origin`` against ``Host``),
so another site cannot sign a visitor in as someone else.

Started with ``streamlit run app.py`` instead, the route is missing: sign-in still works but a
reload signs the user out, and the log says so once.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from streamlit import config

from .session_tokens import ABSOLUTE_LIFETIME, MAX_SECRET_CHARS, SessionTokens
from .store import UserStore, users_url

COOKIE = "welfare_session"
ROUTE = "api/auth/session"  # outside Streamlit's reserved /_stcore/, /media/, /component/, /static/

_log = logging.getLogger(__name__)
_state = {"mounted": False, "warned": False}


def base_path() -> str:
    """``server.baseUrlPath`` as a path: "" at the root, "/welfare" below it."""
    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def route_path() -> str:
    """Where the session route answers (Streamlit does not prefix the routes of ``st.App``)."""
    return f"{base_path()}/{ROUTE}"


def routes() -> list[BaseRoute]:
    """The routes ``serve.py`` gives ``st.App``; calling this marks the route as served."""
    _state["mounted"] = True
    return [Route(route_path(), _session, methods=["POST", "DELETE"])]


def mounted() -> bool:
    """True when this process serves :func:`routes` (started through serve.py)."""
    if not _state["mounted"] and not _state["warned"]:
        _state["warned"] = True
        _log.warning(
            "The sign-in cookie route is not served (started without serve.py?): "
            "sign-in will not survive a reload. Start with `streamlit run serve.py`."
        )
    return _state["mounted"]


def _script(body: str) -> str:
    # "<" escaped so that nothing inside the JSON values can close the script element
    return "<script>" + body.replace("<", "\\u003c") + "</script>"


def handoff_html(code: str) -> str:
    """A script that posts the one-time ``code`` to the route, which sets the cookie."""
    options = {
        "method": "POST",
        "credentials": "same-origin",
        "headers": {"Content-Type": "text/plain"},
        "body": code,
    }
    return _script(f"fetch({json.dumps(route_path())}, {json.dumps(options)});")


def forget_html() -> str:
    """A script that asks the route to end the cookie's session and clear the cookie."""
    options = {"method": "DELETE", "credentials": "same-origin"}
    return _script(f"fetch({json.dumps(route_path())}, {json.dumps(options)});")


@cache
def _tokens(url: str) -> SessionTokens:
    return SessionTokens(UserStore(url).engine)


def _same_origin(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")
    return origin is not None and urlsplit(origin).netloc == request.headers.get("host")


async def _body(request: Request, limit: int) -> str:
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            return ""
    return data.decode("ascii", "replace").strip()


async def _session(request: Request) -> Response:
    """POST: spend a handoff code and set the cookie. DELETE: end the session, clear it."""
    if not _same_origin(request):
        return Response(status_code=403)
    tokens = _tokens(users_url())
    cookie_path = base_path() or "/"
    if request.method == "DELETE":
        await run_in_threadpool(tokens.end_token, request.cookies.get(COOKIE))
        response = Response(status_code=204)
        response.delete_cookie(COOKIE, path=cookie_path, httponly=True, samesite="strict")
        return response
    token = await run_in_threadpool(tokens.redeem, await _body(request, MAX_SECRET_CHARS))
    if token is None:
        return Response(status_code=403)
    response = Response(status_code=204)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(ABSOLUTE_LIFETIME.total_seconds()),
        path=cookie_path,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response
