"""The area is data (issue 14 §3): no place is written in the code, and a database of another
area shows that area everywhere.

- No source file outside the demo data and the tests names Đầm Hà (in any case or spelling).
- A copy of the demo renamed to Huyện Tiên Yên (units, villages, the organisation rows, the
  dashboard's title: every text column of every table) shows "Tiên Yên" and never "Đầm Hà" on
  any page, signed in as the district leadership, in either unit version, nor in the Word
  report and the Excel annex of the briefing; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import re
import shutil
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
import sqlalchemy as sa
import streamlit as st
from google.protobuf.message import Message
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from auth.store import DEMO_USERS, UserStore
from data_access import schema as s
from data_access.db import make_engine, sqlite_file_url
from data_access.filters import VERSION_2025, Filters, Period, Scope
from data_access.organisation import app_title, report_issuer, whole_area
from devtools.pgserver import create_database
from reports.briefing import build_briefing
from reports.docx_report import build_docx
from reports.xlsx_annex import build_xlsx
from tests.apptest import open_page, sign_in

ROOT = Path(__file__).resolve().parent.parent
# The place the demo is about, in every spelling a source file could hold it.
PLACE = re.compile(r"đầm[\s_-]*hà|\bdam[\s_-]?ha\b", re.IGNORECASE)
ALLOWED = ("data_access/demo/", "tests/")  # the demo data and its tests name it
OLD, NEW = "Đầm Hà", "Tiên Yên"
ENGINES = ("sqlite", pytest.param("postgresql", marks=pytest.mark.postgres))
PASSWORD = {u[0]: u[1] for u in DEMO_USERS}["lanhdao"]
Q3 = Period.quarter(2023, 3)


# --- the code names no place --------------------------------------------------------------------


def _sources() -> list[Path]:
    skip = {".git", ".venv", "venv", "node_modules", "data", "__pycache__"}
    files = [
        p
        for p in ROOT.rglob("*.py")
        if not skip & set(p.relative_to(ROOT).parts)
        and not p.relative_to(ROOT).as_posix().startswith(ALLOWED)
    ]
    return files + sorted((ROOT / ".streamlit").glob("*.toml"))


def test_no_source_file_outside_the_demo_names_the_place() -> None:
    files = _sources()
    assert len(files) > 50 and ROOT / "app.py" in files
    found = []
    for path in files:
        text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
        for number, line in enumerate(text.splitlines(), start=1):
            if PLACE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert found == []


def test_the_check_finds_the_place_in_any_spelling() -> None:
    for line in ("UBND HUYỆN ĐẦM HÀ", "huyện Đầm Hà", "Dam Ha", "dam-ha", "damha.db", "ĐầM hÀ"):
        assert PLACE.search(unicodedata.normalize("NFC", line)), line
    assert not PLACE.search("Đầm Buôn, Quảng Hà, Adamha, dam hall")


# --- a database of another area ------------------------------------------------------------------


def rename_area(writer: Engine) -> None:
    """Rename the demo's area in every text column of every table: units, villages, bodies,
    the title, "ĐẦM HÀ" in capitals too."""
    with writer.begin() as conn:
        for table in s.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, sa.String):
                    continue
                for old, new in ((OLD, NEW), (OLD.upper(), NEW.upper())):
                    conn.execute(
                        table.update()
                        .where(column.contains(old))
                        .values({column.name: sa.func.replace(column, old, new)})
                    )


def _still_named(engine: Engine) -> list[str]:
    """Text anywhere in the database that still names the old area."""
    found = []
    with engine.connect() as conn:
        for table in s.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, sa.String):
                    stmt = sa.select(column).where(
                        sa.or_(column.contains(OLD), column.contains(OLD.upper()))
                    )
                    found += [f"{table.name}.{column.name}: {v}" for v in conn.execute(stmt)]
    return found


@pytest.fixture(scope="module", params=ENGINES)
def other_area(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Engine]]:
    """(URL, read-only engine) of the demo renamed to Huyện Tiên Yên, on each engine."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("tien_yen") / "tien_yen.sqlite"
        shutil.copy(request.getfixturevalue("demo_sqlite_path"), path)
        writer = sa.create_engine(f"sqlite:///{path}")
        url, read_url = f"sqlite:///{path}", sqlite_file_url(path, read_only=True)
    else:
        url = create_database(
            request.getfixturevalue("pg_admin_url"),
            "welfare_tien_yen",
            template=request.getfixturevalue("demo_pg_template"),
        )
        writer = sa.create_engine(url)
        read_url = url
    rename_area(writer)
    writer.dispose()
    engine = make_engine(read_url)
    yield url, engine
    engine.dispose()


