"""Sign-in for the dashboard: every page calls ``require_scope`` before it queries anything.

- Demo database and no accounts: no sign-in; the visitor sees aggregates only (no person lists).
- A production database and no accounts: the dashboard refuses to start and says how to add one.
- Otherwise: a sign-in form; the session expires after IDLE_TIMEOUT without activity.
"""

from __future__ import annotations

import os
import time

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from data_access.filters import Scope
from i18n import Catalog

from .store import DEMO_USERS_ENV, ROLE_LABELS, User, UserStore, seed_demo_users, users_url

IDLE_TIMEOUT_S = 30 * 60  # a briefing lasts about an hour; 30 idle minutes means gone
SESSION_USER = "_auth_user"
SESSION_SEEN = "_auth_last_seen"

T = Catalog(
    "auth.session",
    {
        "title": ("Đăng nhập", "Sign in"),
        "username": ("Tên đăng nhập", "User name"),
        "password": ("Mật khẩu", "Password"),
        "submit": ("Đăng nhập", "Sign in"),
        "wrong": ("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong user name or password."),
        "locked": (
            "Đăng nhập tạm dừng 15 phút do nhập sai quá 5 lần. Vui lòng thử lại sau.",
            "Sign-in paused for 15 minutes after more than 5 failed attempts. Try again later.",
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
            "demo-quangtan-2023 (xã Quảng Tân), xem / demo-xem-so-lieu-2023 (chỉ xem tổng hợp).",
            "Sample accounts: lanhdao / demo-lanhdao-2023 (district), quangtan / "
            "demo-quangtan-2023 (Quảng Tân commune), xem / demo-xem-so-lieu-2023 (aggregates).",
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
    return user


def current_user() -> User | None:
    """The signed-in user, or None (also when the session has been idle too long)."""
    user = st.session_state.get(SESSION_USER)
    if user is None:
        user = _oidc_user()
        if user is None:
            return None
        st.session_state[SESSION_USER] = user
        st.session_state[SESSION_SEEN] = time.monotonic()
    if time.monotonic() - st.session_state.get(SESSION_SEEN, 0.0) > IDLE_TIMEOUT_S:
        sign_out()
        st.session_state["_auth_expired"] = True
        return None
    fresh = user_store().get(user.username)  # disabled or changed since sign-in?
    if fresh != user:
        sign_out()
        return None
    st.session_state[SESSION_SEEN] = time.monotonic()
    return user


def sign_out() -> None:
    """Forget the signed-in user and their cached view state (and end an OIDC session)."""
    for key in (SESSION_USER, SESSION_SEEN, "_filters_qs"):
        st.session_state.pop(key, None)
    if oidc_configured() and st.user.is_logged_in:
        st.logout()


def _sign_in_form(lang: str, demo_accounts: bool) -> None:
    st.title(T("title", lang))
    if st.session_state.pop("_auth_expired", False):
        st.info(T("expired", lang))
    if st.session_state.pop("_auth_oidc_unknown", False):
        st.warning(T("oidc_unknown", lang))
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
        result = user_store().authenticate(username or "", password or "")
        st.session_state.pop("sign_in_password", None)
        if result.user is not None:
            st.session_state[SESSION_USER] = result.user
            st.session_state[SESSION_SEEN] = time.monotonic()
            st.rerun()
        st.error(T("locked", lang) if result.locked else T("wrong", lang))


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
        st.caption(f"{user.display_name} · {ROLE_LABELS.label(user.role, lang)}")
        if st.button(T("sign_out", lang), key="sign_out"):
            sign_out()
            st.rerun()
    return user.scope()
