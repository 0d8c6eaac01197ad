"""The load benchmark drives the real server (CI smoke test, like tests/test_benchmark_smoke.py:
it must run and report, not meet the targets): two sessions sign in through the form of
``streamlit run serve.py`` over Streamlit's WebSocket protocol and finish every page without an
error; a refused sign-in and an exception element are counted as errors, not as page views."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.proto.Element_pb2 import Element

from auth.session import T as SIGN_IN_TEXT
from benchmarks import load
from benchmarks.load_protocol import PageRun, StreamlitClient
from ui.i18n import t

DISTRICT_PAGES = [
    "/",
    "/xa",
    "/bao-phu",
    "/nha-o",
    "/dao-tao-viec-lam",
    "/chi-tra",
    "/bao-cao-quy",
    "/kiem-tra",
    "/danh-sach",
]
ACCESS_LOG = "/nhat-ky"  # in the bar of district leadership only
# What each account's first page shows after the sign-in: who is signed in, and their figures.
SIGNED_IN_AS = {
    "lanhdao": "Lãnh đạo huyện (mẫu) · Lãnh đạo huyện",
    "quangtan": "Chủ tịch UBND xã Quảng Tân (mẫu) · Lãnh đạo xã",
}
FIGURES = {
    # the default view: 2026 to 30/11/2026 (1.937 on the list in 11/2026, as the rows give it)
    "lanhdao": "Đối tượng hưởng trợ cấp xã hội hằng tháng: 1.937 đối tượng",
    # the old Xã Quảng Tân ended on 30/6/2025: its head lands on its last months
    "quangtan": "Đang xem: Xã Quảng Tân · 6 tháng đầu năm 2025 · số liệu đến 30/11/2026",
}


@pytest.fixture(scope="module")
def server(
    demo_sqlite_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[load.Server]:
    """The dashboard as deployed, on the demo, with the sample accounts in a new user store."""
    with load.serve(demo_sqlite_path, tmp_path_factory.mktemp("load")) as running:
        yield running


def test_two_sessions_sign_in_and_finish_every_page_without_an_error(
    server: load.Server,
) -> None:
    options = load.Options(sessions=2, rounds=1, think=0.0, accounts=load.SAMPLE_ACCOUNTS[:2])
    result = load.drive(server, options)

    assert result.errors == []
    for session in result.sessions:
        assert session.signed_in, session.user
        landing = session.landing
        assert landing is not None
        assert t("overview_title", "vi") in landing.headings  # the overview, not the form
        assert SIGN_IN_TEXT("title", "vi") not in landing.headings and not landing.inputs
        assert SIGNED_IN_AS[session.user] in landing.texts
        assert any(FIGURES[session.user] in text for text in landing.texts), landing.texts
        # both roles may see the person lists; the leader also reads the access log
        extra = [ACCESS_LOG] if session.user == "lanhdao" else []
        assert session.visited == DISTRICT_PAGES + extra
    by_path: dict[str, list[load.View]] = {}
    for view in result.views:
        by_path.setdefault(view.path, []).append(view)
        assert view.seconds > 0 and view.errors == []
    assert {p: len(v) for p, v in by_path.items() if p != "/"} == {
        **{p: 2 for p in DISTRICT_PAGES if p != "/"},
        ACCESS_LOG: 1,
        "/api/auth/session": 2,  # the cookie handoff, once per session
    }
    assert Counter(v.label for v in by_path["/"]) == {
        load.SIGN_IN_PAGE: 2,
        load.SIGN_IN: 2,
        load.PASSWORD_CHECK: 2,  # the form's run, up to its st.rerun()
        t("nav_overview", "vi"): 2,
    }
    assert result.cpu_s > 0 and result.peak_kb >= result.baseline_kb > 0
    assert result.max_signing_in >= 1 and result.samples
    assert [p.type.name for p in result.argon2] == ["ID"]

    text = load.report(result, "smoke")
    assert "| Tổng quan | `/` | 2 |" in text
    assert "| Danh sách cá nhân | `/danh-sach` | 2 |" in text
    assert "| Nhật ký truy cập | `/nhat-ky` | 1 |" in text
    assert "| All pages (after sign-in) |  | 19 |" in text
    assert "- errors: 0" in text


def test_a_refused_sign_in_is_an_error_and_no_page_is_timed(server: load.Server) -> None:
    wrong = (("lanhdao", "khong-phai-mat-khau"),)
    options = load.Options(sessions=1, rounds=1, think=0.0, accounts=wrong)
    result = load.drive(server, options)

    (session,) = result.sessions
    assert not session.signed_in and session.visited == []
    assert len(result.errors) == 1 and "sign-in was refused" in result.errors[0]
    assert [v.label for v in result.views] == [load.SIGN_IN_PAGE, load.SIGN_IN]
    assert session.landing is not None
    assert SIGN_IN_TEXT("wrong", "vi") in session.landing.texts


def test_an_exception_element_and_a_missing_page_count_as_errors() -> None:
    element = Element()
    element.exception.type = "OperationalError"
    element.exception.message = "unable to open database file"
    run = PageRun(seconds=0.1)
    StreamlitClient._element(element, run)
    assert run.errors == ["OperationalError: unable to open database file"]
    run.page_not_found = True
    assert run.errors[-1] == "page not found"