def test_the_renamed_database_names_only_the_other_area(other_area) -> None:
    _, engine = other_area
    assert _still_named(engine) == []
    with engine.connect() as conn:
        assert app_title(conn) == ("An sinh xã hội Tiên Yên", "Tiên Yên social welfare")
        area = whole_area(conn, Filters(Q3, (), VERSION_2025))
        assert area.label("vi") == "Địa bàn huyện Tiên Yên (cũ)"
        issuer = report_issuer(conn, Filters(Q3), Scope.everything())
        assert issuer.unit is not None and issuer.unit.name == "Huyện Tiên Yên"
        assert issuer.body is not None and issuer.body.place == "Tiên Yên"


# --- its documents ----------------------------------------------------------------------------


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
    for section in document.sections:
        for part in (section.header, section.first_page_header, section.footer):
            lines += [p.text for p in part.paragraphs]
    return "\n".join(lines)


def _xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(
        str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value
    )


@pytest.mark.parametrize(
    ("scope", "filters", "letterhead"),
    [
        (Scope.everything(), Filters(Q3), ["UBND HUYỆN TIÊN YÊN", "PHÒNG LAO ĐỘNG"]),
        (Scope.commune("06895"), Filters(Q3), ["UBND THỊ TRẤN TIÊN YÊN"]),
        (Scope.commune("06916"), Filters(Q3), ["UBND XÃ TIÊN YÊN"]),
        (Scope.everything(), Filters(Q3, ("06913",)), ["UBND HUYỆN TIÊN YÊN"]),
        (Scope.everything(), Filters(Period.year(2023), (), VERSION_2025), ["UBND TỈNH"]),
    ],
)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_document_of_the_other_area_names_the_old_one(
    other_area, scope: Scope, filters: Filters, letterhead: list[str], lang: str
) -> None:
    _, engine = other_area
    with engine.connect() as conn:
        briefing = build_briefing(conn, filters, scope, lang=lang)
    word = _docx_text(build_docx(briefing, date(2023, 12, 5)))
    excel = _xlsx_text(build_xlsx(briefing, date(2023, 12, 5)))
    for text in (word, excel):
        assert not PLACE.search(text), PLACE.search(text)
    if lang == "vi":
        assert all(line in word for line in letterhead), word[:300]
        assert NEW in word and NEW in excel


# --- its pages ----------------------------------------------------------------------------------

YEAR = {"tu": "2023-01", "den": "2023-11"}
PAGES: tuple[tuple[str, dict[str, str]], ...] = (
    ("pages/overview.py", YEAR),
    ("pages/overview.py", {"dv": VERSION_2025, "tu": "2023-01", "den": "2023-12"}),
    ("pages/commune.py", {**YEAR, "xa": "06916"}),
    ("pages/coverage.py", YEAR),
    ("pages/housing.py", YEAR),
    ("pages/training.py", YEAR),
    ("pages/payouts.py", YEAR),
    ("pages/briefing.py", {"ky": "2023-Q3"}),
    ("pages/briefing.py", {"ky": "2023", "dv": VERSION_2025}),
    ("pages/quality.py", YEAR),
    ("pages/persons.py", YEAR),
)


def _walk(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _walk(child)


def _shown(at: AppTest) -> str:
    """Everything a page run sent: every element's message, tables' and charts' data too (their
    Arrow bytes hold the strings as UTF-8)."""
    parts = []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            parts.append(proto.SerializeToString().decode("utf-8", errors="ignore"))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def users(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('tien-yen-users') / 'users.sqlite'}"
    store = UserStore(url)
    for username, password, role, name, commune in DEMO_USERS:
        store.add(username, password, role, name, commune)
    store.engine.dispose()
    return url


def test_no_page_of_the_other_area_names_the_old_one(other_area, users: str) -> None:
    url, _ = other_area
    shown: dict[str, str] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WELFARE_DB_URL", url)
        mp.setenv("WELFARE_USERS_URL", users)
        mp.delenv("WELFARE_DEMO_USERS", raising=False)
        st.cache_data.clear()
        st.cache_resource.clear()
        try:
            at = sign_in(open_page(), "lanhdao", PASSWORD)
            shown["sign-in"] = _shown(at)
            for number, (script, params) in enumerate(PAGES):
                at.query_params.clear()
                at.query_params.update(params)
                at.switch_page(script)
                at.run()
                assert not at.exception, (script, [e.value for e in at.exception])
                shown[f"{number} {script} {params}"] = _shown(at)
        finally:
            st.cache_data.clear()
            st.cache_resource.clear()
    named = {page: PLACE.findall(text) for page, text in shown.items() if PLACE.search(text)}
    assert named == {}
    # The pages do show the other area: its units, the whole area's label in each version.
    everything = "\n".join(shown.values())
    assert "Thị trấn Tiên Yên" in everything and "Xã Tiên Yên" in everything
    assert "Toàn huyện" in everything and "Địa bàn huyện Tiên Yên (cũ)" in everything
