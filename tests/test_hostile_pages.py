"""Every page, for each role, on a hostile copy of the demo (tests/hostile_db.py), on SQLite and
PostgreSQL (issue 18): no error box, database text never rendered as Markdown or HTML, every
download inert (no formula cell in an .xlsx, no CSV cell a spreadsheet would evaluate, no
link in the Word report), and each page shows all of its sections.

One hostile database per engine for the module, and one AppTest session per role and engine
that signs in once and then opens every page in turn (with the briefing's public edition too),
so the whole module costs 6 sign-ins and about 60 page runs.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
import streamlit as st
from google.protobuf.message import Message
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

from auth import web
from auth.store import DEMO_USERS, UserStore
from i18n import CATALOGS
from reports.spreadsheet import FORMULA_TRIGGERS
from tests.apptest import open_page, sign_in
from tests.hostile_db import QUANG_TAN, hostile_postgres, hostile_sqlite

ROOT = Path(__file__).resolve().parent.parent
PASSWORDS = {u[0]: u[1] for u in DEMO_USERS}
ROLES = ("lanhdao", "quangtan", "xem")
ENGINES = ("sqlite", pytest.param("postgresql", marks=pytest.mark.postgres))

# (name, script, query parameters); the person lists only for roles that may see persons.
# The sign-in lands on the overview's default view, and the briefing opens on its default
# period; the other pages show 2023, the year that holds the payments near 2^63 and the 1e28
# targets, whatever the as-of date says.
YEAR = {"tu": "2023-01", "den": "2023-11"}
PAGES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("overview", "pages/overview.py", YEAR),
    ("commune", "pages/commune.py", {**YEAR, "xa": QUANG_TAN}),
    ("coverage", "pages/coverage.py", YEAR),
    ("housing", "pages/housing.py", YEAR),
    ("training", "pages/training.py", YEAR),
    ("payouts", "pages/payouts.py", YEAR),
    ("briefing", "pages/briefing.py", {}),  # the default period: the latest quarter
    ("briefing-public-print", "pages/briefing.py", {"ky": "2023", "ban": "cong-khai", "in": "1"}),
    ("quality", "pages/quality.py", YEAR),
    ("persons", "pages/persons.py", YEAR),
)
PERSON_ROLES = ("lanhdao", "quangtan")
# The Word report is read back from the public edition (the internal one differs only in the
# cells it suppresses); every CSV and Excel file of every page is read back.
WORD_FROM = ("briefing-public-print",)

# What must never reach a Markdown-rendering field unescaped: a link or image to the attacker's
# site, a colour directive, LaTeX, bold, and HTML. ``ui.text.plain`` puts a backslash before
# each mark, so an escaped name matches none of these.
MARKUP = ("](https://evil.example", ":red[", "$x^2$", "**đậm**", "<script>", "<img src=x")
_MARKS = set("[]()!:$^*<>")


def _unescaped(marker: str) -> re.Pattern[str]:
    """``marker`` with each Markdown mark not preceded by a backslash."""
    parts = [(r"(?<!\\)" + re.escape(c)) if c in _MARKS else re.escape(c) for c in marker]
    return re.compile("".join(parts))


MARKUP_PATTERNS = [_unescaped(m) for m in MARKUP]
# Proto fields Streamlit renders as Markdown (bodies, labels, help tooltips; a placeholder is
# plain); st.text, st.code and the exception box are shown as typed, charts and tables as data.
MARKDOWN_FIELDS = {"body", "label", "help", "caption"}
PLAIN_PROTOS = {"Text", "Code", "Exception"}
NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")


@dataclass
class Visit:
    """What one page showed."""

    errors: list[str] = field(default_factory=list)  # error boxes (exceptions)
    markup: list[str] = field(default_factory=list)  # hostile markup in a Markdown field
    files: dict[str, bytes] = field(default_factory=dict)  # download name -> its bytes
    broken_files: dict[str, str] = field(default_factory=dict)  # download name -> exception
    subheaders: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # st.warning / st.error / st.info texts
    titles: list[str] = field(default_factory=list)


Tour = dict[str, Visit]


# --- the hostile databases, one per engine --------------------------------------------------


@pytest.fixture(scope="module")
def hostile_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = hostile_sqlite(tmp_path_factory.mktemp("hostile") / "hostile.sqlite")
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def hostile_pg_url(pg_admin_url: str) -> str:
    return hostile_postgres(pg_admin_url, "welfare_hostile")


@pytest.fixture(scope="module", params=ENGINES)
def hostile_url(request: pytest.FixtureRequest) -> str:
    name = "hostile_sqlite_url" if request.param == "sqlite" else "hostile_pg_url"
    return str(request.getfixturevalue(name))


# --- one AppTest session per role: sign in, open every page, keep what each showed ----------


class _Downloads:
    """The files behind the download buttons of the last run (the callables Streamlit keeps
    for a click, and the bytes of eager downloads)."""

    def __init__(self) -> None:
        self.made: dict[str, Callable[[], Any] | bytes] = {}

    def install(self, mp: pytest.MonkeyPatch) -> None:
        deferred, eager = MediaFileManager.add_deferred, MediaFileManager.add
        made = self.made

        def add_deferred(self_: MediaFileManager, data: Any, *args: Any, **kw: Any) -> str:
            made[str(kw.get("file_name"))] = data
            return deferred(self_, data, *args, **kw)

        def add(self_: MediaFileManager, data: Any, *args: Any, **kw: Any) -> str:
            if kw.get("is_for_static_download"):
                made[str(kw.get("file_name"))] = data
            return eager(self_, data, *args, **kw)

        mp.setattr(MediaFileManager, "add_deferred", add_deferred)
        mp.setattr(MediaFileManager, "add", add)

    def collect(self, visit: Visit, word: bool) -> None:
        """Build every file of the run into ``visit``; Word files only when ``word`` (each
        takes seconds to draw its charts)."""
        for name, data in self.made.items():
            if name.endswith(".docx") and not word:
                continue
            try:
                made = data() if callable(data) else data
            except Exception as exc:  # a download that cannot be built is a finding, kept
                visit.broken_files[name] = f"{type(exc).__name__}: {exc}"
                continue
            visit.files[name] = made.encode() if isinstance(made, str) else bytes(made)
        self.made.clear()


def _walk(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _walk(child)


def _strings(message: Message) -> Iterator[tuple[str, str]]:
    """(field, text) of every string field rendered as Markdown, nested messages included."""
    if message.DESCRIPTOR.name in PLAIN_PROTOS:
        return
    for descriptor, value in message.ListFields():
        if descriptor.message_type is not None:
            values = [value] if isinstance(value, Message) else list(value)
            for item in values:
                if isinstance(item, Message):
                    yield from _strings(item)
        elif descriptor.name in MARKDOWN_FIELDS and isinstance(value, str):
            yield descriptor.name, value


def _markup(at: AppTest) -> list[str]:
    found = []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if not isinstance(proto, Message):
            continue
        for name, text in _strings(proto):
            for marker, pattern in zip(MARKUP, MARKUP_PATTERNS, strict=True):
                if pattern.search(text):
                    found.append(f"{proto.DESCRIPTOR.name}.{name} holds {marker!r}: {text[:120]!r}")
    return found


def _errors(at: AppTest) -> list[str]:
    out = []
    for exc in at.exception:
        ours = [line.strip() for line in exc.stack_trace if str(ROOT) in line]
        out.append(f"{exc.message} at {ours[-1].splitlines()[0] if ours else '?'}")
    return out


def _visit(at: AppTest, downloads: _Downloads, word: bool = False) -> Visit:
    visit = Visit(
        errors=_errors(at),
        markup=_markup(at),
        subheaders=[h.value for h in at.subheader],
        notices=[n.value for n in (*at.warning, *at.error, *at.info)],
        titles=[t.value for t in at.title],
    )
    downloads.collect(visit, word)
    return visit


def _tour(url: str, role: str, users: str) -> Tour:
    """Sign in as ``role`` on the database at ``url`` and open every page the role has."""
    tour: Tour = {}
    downloads = _Downloads()
    # The error box names the exception in the test (the app's config hides it from users).
    details = patch_config_options({"client.showErrorDetails": "full"})
    with pytest.MonkeyPatch.context() as mp, details:
        mp.setenv("WELFARE_DB_URL", url)
        mp.setenv("WELFARE_USERS_URL", users)
        mp.delenv("WELFARE_DEMO_USERS", raising=False)
        downloads.install(mp)
        st.cache_data.clear()
        st.cache_resource.clear()
        try:
            at = sign_in(open_page(), role, PASSWORDS[role])
            tour["sign-in"] = _visit(at, downloads)
            for name, script, params in PAGES:
                if name == "persons" and role not in PERSON_ROLES:
                    continue
                at.query_params.clear()
                at.query_params.update(params)
                try:
                    at.switch_page(script)
                except ValueError as exc:  # the page is not in the menu: sign-in failed
                    tour[name] = Visit(errors=[str(exc)[:200]])
                    continue
                at.run()
                tour[name] = _visit(at, downloads, word=name in WORD_FROM)
        finally:
            st.cache_data.clear()
            st.cache_resource.clear()
    return tour


@pytest.fixture(scope="module")
def users(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('hostile-users') / 'users.sqlite'}"
    store = UserStore(url)
    for username, password, role, name, commune in DEMO_USERS:
        store.add(username, password, role, name, commune)
    store.engine.dispose()
    return url


@pytest.fixture(scope="module", params=ROLES)
def tour(request: pytest.FixtureRequest, hostile_url: str, users: str) -> Tour:
    # Pages run here as under ``streamlit run app.py``: without the sign-in cookie route, whose
    # handoff script (our own, not database text) a module that imported serve.py turns on.
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(web._state, "mounted", False)
        return _tour(hostile_url, request.param, users)


# --- what every page must hold ---------------------------------------------------------------


def test_no_page_shows_an_error_box(tour: Tour) -> None:
    errors = {page: visit.errors for page, visit in tour.items() if visit.errors}
    assert errors == {}


def test_database_text_is_never_rendered_as_markdown_or_html(tour: Tour) -> None:
    markup = {page: visit.markup for page, visit in tour.items() if visit.markup}
    assert markup == {}


def _csv_problems(data: bytes) -> list[str]:
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return [
        cell[:40]
        for row in rows
        for cell in row
        if cell.startswith(FORMULA_TRIGGERS) and not NUMBER.match(cell)
    ]


def _xlsx_problems(data: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [
        f"{sheet.title}!{cell.coordinate}: {str(cell.value)[:40]}"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def _docx_problems(data: bytes) -> list[str]:
    """A Word file is inert when it links nowhere outside and holds no field from data."""
    with zipfile.ZipFile(io.BytesIO(data)) as docx:
        xml = {
            name: docx.read(name).decode("utf-8")
            for name in docx.namelist()
            if name.endswith((".xml", ".rels"))
        }
    problems = [
        name for name, text in xml.items() if "evil.example" in text and name.endswith(".rels")
    ]
    for name, text in xml.items():
        for instruction in re.findall(r"<w:instrText[^>]*>([^<]*)<", text):
            if "HYPERLINK" in instruction or "evil" in instruction:
                problems.append(f"{name}: field {instruction[:60]}")
    return problems


READERS: dict[str, Callable[[bytes], list[str]]] = {
    ".csv": _csv_problems,
    ".xlsx": _xlsx_problems,
    ".docx": _docx_problems,
}
# Pages whose every section has a table behind it with CSV and Excel files.
WITH_DOWNLOADS = (
    "overview",
    "commune",
    "coverage",
    "housing",
    "training",
    "payouts",
    "briefing",
    "briefing-public-print",
)


def test_every_download_is_built_and_inert(tour: Tour) -> None:
    broken = {page: v.broken_files for page, v in tour.items() if v.broken_files}
    assert broken == {}
    problems = {}
    for page, visit in tour.items():
        for name, data in visit.files.items():
            found = READERS[Path(name).suffix](data)
            if found:
                problems[f"{page}: {name}"] = found[:5]
    assert problems == {}
    missing = [p for p in WITH_DOWNLOADS if p in tour and not tour[p].files]
    assert missing == []
    briefing = set(tour["briefing-public-print"].files)
    assert {Path(n).suffix for n in briefing} == {".docx", ".xlsx"}


# Each page's subheaders, as (catalog, key): all must show, whatever a section met.
SECTIONS: dict[str, list[tuple[str, str]]] = {
    "overview": [
        ("ui", "domain_coverage"),
        ("ui", "domain_housing"),
        ("ui", "domain_training"),
        ("ui", "commune_table"),
    ],
    "coverage": [("pages.coverage", k) for k in ("elderly", "children", "network")],
    "housing": [("pages.housing", k) for k in ("communes", "funding", "progress")],
    "training": [("pages.training", k) for k in ("h_classes", "h_events")],
    "payouts": [
        ("pages.payouts", k)
        for k in ("h_month", "h_ytd", "h_method", "h_group", "h_commune", "h_check")
    ],
    "briefing": [("pages.briefing", "s1")],
    "briefing-public-print": [("pages.briefing", "s1")],
}


def test_every_page_shows_all_of_its_sections(tour: Tour) -> None:
    """A value a section cannot use costs that section only (ui.guard), never the page."""
    missing = {
        page: [
            key
            for catalog, key in keys
            if CATALOGS[catalog](key, "vi") not in tour[page].subheaders
        ]
        for page, keys in SECTIONS.items()
    }
    assert {page: keys for page, keys in missing.items() if keys} == {}
    untitled = [page for page, visit in tour.items() if not visit.titles]
    assert untitled == []


def test_the_off_rate_payments_are_flagged(tour: Tour) -> None:
    """The payments near 2^63 differ from rate × coefficient: the payouts page says so (and,
    where that part could not be drawn, says why), in Vietnamese."""
    notices = tour["payouts"].notices
    assert any("khoản chi khác mức chuẩn × hệ số" in n for n in notices), notices


# --- the section guard (ui.guard), on the hostile database ----------------------------------


def _guarded_page(kind: str, url: str) -> None:
    """A page with one guarded section between two headings; ``kind`` says what it meets."""
    # AppTest runs this function's source as a script of its own: its imports live inside it.
    import decimal
    from datetime import date

    import sqlalchemy as sa
    import streamlit as st

    from data_access.errors import UnknownCommuneError
    from ui.guard import section

    st.subheader("trước")
    with section("vi"):
        st.text("một phần")
        if kind == "sum":  # the payments near 2^63: SQLite's SUM overflows; PostgreSQL's
            engine = sa.create_engine(url)  # numeric sum does not fit a BIGINT
            with engine.connect() as conn:
                conn.execute(
                    sa.text("SELECT CAST(SUM(amount_vnd) AS BIGINT) FROM allowance_payment")
                ).scalar()
        elif kind == "month":  # a month stored as 2023-13-45
            engine = sa.create_engine(url)
            with engine.connect() as conn:
                month = conn.execute(
                    sa.text(
                        "SELECT CAST(MAX(month) AS TEXT) FROM allowance_payment "
                        "WHERE CAST(month AS TEXT) LIKE '2023-13%'"
                    )
                ).scalar()
            date.fromisoformat(month or "2023-13-45")  # PostgreSQL refuses it: as stored
        elif kind == "decimal":  # a 1e28 target written with too few digits of precision
            decimal.Context(prec=10, traps=[decimal.InvalidOperation]).quantize(
                decimal.Decimal("1e28"), decimal.Decimal("1")
            )
        elif kind == "name":
            st.write(undefined_name)  # type: ignore[name-defined]  # noqa: F821
        elif kind == "key":
            st.write({}["missing"])
        elif kind == "welfare":
            raise UnknownCommuneError("99999", "2023")
    st.subheader("sau")


BAD_VALUES = ("sum", "month", "decimal")


@pytest.mark.parametrize("kind", BAD_VALUES)
def test_a_bad_value_costs_only_its_section(kind: str, hostile_url: str) -> None:
    at = AppTest.from_function(_guarded_page, args=(kind, hostile_url), default_timeout=30)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert [w.value for w in at.warning] == [
        "Không hiển thị được phần này: dữ liệu có giá trị không hợp lệ. Xem trang Kiểm tra số liệu."
    ]
    assert [h.value for h in at.subheader] == ["trước", "sau"]
    assert [t.value for t in at.text] == []  # what the section drew before it failed is gone


@pytest.mark.parametrize("kind", ["name", "key", "welfare"])
def test_a_programming_error_still_reaches_the_error_box(kind: str) -> None:
    at = AppTest.from_function(_guarded_page, args=(kind, ""), default_timeout=30)
    at.run()
    assert len(at.exception) == 1
    assert [w.value for w in at.warning] == []


# --- what the figures leave out, said on the page -------------------------------------------

LEFT_OUT_PAGES = {  # page -> (the kind of record it sums, how the notice names them)
    "payouts": ("allowance_payment", "khoản chi trợ cấp"),
    "housing": ("housing_grant", "khoản hỗ trợ nhà ở"),
    "overview": ("allowance_payment", "khoản chi trợ cấp"),
}


START = date(2023, 1, 1)


def _impossible(url: str, kind: str, communes: tuple[str, ...] | None) -> int:
    """The records of 2023-01..2023-11 no figure may count, by a rule written here from the
    README ("Values that cannot be true"), not from data_access: payments paid or pending below
    0 or of 100 triệu đồng or more; grants below 0 or of 1 tỷ đồng or more."""
    if kind == "allowance_payment":
        sql = (
            "SELECT p.id, u.code FROM allowance_payment p JOIN admin_unit u "
            "ON u.id = p.admin_unit_id WHERE p.status IN ('paid', 'pending') "
            "AND p.month BETWEEN :start AND :end "
            "AND (p.amount_vnd < 0 OR p.amount_vnd >= 100000000)"
        )
    else:
        sql = (
            "SELECT g.id, u.code FROM housing_grant g JOIN admin_unit u "
            "ON u.id = g.admin_unit_id WHERE g.approved_on BETWEEN :start AND :end_day "
            "AND (g.amount_vnd < 0 OR g.amount_vnd >= 1000000000)"
        )
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(sql),
                {"start": START, "end": date(2023, 11, 1), "end_day": date(2023, 11, 30)},
            ).all()
    finally:
        engine.dispose()
    return len({row[0] for row in rows if communes is None or row[1] in communes})


@pytest.mark.parametrize("page", sorted(LEFT_OUT_PAGES))
def test_the_page_says_how_many_records_its_figures_leave_out(
    page: str, tour: Tour, hostile_url: str, request: pytest.FixtureRequest
) -> None:
    """Payments near 2^63 and negative amounts are not summed, and the page says how many:
    "2 khoản chi trợ cấp có giá trị không thể đúng … không được tính vào số liệu của kỳ này"."""
    role = request.node.callspec.params["tour"]
    kind, words = LEFT_OUT_PAGES[page]
    communes = (QUANG_TAN,) if role == "quangtan" else None
    expected = _impossible(hostile_url, kind, communes)
    said = [n for n in tour[page].notices if "không thể đúng" in n]
    if expected == 0:
        assert said == []
    else:
        assert len(said) == 1 and f"{expected} {words}" in said[0], said
        assert "không được tính vào số liệu của kỳ này" in said[0]
