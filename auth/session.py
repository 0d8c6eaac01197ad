"""Sign-in for the dashboard: every page calls ``require_scope`` before it queries anything.

- Demo database and no accounts: no sign-in; the visitor sees aggregates only (no person lists).
- A production database and no accounts: the dashboard refuses to start and says how to add one.
- Otherwise: a sign-in form; the session expires after IDLE_TIMEOUT_S without activity.

A sign-in survives a reload, a new tab of the same browser and a tablet that discards a
background tab, for the same idle lifetime: the form opens a server-side session
(auth/session_tokens.py) whose token the browser keeps in an HttpOnly cookie set by the
dashboard's own route (auth/web.py, mounted by serve.py); a new connection presents the cookie
(``st.context.cookies``) and is signed in again. Signing out deletes the session on the server,
so the cookie stops working even if replayed. Accounts signed in through OpenID Connect keep
Streamlit's own ``st.login`` cookie.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

import streamlit as st
from sqlalchemy.exc import OperationalError
from streamlit.errors import StreamlitSecretNotFoundError

from data_access.filters import Scope
from i18n import Catalog

from . import audit, web
from .session_tokens import SessionTokens
from .store import DEMO_USERS_ENV, ROLE_LABELS, User, UserStore, seed_demo_users, users_url

IDLE_TIMEOUT_S = 30 * 60  # a briefing lasts about an hour; 30 idle minutes means gone
SESSION_USER = "_auth_user"
SESSION_SEEN = "_auth_last_seen"
SESSION_ID = "_auth_session_id"  # the server-side session (app_session row) behind the cookie
HANDOFF = "_auth_handoff"  # one-time code the page posts to the route, which sets the cookie
FORGET = "_auth_forget_cookie"  # after sign-out: ask the route to clear the cookie

T = Catalog(
    "auth.session",
    {
        "title": ("Đăng nhập", "Sign in"),
        "username": ("Tên đăng nhập", "User name"),
        "password": ("Mật khẩu", "Password"),
        "submit": ("Đăng nhập", "Sign in"),
        "wrong": ("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong user name or password."),
        "busy": (
            "Hệ thống đăng nhập đang bận, chưa kiểm tra được mật khẩu. Vui lòng bấm Đăng nhập lại.",
            "The sign-in service is busy and could not check the password. Please sign in again.",
        ),
        "locked": (
            "Đăng nhập tạm dừng do nhập sai nhiều lần. Vui lòng thử lại sau {minutes} phút, "
            "hoặc nhờ quản trị viên mở khoá.",
            "Sign-in paused after too many failed attempts. Try again in {minutes} min, "
            "or ask an administrator to unlock it.",
        ),
        "expired": (
            "Phiên làm việc đã hết hạn, vui lòng đăng nhập lại.",
            "Your session expired; please sign in again.",
        ),
        "no_users": (
            "Chưa có tài khoản người dùng nào cho cơ sở dữ liệu này, nên bảng điều khiển không mở. "
            "Quản trị viên tạo tài khoản đầu tiên bằng lệnh: "
            "`python -m auth.cli add TEN_DANG_NHAP --role district`",
            "No user accounts exist for this database, so the dashboard will not open. "
            "An administrator creates the first one with: "
            "`python -m auth.cli add USERNAME --role district`",
        ),
        "sign_out": ("Đăng xuất", "Sign out"),
        "oidc": ("Đăng nhập bằng tài khoản cơ quan", "Sign in with your organisation account"),
        "oidc_unknown": (
            "Tài khoản cơ quan này chưa được cấp quyền xem bảng điều khiển; liên hệ quản trị viên.",
            "This organisation account has no access to the dashboard; ask an administrator.",
        ),
        "demo_users": (
            "Tài khoản mẫu: lanhdao / demo-lanhdao-2023 (lãnh đạo huyện), quangtan / "
            "demo-quangtan-2023 (xã Quảng Tân trước 1/7/2025), xaquangtan / "
            "demo-xaquangtan-2025 (xã Quảng Tân mới, từ 1/7/2025), lanhdaotinh / "
            "demo-lanhdaotinh-2025 (lãnh đạo tỉnh), xem / demo-xem-so-lieu-2023 (chỉ xem tổng "
            "hợp).",
            "Sample accounts: lanhdao / demo-lanhdao-2023 (district), quangtan / "
            "demo-quangtan-2023 (Quảng Tân commune before 1/7/2025), xaquangtan / "
            "demo-xaquangtan-2025 (the new Quảng Tân commune, since 1/7/2025), lanhdaotinh / "
            "demo-lanhdaotinh-2025 (province), xem / demo-xem-so-lieu-2023 (aggregates).",
        ),
    },
)


@st.cache_resource(show_spinner=False)
def _store(url: str, demo: bool) -> UserStore:
    store = UserStore(url)
    if demo:
        seed_demo_users(store)
    return store


def user_store() -> UserStore:
    """The user store of this deployment (demo accounts seeded when WELFARE_DEMO_USERS=1)."""
    demo = os.environ.get(DEMO_USERS_ENV, "").strip() in ("1", "true", "yes")
    return _store(users_url(), demo)


def oidc_configured() -> bool:
    """True when secrets.toml has an ``[auth]`` section for ``st.login`` (OpenID Connect)."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        return False


