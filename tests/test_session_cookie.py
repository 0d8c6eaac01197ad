"""A sign-in survives a reload for its idle lifetime, and no longer (issue 13, defect 11).

The session behind the cookie is kept on the server (auth/session_tokens.py): only hashes are
stored; sign-out, a password reset, a disabled account or a new role end it at once, so a copied
cookie is worthless afterwards; a tampered, unknown or expired cookie shows the sign-in form.
The cookie itself is HttpOnly and set by the dashboard's own route (auth/web.py).
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from starlette.applications import Starlette

from auth import session as auth_session
from auth import web
from auth.session_tokens import (
    ABSOLUTE_LIFETIME,
    HANDOFF_LIFETIME,
    TOUCH_EVERY,
    SessionTokens,
)
from auth.store import DEMO_USERS, UserStore, app_session
from tests.apptest import metrics, no_exceptions, open_page, sign_in

PASSWORDS = {u[0]: u[1] for u in DEMO_USERS}
IDLE = timedelta(seconds=auth_session.IDLE_TIMEOUT_S)
T0 = datetime(2023, 12, 1, 8, 0)
F14 = "Đối tượng hưởng trợ cấp xã hội hằng tháng"


@pytest.fixture
def store(users_url: str) -> UserStore:
    store = UserStore(users_url)
    for username, password, role, name, commune in DEMO_USERS:
        store.add(username, password, role, name, commune)
    return store


@pytest.fixture
def tokens(store: UserStore) -> SessionTokens:
    return SessionTokens(store.engine)


def signed_in(tokens: SessionTokens, username: str = "lanhdao", now: datetime = T0) -> str:
    """A session of ``username`` opened at ``now`` and its cookie token."""
    _, code = tokens.begin(username, IDLE, now)
    token = tokens.redeem(code, now)
    assert token is not None
    return token


# --- the sessions behind the cookie ----------------------------------------------------------


def test_a_cookie_brings_back_its_user_until_the_idle_lifetime_runs_out(tokens) -> None:
    token = signed_in(tokens)
    back = tokens.resume(token, IDLE, T0 + IDLE - timedelta(seconds=1))
    assert back.username == "lanhdao" and back.session_id is not None
    gone = tokens.resume(token, IDLE, T0 + IDLE + IDLE)
    assert gone.username is None and gone.expired
    assert tokens.resume(token, IDLE, T0 + timedelta(seconds=1)).username is None  # deleted


def test_activity_keeps_the_session_open_but_not_past_a_working_day(tokens) -> None:
    token = signed_in(tokens)
    now = T0
    while now < T0 + ABSOLUTE_LIFETIME - IDLE:  # active every 20 minutes all day
        now += timedelta(minutes=20)
        assert tokens.resume(token, IDLE, now).username == "lanhdao", now
    late = tokens.resume(token, IDLE, T0 + ABSOLUTE_LIFETIME)
    assert late.username is None and late.expired


def test_activity_is_written_at_most_once_a_minute(tokens) -> None:
    session_id, _ = tokens.begin("lanhdao", IDLE, T0)

    def last_seen() -> datetime:
        with tokens.engine.connect() as conn:
            query = sa.select(app_session.c.last_seen_at).where(app_session.c.id == session_id)
            return conn.execute(query).scalar_one()

    assert tokens.check(session_id, IDLE, T0 + TOUCH_EVERY / 2)
    assert last_seen() == T0
    assert tokens.check(session_id, IDLE, T0 + TOUCH_EVERY)
    assert last_seen() == T0 + TOUCH_EVERY


def test_a_handoff_code_sets_one_cookie_once_and_only_for_two_minutes(tokens) -> None:
    _, code = tokens.begin("xem", IDLE, T0)
    assert tokens.redeem(code, T0 + timedelta(seconds=1)) is not None
    assert tokens.redeem(code, T0 + timedelta(seconds=2)) is None  # spent
    _, late = tokens.begin("xem", IDLE, T0)
    assert tokens.redeem(late, T0 + HANDOFF_LIFETIME) is None


def test_sign_out_ends_the_session_and_a_replayed_cookie_is_refused(tokens) -> None:
    token = signed_in(tokens)
    resumed = tokens.resume(token, IDLE, T0)
    assert resumed.session_id is not None
    tokens.end(resumed.session_id)
    replay = tokens.resume(token, IDLE, T0 + timedelta(seconds=5))
    assert replay.username is None and not replay.expired


@pytest.mark.parametrize("change", ["reset", "disable", "role"])
def test_password_reset_disable_and_role_change_end_every_session(store, tokens, change) -> None:
    mine, other_tablet, theirs = signed_in(tokens), signed_in(tokens), signed_in(tokens, "xem")
    if change == "reset":
        store.set_password("lanhdao", "a-brand-new-password")
    elif change == "disable":
        store.set_disabled("lanhdao", True)
    else:
        store.set_role("lanhdao", "viewer")
    assert tokens.resume(mine, IDLE, T0).username is None
    assert tokens.resume(other_tablet, IDLE, T0).username is None
    assert tokens.resume(theirs, IDLE, T0).username == "xem"  # someone else's is untouched
    assert tokens.count("lanhdao") == 0


@pytest.mark.parametrize(
    "tampered",
    ["", "x", "A" * 43, "é" * 43, "' OR '1'='1", "A" * 100_000, None, 42],
    ids=["empty", "short", "unknown", "non-ascii", "sql", "huge", "none", "number"],
)
def test_a_tampered_or_junk_cookie_resumes_nothing_and_never_raises(tokens, tampered) -> None:
    token = signed_in(tokens)
    assert tokens.resume(tampered, IDLE, T0).username is None
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert tokens.resume(flipped, IDLE, T0).username is None
    assert tokens.redeem(tampered, T0) is None


def test_only_hashes_of_tokens_and_codes_are_stored(tokens) -> None:
    _, pending = tokens.begin("xem", IDLE, T0)
    token = signed_in(tokens)
    with tokens.engine.connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(sa.select(app_session)) for v in row)
    assert token not in stored and pending not in stored


def test_ended_sessions_are_cleared_away_at_the_next_sign_in(tokens) -> None:
    signed_in(tokens, now=T0)
    signed_in(tokens, now=T0 + IDLE * 2)
    assert tokens.count() == 1


# --- the route that sets the HttpOnly cookie ---------------------------------------------------


def _call(
    method: str, headers: dict[str, str], body: bytes = b"", scheme: str = "http"
) -> tuple[int, list[str]]:
    """One request to the dashboard's route; its status and Set-Cookie headers."""
    app = Starlette(routes=web.routes())
    scope = {
        "type": "http",
        "method": method,
        "path": web.route_path(),
        "raw_path": web.route_path().encode(),
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "scheme": scheme,
        "server": ("127.0.0.1", 8501),
        "client": ("127.0.0.1", 50000),
        "http_version": "1.1",
        "root_path": "",
    }
    messages: list[dict] = []
    parts = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict:
        return parts.pop(0) if parts else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        messages.append(message)

    # In a thread of its own: Playwright's sync API (browser tests in the same run) leaves an
    # event loop running in the main thread, where asyncio.run refuses to start another.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in messages if m["type"] == "http.response.start")
    cookies = [v.decode() for k, v in start["headers"] if k == b"set-cookie"]
    return start["status"], cookies