def _oidc_user() -> User | None:
    """The account matching the identity provider's e-mail, when signed in through OIDC."""
    if not oidc_configured() or not st.user.is_logged_in:
        return None
    email = str(st.user.get("email") or "").strip().lower()
    user = user_store().get(email) if email else None
    if user is None:
        st.session_state["_auth_oidc_unknown"] = True
        return None
    # a new session of this browser signed in through the identity provider: in the trail
    entry = audit.Entry(
        audit.SIGN_IN, user.username, detail={"method": "oidc"}, client=client_key()
    )
    try:
        user_store().audit.record(entry)
    except audit.AuditWriteError:  # not recorded: not signed in (the form says it is busy)
        st.session_state["_auth_busy"] = True
        return None
    return user


def tokens() -> SessionTokens:
    """The server-side sessions, kept in the user store's database."""
    return SessionTokens(user_store().engine)


def _idle() -> timedelta:
    return timedelta(seconds=IDLE_TIMEOUT_S)


def client_key() -> str | None:
    """Who is signing in, for the store's per-client guards: the connecting IP address
    (None on localhost, where Streamlit does not tell, and outside a browser session)."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else None


def _cookie_token() -> str | None:
    """The session cookie this tab's connection was opened with (read-only in Streamlit)."""
    return st.context.cookies.get(web.COOKIE)


def _resumed_user() -> User | None:
    """The user a reload brings back: the cookie's, while its session is open on the server."""
    token = _cookie_token()
    if not token:
        return None
    resumed = tokens().resume(token, _idle())
    if resumed.session_id is None or resumed.username is None:
        if resumed.expired:
            st.session_state["_auth_expired"] = True
        return None
    user = user_store().get(resumed.username)
    if user is None:  # disabled since (the store also ends its sessions)
        tokens().end(resumed.session_id)
        return None
    st.session_state[SESSION_ID] = resumed.session_id
    return user


def _session_ended() -> bool:
    """True when the session is over: idle too long here, or ended on the server (sign-out in
    another tab, password reset, idle or too old)."""
    if time.monotonic() - st.session_state.get(SESSION_SEEN, 0.0) > IDLE_TIMEOUT_S:
        return True
    session_id = st.session_state.get(SESSION_ID)
    return session_id is not None and not tokens().check(session_id, _idle())


def signed_in() -> User | None:
    """The user this session signed in, as ``current_user`` last confirmed it (no query)."""
    user = st.session_state.get(SESSION_USER)
    return user if isinstance(user, User) else None


def current_user() -> User | None:
    """The signed-in user, or None (also when the session has been idle too long)."""
    user = st.session_state.get(SESSION_USER)
    if user is None:
        user = _oidc_user() or _resumed_user()
        if user is None:
            return None
        st.session_state[SESSION_USER] = user
        st.session_state[SESSION_SEEN] = time.monotonic()
    if _session_ended():
        sign_out()
        st.session_state["_auth_expired"] = True
        return None
    fresh = user_store().get(user.username)  # disabled or changed since sign-in?
    if fresh != user:
        sign_out()
        return None
    st.session_state[SESSION_SEEN] = time.monotonic()
    return user


def _start_session(user: User) -> None:
    """Signed in with the form: remember the user here and open the session behind the cookie."""
    session_id, code = tokens().begin(user.username, _idle())
    st.session_state.pop("_audit_seen", None)  # a new sign-in: its views are recorded anew
    st.session_state[SESSION_USER] = user
    st.session_state[SESSION_SEEN] = time.monotonic()
    st.session_state[SESSION_ID] = session_id
    st.session_state[HANDOFF] = code


def sign_out() -> None:
    """Forget the signed-in user and their cached view state, end the session behind the cookie
    (and an OIDC session)."""
    session_id = st.session_state.pop(SESSION_ID, None)
    if session_id is not None:
        tokens().end(session_id)
        st.session_state[FORGET] = True
    # ("_audit_seen": the views recorded this session; the next user's are their own)
    for key in (SESSION_USER, SESSION_SEEN, HANDOFF, "_filters_qs", "_audit_seen"):
        st.session_state.pop(key, None)
    if oidc_configured() and st.user.is_logged_in:
        st.logout()


def _sign_in_form(lang: str, demo_accounts: bool) -> None:
    st.title(T("title", lang))
    if st.session_state.pop(FORGET, False) and web.mounted():
        st.html(web.forget_html(), unsafe_allow_javascript=True)
    if st.session_state.pop("_auth_expired", False):
        st.info(T("expired", lang))
    if st.session_state.pop("_auth_oidc_unknown", False):
        st.warning(T("oidc_unknown", lang))
    if st.session_state.pop("_auth_busy", False):
        st.error(T("busy", lang))
    if demo_accounts:
        st.caption(T("demo_users", lang))
    if oidc_configured():
        st.button(T("oidc", lang), on_click=st.login, key="oidc_login")
    with st.form("sign_in", clear_on_submit=False):
        username = st.text_input(T("username", lang), key="sign_in_user", max_chars=64)
        password = st.text_input(
            T("password", lang), type="password", key="sign_in_password", max_chars=256
        )
        submitted = st.form_submit_button(T("submit", lang), type="primary")
    if submitted:
        try:
            result = user_store().authenticate(username or "", password or "", client=client_key())
        except (OperationalError, audit.AuditWriteError):  # the store stayed busy too long
            st.session_state.pop("sign_in_password", None)
            st.error(T("busy", lang))
            return
        st.session_state.pop("sign_in_password", None)
        if result.user is not None:
            _start_session(result.user)
            st.rerun()  # the same page and query string: a deep link opens once signed in
        if result.locked:
            st.error(T("locked", lang, minutes=result.minutes_left()))
        else:
            st.error(T("wrong", lang))


def require_scope(lang: str, is_demo: bool) -> Scope:
    """The scope of whoever is using the page; draws the sign-in form and stops when needed."""
    store = user_store()
    if store.count() == 0:
        if is_demo:
            return Scope.everything(persons=False)
        st.error(T("no_users", lang), icon="🔒")
        st.stop()
    user = current_user()
    if user is None:
        demo_accounts = os.environ.get(DEMO_USERS_ENV, "").strip() in ("1", "true", "yes")
        _sign_in_form(lang, demo_accounts)
        st.stop()
    assert user is not None
    with st.sidebar:
        handoff = st.session_state.pop(HANDOFF, None)
        if handoff and web.mounted():  # the browser trades the code for the HttpOnly cookie
            st.html(web.handoff_html(handoff), unsafe_allow_javascript=True)
        # st.text, not st.caption: a display name is stored text and must not render as Markdown
        st.text(f"{user.display_name} · {ROLE_LABELS.label(user.role, lang)}")
        if st.button(T("sign_out", lang), key="sign_out"):
            sign_out()
            st.rerun()
    return user.scope()