SAME_ORIGIN = {"sec-fetch-site": "same-origin", "host": "127.0.0.1:8501"}


@pytest.fixture
def route(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build the route in this process without leaving it marked as served for other tests."""
    monkeypatch.setitem(web._state, "mounted", False)


def test_the_route_trades_a_code_for_an_httponly_strict_cookie(route, tokens) -> None:
    _, code = tokens.begin("quangtan", IDLE)
    status, cookies = _call("POST", SAME_ORIGIN, code.encode())
    assert status == 204 and len(cookies) == 1
    cookie = cookies[0]
    assert cookie.startswith(f"{web.COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert f"Max-Age={int(ABSOLUTE_LIFETIME.total_seconds())}" in cookie
    assert "Secure" not in cookie  # plain HTTP on the office network; HTTPS adds it
    token = cookie.split(";")[0].split("=", 1)[1]
    assert tokens.resume(token, IDLE).username == "quangtan"
    assert _call("POST", SAME_ORIGIN, code.encode()) == (403, [])  # spent


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "cross-site", "host": "127.0.0.1:8501"},
        {"origin": "https://evil.example", "host": "127.0.0.1:8501"},
        {"host": "127.0.0.1:8501"},
    ],
    ids=["cross-site", "foreign-origin", "no-origin"],
)
def test_the_route_refuses_another_site(route, tokens, headers) -> None:
    _, code = tokens.begin("quangtan", IDLE)
    assert _call("POST", headers, code.encode()) == (403, [])
    assert tokens.redeem(code) is not None  # not spent by the refused request


def test_over_https_the_cookie_is_secure(route, tokens) -> None:
    _, code = tokens.begin("quangtan", IDLE)
    status, cookies = _call("POST", SAME_ORIGIN, code.encode(), scheme="https")
    assert status == 204 and "Secure" in cookies[0] and "HttpOnly" in cookies[0]


def test_the_route_ends_the_cookies_session_and_clears_it(route, tokens) -> None:
    token = signed_in(tokens)
    status, cookies = _call("DELETE", {**SAME_ORIGIN, "cookie": f"{web.COOKIE}={token}"})
    assert status == 204 and cookies and "Max-Age=0" in cookies[0]
    assert tokens.count() == 0


def test_the_page_posts_the_code_to_the_route_and_nothing_can_close_its_script() -> None:
    html = web.handoff_html("abc</script><script>alert(1)")
    assert html.count("</script>") == 1 and web.route_path() in html and '"POST"' in html


# --- the app: a reload is a new Streamlit session with only the cookie -----------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> None:
    """As under serve.py: the route exists, so the page hands the browser its code."""
    monkeypatch.setitem(web._state, "mounted", True)


def _reload(monkeypatch: pytest.MonkeyPatch, token: str | None, page: str | None = None):
    """A new connection of the same browser: a fresh session that sends only the cookie."""
    monkeypatch.setattr(auth_session, "_cookie_token", lambda: token)
    return open_page(page)


def _sign_in_and_take_cookie(tokens: SessionTokens, username: str) -> tuple[object, str]:
    at = sign_in(open_page("pages/payouts.py"), username, PASSWORDS[username])
    no_exceptions(at)
    codes = [m for h in at.html if (m := re.search(r'"body": "([\w-]+)"', h.value))]
    assert len(codes) == 1, [h.value for h in at.html]  # the page hands over one code
    token = tokens.redeem(codes[0].group(1))  # what the route does when the browser posts it
    assert token is not None
    return at, token


def test_a_reload_keeps_the_user_signed_in(app_env, store, tokens, served, monkeypatch) -> None:
    at, token = _sign_in_and_take_cookie(tokens, "quangtan")
    again = _reload(monkeypatch, token, "pages/payouts.py")
    no_exceptions(again)
    assert not [w for w in again.text_input if w.key == "sign_in_user"]
    assert metrics(again) == metrics(at)  # the commune head's own figures, not the district's
    # their commune (old Xã Quảng Tân) in its last months, 1–6/2025 (its first view): 239 on the
    # list at the end of June 2025, as the rows give it
    assert metrics(again)[F14] == "239 đối tượng"
    assert any(
        c.value.startswith("Đang xem: Xã Quảng Tân · 6 tháng đầu năm 2025") for c in again.caption
    )


def test_after_sign_out_the_same_cookie_shows_the_sign_in_form(
    app_env, store, tokens, served, monkeypatch
) -> None:
    at, token = _sign_in_and_take_cookie(tokens, "lanhdao")
    at.button(key="sign_out").click()
    at.run()
    no_exceptions(at)
    assert at.text_input(key="sign_in_user") is not None
    assert any(web.route_path() in h.value and "DELETE" in h.value for h in at.html)
    again = _reload(monkeypatch, token)
    no_exceptions(again)
    assert not again.metric and again.text_input(key="sign_in_user") is not None


def test_a_password_reset_signs_out_the_open_tab_too(
    app_env, store, tokens, served, monkeypatch
) -> None:
    at, token = _sign_in_and_take_cookie(tokens, "lanhdao")
    store.set_password("lanhdao", "a-brand-new-password")
    at.run()
    no_exceptions(at)
    assert not at.metric and at.text_input(key="sign_in_user") is not None
    assert not _reload(monkeypatch, token).metric


@pytest.mark.parametrize("cookie", ["tampered", "expired"])
def test_a_tampered_or_expired_cookie_shows_the_sign_in_form(
    app_env, store, tokens, served, monkeypatch, cookie
) -> None:
    _, token = _sign_in_and_take_cookie(tokens, "lanhdao")
    if cookie == "tampered":
        token = token[:-2] + "xx"
    else:
        monkeypatch.setattr(auth_session, "IDLE_TIMEOUT_S", -1)
    at = _reload(monkeypatch, token)
    no_exceptions(at)
    assert not at.metric and at.text_input(key="sign_in_user") is not None
    assert any("hết hạn" in i.value for i in at.info) == (cookie == "expired")
