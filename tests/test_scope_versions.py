"""Roles and scope follow the unit tree across versions (issue 14 §2).

A commune head of the new Xã Quảng Tân (06913 in the 2025 units) sees its four predecessors'
history, never the new Xã Đầm Hà (06895 in 2025) or its predecessors; the head of the old Xã
Quảng Tân (06913 in 2023) sees what they saw before; a province role sees every unit of its
province. Expected values are computed here from the rows with plain SQL, on SQLite and
PostgreSQL. Records after 1/7/2025 are inserted into a copy of the demo database by the test.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from auth.store import (
    DEMO_USERS,
    DEMO_USERS_TREE,
    ROLE_COMMUNE,
    ROLE_PROVINCE,
    UserStore,
    UserStoreError,
    seed_demo_users,
)
from data_access.db import make_engine, sqlite_file_url
from data_access.errors import OutOfScopeError
from data_access.filters import Filters, Period, Scope, district_scope
from data_access.indicators import indicator_values
from data_access.persons import beneficiary_list
from data_access.units import (
    UnknownProvinceError,
    partly_visible,
    resolve,
    scope_base_units,
    scoped_catalogue,
    unit_catalogue,
)
from devtools.pgserver import create_database
from tests.apptest import metrics, no_exceptions, open_page, sign_in

NEW_QUANG_TAN = Scope.commune("06913", version="2025")
OLD_QUANG_TAN = Scope.commune("06913")  # a 2023 commune head, as every account was before
PROVINCE = Scope.whole_province("22")
# Resolution 1679/NQ-UBTVQH15 as the demo records it (data_access/demo/facts.py), written out
# here so the expectations do not come from the code under test.
QUANG_TAN_PREDECESSORS = ("06898", "06901", "06910", "06913")
QUANG_TAN_NAMES = ["Xã Quảng Lâm", "Xã Quảng An", "Xã Dực Yên", "Xã Quảng Tân"]  # by code
DAM_HA_PREDECESSORS = ("06895", "06904", "06916", "06917", "06919")
MERGER = date(2025, 7, 1)
NOV_2023 = Period.months(2023, 11, 2023, 11)
OCT_2025 = Period.months(2025, 10, 2025, 10)
F14 = "Đối tượng hưởng trợ cấp xã hội hằng tháng"


# --- plain SQL: what each scope must add up to -----------------------------------------------


def _old_ids(conn: Connection, codes: tuple[str, ...]) -> list[int]:
    """The 2023 units of ``codes`` (in force until 30/6/2025)."""
    rows = conn.execute(
        sa.text(
            "SELECT id FROM admin_unit WHERE code IN :codes AND valid_to = :last "
            "AND kind IN ('xa', 'thi_tran')"
        ).bindparams(sa.bindparam("codes", expanding=True)),
        {"codes": list(codes), "last": date(2025, 6, 30)},
    ).all()
    assert len(rows) == len(codes)
    return [int(r[0]) for r in rows]


def _new_id(conn: Connection, code: str) -> int:
    """The commune ``code`` in force since 1/7/2025."""
    return int(
        conn.execute(
            sa.text("SELECT id FROM admin_unit WHERE code = :code AND valid_from = :since"),
            {"code": code, "since": MERGER},
        ).scalar_one()
    )


def _active(conn: Connection, units: list[int], month: date) -> int:
    """Allowance beneficiaries of ``units`` on the list in ``month`` (F14's rule)."""
    return int(
        conn.execute(
            sa.text(
                "SELECT count(*) FROM allowance_beneficiary WHERE admin_unit_id IN :units "
                "AND start_month <= :m AND (end_month IS NULL OR end_month >= :m)"
            ).bindparams(sa.bindparam("units", expanding=True)),
            {"units": units, "m": month},
        ).scalar_one()
    )


def _listed(conn: Connection, units: list[int], period: Period) -> int:
    """Beneficiaries of ``units`` on the list in at least one month of ``period``."""
    return int(
        conn.execute(
            sa.text(
                "SELECT count(*) FROM allowance_beneficiary WHERE admin_unit_id IN :units "
                "AND start_month <= :last AND (end_month IS NULL OR end_month >= :first)"
            ).bindparams(sa.bindparam("units", expanding=True)),
            {"units": units, "first": period.start, "last": period.end},
        ).scalar_one()
    )


def _paid(conn: Connection, units: list[int], period: Period) -> int:
    """Allowance paid for the months of ``period`` in ``units`` (F15's rule)."""
    return int(
        conn.execute(
            sa.text(
                "SELECT coalesce(sum(amount_vnd), 0) FROM allowance_payment "
                "WHERE admin_unit_id IN :units AND month BETWEEN :first AND :last "
                "AND status = 'paid' AND amount_vnd >= 0 AND amount_vnd < 100000000"
            ).bindparams(sa.bindparam("units", expanding=True)),
            {"units": units, "first": period.start, "last": period.end},
        ).scalar_one()
    )


def _figures(conn: Connection, filters: Filters, scope: Scope) -> tuple[dict, dict]:
    """F14 and F15 as the dashboard computes them: totals, and {(code, unit code): numerator}."""
    total, by_unit = indicator_values(conn, filters, scope, ["F14", "F15"])
    totals = {str(c): int(n) for c, n in zip(total["code"], total["numerator"], strict=True)}
    units = {
        (str(c), str(u)): int(n)
        for c, u, n in zip(by_unit["code"], by_unit["unit_code"], by_unit["numerator"], strict=True)
    }
    return totals, units


# --- the demo as it is (records to 30/11/2023) ------------------------------------------------


@pytest.mark.parametrize("version", ["2023", "2025"])
def test_new_commune_head_sees_the_four_predecessors_history(engine: Engine, version) -> None:
    with engine.connect() as conn:
        old = _old_ids(conn, QUANG_TAN_PREDECESSORS)
        beneficiaries, paid = _active(conn, old, date(2023, 11, 1)), _paid(conn, old, NOV_2023)
        paid_2023 = _paid(conn, old, Period.year(2023))
        per_unit = {
            code: _active(conn, _old_ids(conn, (code,)), date(2023, 11, 1))
            for code in QUANG_TAN_PREDECESSORS
        }
        nov, nov_units = _figures(conn, Filters(NOV_2023, version=version), NEW_QUANG_TAN)
        year, _ = _figures(conn, Filters(Period.year(2023), version=version), NEW_QUANG_TAN)
        own_only, _ = _figures(conn, Filters(NOV_2023), OLD_QUANG_TAN)
    assert nov["F14"] == beneficiaries and nov["F15"] == paid
    assert year["F15"] == paid_2023
    assert beneficiaries > own_only["F14"] > 0  # more than the old commune alone
    if version == "2023":  # the four old communes, each with its own figure
        assert {u: n for (c, u), n in nov_units.items() if c == "F14"} == per_unit
    else:  # the new commune, its predecessors rolled up
        assert nov_units == {("F14", "06913"): beneficiaries, ("F15", "06913"): paid}


def test_new_commune_heads_units_in_each_version(engine: Engine) -> None:
    with engine.connect() as conn:
        in_2023 = scoped_catalogue(conn, "2023", NEW_QUANG_TAN)
        in_2025 = scoped_catalogue(conn, "2025", NEW_QUANG_TAN)
        family = sorted([*_old_ids(conn, QUANG_TAN_PREDECESSORS), _new_id(conn, "06913")])
        base = scope_base_units(conn, NEW_QUANG_TAN)
        old_base = scope_base_units(conn, OLD_QUANG_TAN)
        old_quang_tan = _old_ids(conn, ("06913",))
    assert sorted(in_2023["code"]) == list(QUANG_TAN_PREDECESSORS)
    assert list(in_2025["code"]) == ["06913"] and list(in_2025["name"]) == ["Xã Quảng Tân"]
    # its own unit, the four predecessors, and Xã Quảng Lợi (merged into the old one in 2020)
    assert base is not None and set(family) <= set(base) and len(base) == len(family) + 1
    assert old_base is not None and set(old_quang_tan) <= set(old_base) and len(old_base) == 2
    assert not set(base) & set(_ids_of_dam_ha(engine))


def _ids_of_dam_ha(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [*_old_ids(conn, DAM_HA_PREDECESSORS), _new_id(conn, "06895")]


@pytest.mark.parametrize(
    ("version", "codes"),
    [("2025", ("06895",)), *[("2023", (c,)) for c in DAM_HA_PREDECESSORS], ("2023", ("06916",))],
)
def test_new_commune_head_cannot_see_the_other_new_commune(engine: Engine, version, codes) -> None:
    filters = Filters(NOV_2023, codes, version)
    with engine.connect() as conn:
        with pytest.raises(OutOfScopeError) as refused:
            indicator_values(conn, filters, NEW_QUANG_TAN)
        with pytest.raises(OutOfScopeError):
            beneficiary_list(conn, filters, NEW_QUANG_TAN)
        visible = set(scoped_catalogue(conn, version, NEW_QUANG_TAN)["unit_id"])
        dam_ha = set(_ids_of_dam_ha(engine))
    assert codes[0] in refused.value.message("vi")
    assert not visible & dam_ha


def test_new_commune_head_lists_the_predecessors_people_only(engine: Engine) -> None:
    year = Filters(Period.year(2023))
    with engine.connect() as conn:
        listed = _listed(conn, _old_ids(conn, QUANG_TAN_PREDECESSORS), Period.year(2023))
        first = beneficiary_list(conn, year, NEW_QUANG_TAN, 1, 200)
        pages = [
            beneficiary_list(conn, year, NEW_QUANG_TAN, n, 200)
            for n in range(1, -(-first.total // 200) + 1)
        ]
    assert first.total == listed == sum(len(p.rows) for p in pages)
    assert {c for p in pages for c in p.rows["commune"]} == set(QUANG_TAN_NAMES)


def test_old_commune_head_sees_what_they_saw_before(engine: Engine) -> None:
    with engine.connect() as conn:
        own = _old_ids(conn, ("06913",))
        expected = _active(conn, own, date(2023, 11, 1)), _paid(conn, own, Period.year(2023))
        in_2023, units_2023 = _figures(conn, Filters(NOV_2023), OLD_QUANG_TAN)
        year, _ = _figures(conn, Filters(Period.year(2023)), OLD_QUANG_TAN)
        in_2025, units_2025 = _figures(conn, Filters(NOV_2023, version="2025"), OLD_QUANG_TAN)
        listed = beneficiary_list(conn, Filters(Period.year(2023)), OLD_QUANG_TAN, 1, 5000)
        with pytest.raises(OutOfScopeError):
            resolve(conn, Filters(NOV_2023, ("06901",)), OLD_QUANG_TAN)
    assert (in_2023["F14"], year["F15"]) == expected
    assert expected[0] == 240  # the figure the README and test_access show for Xã Quảng Tân
    assert {u for _, u in units_2023} == {"06913"}
    # the 2025 units: the new commune, but only the old commune's part of it
    assert in_2025["F14"] == expected[0] and {u for _, u in units_2025} == {"06913"}
    assert set(listed.rows["commune"]) == {"Xã Quảng Tân"}


def test_province_role_sees_every_unit_of_the_province(engine: Engine) -> None:
    with engine.connect() as conn:
        every = [int(r[0]) for r in conn.execute(sa.text("SELECT id FROM admin_unit"))]
        expected = _active(conn, every, date(2023, 11, 1)), _paid(conn, every, Period.year(2023))
        nov, _ = _figures(conn, Filters(NOV_2023), PROVINCE)
        year, _ = _figures(conn, Filters(Period.year(2023), version="2025"), PROVINCE)
        catalogues = {v: scoped_catalogue(conn, v, PROVINCE) for v in ("2023", "2025")}
        whole = {v: unit_catalogue(conn, v) for v in ("2023", "2025")}
        listed = beneficiary_list(conn, Filters(Period.year(2023)), PROVINCE, 1, 10)
        with pytest.raises(UnknownProvinceError) as unknown:
            resolve(conn, Filters(NOV_2023), Scope.whole_province("99"))
    assert (nov["F14"], year["F15"]) == expected and expected[0] == 1911  # README: 1.911
    for version, frame in catalogues.items():
        assert list(frame["code"]) == list(whole[version]["code"])
    assert len(catalogues["2023"]) == 9 and len(catalogues["2025"]) == 2
    assert listed.total > 1000  # person lists, like the district role
    assert "99" in unknown.value.message("vi") and "«99»" in unknown.value.message("vi")
    assert district_scope(PROVINCE) == Scope(None, persons=False, province="22")


# --- records made after 1/7/2025, and a second province -------------------------------------

NEW_PEOPLE = {"06913": ("Người Mới Quảng Tân 1", "Người Mới Quảng Tân 2", "Người Mới Quảng Tân 3")}
NEW_PEOPLE["06895"] = ("Người Mới Đầm Hà 1", "Người Mới Đầm Hà 2")
AMOUNT = 750_000


def _add_after_merger(writer: Engine) -> None:
    """Beneficiaries and October 2025 payments under the two new communes, and a province 99
    with one commune and one paid beneficiary."""
    with writer.begin() as conn:

        def next_id(table: str) -> int:
            return int(conn.execute(sa.text(f"SELECT max(id) FROM {table}")).scalar_one()) + 1

        unit_id = next_id("admin_unit")
        conn.execute(
            sa.text(
                "INSERT INTO admin_unit (id, code, name, kind, parent_id, population, valid_from,"
                " valid_to) VALUES (:p, '99', 'Tỉnh Mẫu Khác', 'province', NULL, NULL, :f, NULL),"
                " (:c, '99001', 'Xã Mẫu Khác', 'xa', :p, 1000, :f, NULL)"
            ),
            {"p": unit_id, "c": unit_id + 1, "f": date(1990, 1, 1)},
        )
        units = {code: _new_id(conn, code) for code in NEW_PEOPLE} | {"99001": unit_id + 1}
        people = {**NEW_PEOPLE, "99001": ("Người Mới Tỉnh Khác 1",)}
        person, ben = next_id("person"), next_id("allowance_beneficiary")
        pay = next_id("allowance_payment")
        for code, names in people.items():
            for name in names:
                conn.execute(
                    sa.text(
                        "INSERT INTO person (id, full_name, birth_date, sex, ethnicity,"
                        " admin_unit_id) VALUES (:id, :n, :b, 'F', 'Kinh', :u)"
                    ),
                    {"id": person, "n": name, "b": date(1940, 5, 1), "u": units[code]},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO allowance_beneficiary (id, person_id, admin_unit_id,"
                        " group_code, coefficient_x10, start_month, end_month, payment_method)"
                        " VALUES (:id, :p, :u, 'elderly_80', 15, :s, NULL, 'cash')"
                    ),
                    {"id": ben, "p": person, "u": units[code], "s": MERGER},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO allowance_payment (id, beneficiary_id, admin_unit_id, month,"
                        " amount_vnd, method, paid_on, status) VALUES (:id, :b, :u, :m, :a,"
                        " 'cash', :d, 'paid')"
                    ),
                    {
                        "id": pay,
                        "b": ben,
                        "u": units[code],
                        "m": OCT_2025.start,
                        "a": AMOUNT,
                        "d": date(2025, 10, 10),
                    },
                )
                person, ben, pay = person + 1, ben + 1, pay + 1


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def after_merger(
    request: pytest.FixtureRequest, demo_sqlite_path: Path, tmp_path_factory
) -> Iterator[Engine]:
    """A copy of the demo database with the rows of ``_add_after_merger``, opened read-only."""
    if request.param == "sqlite":
        copy = tmp_path_factory.mktemp("after-merger") / "demo.sqlite"
        shutil.copy(demo_sqlite_path, copy)
        writer = sa.create_engine(f"sqlite:///{copy}")
        url = sqlite_file_url(copy, read_only=True)
    else:
        url = create_database(
            request.getfixturevalue("pg_admin_url"),
            "welfare_after_merger",
            template=request.getfixturevalue("demo_pg_template"),
        )
        writer = sa.create_engine(url)
    _add_after_merger(writer)
    writer.dispose()
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_new_commune_head_sees_records_made_under_the_new_commune(
    after_merger: Engine, request: pytest.FixtureRequest
) -> None:
    filters = Filters(OCT_2025, version="2025")
    # The demo itself pays under the new commune from 7/2025: this test's rows come on top.
    sqlite = after_merger.dialect.name == "sqlite"
    demo = request.getfixturevalue("sqlite_engine" if sqlite else "pg_engine")
    with demo.connect() as conn:
        demo_own = _paid(conn, [_new_id(conn, "06913")], OCT_2025)
    with after_merger.connect() as conn:
        family = [*_old_ids(conn, QUANG_TAN_PREDECESSORS), _new_id(conn, "06913")]
        other = [*_old_ids(conn, DAM_HA_PREDECESSORS), _new_id(conn, "06895")]
        expected = _active(conn, family, OCT_2025.start), _paid(conn, family, OCT_2025)
        inserted = _paid(conn, [_new_id(conn, "06913")], OCT_2025)
        figures, units = _figures(conn, filters, NEW_QUANG_TAN)
        everyone, _ = _figures(conn, filters, Scope.everything())
        page = beneficiary_list(conn, filters, NEW_QUANG_TAN, 1, 50, "Người Mới")
        with pytest.raises(OutOfScopeError):
            beneficiary_list(conn, Filters(OCT_2025, ("06895",), "2025"), NEW_QUANG_TAN)
        others_paid = _paid(conn, other, OCT_2025)
    assert (figures["F14"], figures["F15"]) == expected
    assert demo_own > 0 and inserted - demo_own == 3 * AMOUNT  # the new commune's own payments
    assert expected[1] >= inserted
    assert {u for _, u in units} == {"06913"}
    assert everyone["F15"] == expected[1] + others_paid + AMOUNT  # + province 99's commune
    assert sorted(page.rows["full_name"]) == sorted(NEW_PEOPLE["06913"]) and page.total == 3


def test_old_commune_head_sees_neither_the_new_records_nor_the_other_predecessors(
    after_merger: Engine,
) -> None:
    filters = Filters(OCT_2025, version="2025")
    with after_merger.connect() as conn:
        own = _old_ids(conn, ("06913",))
        expected = _active(conn, own, OCT_2025.start), _paid(conn, own, OCT_2025)
        family = [*_old_ids(conn, QUANG_TAN_PREDECESSORS), _new_id(conn, "06913")]
        whole = _active(conn, family, OCT_2025.start)
        figures, units = _figures(conn, filters, OLD_QUANG_TAN)
        page = beneficiary_list(conn, filters, OLD_QUANG_TAN, 1, 50, "Người Mới")
    assert (figures["F14"], figures["F15"]) == expected
    assert figures["F14"] < whole  # the other predecessors' people are not theirs
    assert {u for _, u in units} == {"06913"}
    assert page.total == 0


def test_province_role_does_not_see_another_province(after_merger: Engine) -> None:
    filters = Filters(OCT_2025, version="2025")
    with after_merger.connect() as conn:
        ids_22 = [
            int(r[0])
            for r in conn.execute(sa.text("SELECT id FROM admin_unit WHERE code <> '99001'"))
        ]
        expected = _paid(conn, ids_22, OCT_2025)
        figures, units = _figures(conn, filters, PROVINCE)
        everyone, _ = _figures(conn, filters, Scope.everything(persons=True))
        codes = set(scoped_catalogue(conn, "2025", PROVINCE)["code"])
        listed = beneficiary_list(conn, filters, PROVINCE, 1, 50, "Người Mới")
        with pytest.raises(OutOfScopeError):
            resolve(conn, Filters(OCT_2025, ("99001",), "2025"), PROVINCE)
        other_province = scope_base_units(conn, Scope.whole_province("99"))
    assert figures["F15"] == expected == everyone["F15"] - AMOUNT
    assert codes == {"06895", "06913"} and {u for _, u in units} == codes
    assert listed.total == 5  # both new communes' people, not province 99's
    assert other_province is not None and len(other_province) == 2


# --- accounts ------------------------------------------------------------------------------

# As metadata.create_all made it (SERIAL on PostgreSQL: the id comes from a sequence).
OLD_LAYOUT = """CREATE TABLE app_user (
    id {id} PRIMARY KEY, username VARCHAR(64) NOT NULL UNIQUE,
    display_name VARCHAR(120) NOT NULL, password_hash VARCHAR(200) NOT NULL,
    role VARCHAR(16) NOT NULL, commune_code VARCHAR(10), disabled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL, password_changed_at TIMESTAMP NOT NULL)"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A user store as the dashboard made it before the unit version: one commune head."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old-users.sqlite'}"
    else:
        name = f"users_old_{abs(hash(request.node.name)) % 10**8}"
        url = create_database(request.getfixturevalue("pg_admin_url"), name)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        serial = "INTEGER" if request.param == "sqlite" else "SERIAL"
        conn.exec_driver_sql(OLD_LAYOUT.format(id=serial))
        conn.execute(
            sa.text(
                "INSERT INTO app_user (username, display_name, password_hash, role, commune_code,"
                " disabled, created_at, password_changed_at) VALUES ('quangtan', 'Chủ tịch', 'x',"
                " 'commune', '06913', false, :t, :t), ('lanhdao', 'Lãnh đạo', 'x', 'district',"
                " NULL, false, :t, :t)"
            ),
            {"t": date(2024, 1, 1)},
        )
    engine.dispose()
    return url


def test_an_old_store_is_migrated_on_open(old_store_url: str) -> None:
    store = UserStore(old_store_url)
    again = UserStore(old_store_url)  # a second open finds the columns there
    head, leader = store.get("quangtan"), store.get("lanhdao")
    assert head is not None and head.scope() == OLD_QUANG_TAN
    assert leader is not None and leader.scope() == Scope(None, persons=True)
    listed = {u["username"]: u for u in again.list_users()}
    assert listed["quangtan"]["unit_version"] == "2023"
    assert listed["lanhdao"]["unit_version"] is None
    store.add("xaquangtan", "long-enough-pass", ROLE_COMMUNE, "", "06913", "2025")
    store.add("tinh", "long-enough-pass", ROLE_PROVINCE, "", None, None, "22")
    assert again.get("xaquangtan").scope() == NEW_QUANG_TAN  # type: ignore[union-attr]
    assert again.get("tinh").scope() == PROVINCE  # type: ignore[union-attr]
    store.engine.dispose()
    again.engine.dispose()


def test_store_checks_versions_and_provinces(users_url: str) -> None:
    store = UserStore(users_url)
    with pytest.raises(UserStoreError, match="--province"):
        store.add("tinh", "long-enough-pass", ROLE_PROVINCE)
    with pytest.raises(UserStoreError, match="--version"):
        store.add("xa", "long-enough-pass", ROLE_COMMUNE, "", "06913", "2030")
    with pytest.raises(UserStoreError, match="--version"):
        store.add("huyen", "long-enough-pass", "district", "", None, "2025")
    store.add("xa", "long-enough-pass", ROLE_COMMUNE, "", "06913", "2025")
    store.set_role("xa", ROLE_COMMUNE, "06913")  # back to the 2023 units
    assert store.get("xa").scope() == OLD_QUANG_TAN  # type: ignore[union-attr]
    store.set_role("xa", ROLE_PROVINCE, province_code="22")
    assert store.get("xa").scope() == PROVINCE  # type: ignore[union-attr]
    assert store.count() == 1


def test_demo_accounts_include_the_new_commune_head_and_the_province(users_url: str) -> None:
    store = UserStore(users_url)
    username, password, role, name, commune = DEMO_USERS[1]
    store.add(username, password, role, name, commune)  # a store seeded before these existed
    seed_demo_users(store)
    users = {u[0]: store.get(u[0]) for u in [*DEMO_USERS, *DEMO_USERS_TREE]}
    assert users["xaquangtan"].scope() == NEW_QUANG_TAN  # type: ignore[union-attr]
    assert users["lanhdaotinh"].scope() == PROVINCE  # type: ignore[union-attr]
    assert users["quangtan"].scope() == OLD_QUANG_TAN  # type: ignore[union-attr]
    assert store.count() == len(DEMO_USERS) + len(DEMO_USERS_TREE)
    password = {u[0]: u[1] for u in DEMO_USERS_TREE}["xaquangtan"]
    assert store.authenticate("xaquangtan", password).user == users["xaquangtan"]


def test_cli_adds_a_new_commune_head_and_a_province_role(users_url: str) -> None:
    env = {"WELFARE_USERS_URL": users_url, "PATH": "/usr/bin:/bin"}
    root = Path(__file__).resolve().parent.parent

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "auth.cli", *args],
            input="very-secret-pass\n",
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )

    for args in (
        ("add", "xqt", "--role", "commune", "--commune", "06913", "--version", "2025"),
        ("add", "cu", "--role", "commune", "--commune", "06913"),
        ("add", "tinh", "--role", "province", "--province", "22"),
    ):
        done = cli(*args, "--password-stdin")
        assert done.returncode == 0, done.stderr
    refused = cli("add", "x", "--role", "province", "--password-stdin")
    assert refused.returncode == 2 and "--province" in refused.stderr
    wrong = cli("add", "y", "--role", "commune", "--commune", "06913", "--version", "2030")
    assert wrong.returncode == 2 and "2030" in wrong.stderr
    listed = cli("list").stdout
    assert re.search(r"(?m)^cu\s+commune\s+06913\s+active\s+-\s+đơn vị 2023\s+cu$", listed)
    assert re.search(r"(?m)^xqt\s+commune\s+06913\s+active\s+-\s+đơn vị 2025\s+xqt$", listed)
    assert re.search(r"(?m)^tinh\s+province\s+22\s+active\s+-\s+tỉnh\s+tinh$", listed)


# --- the app: a link outside the scope ---------------------------------------------------------


@pytest.fixture
def tree_store(users_url: str) -> UserStore:
    store = UserStore(users_url)
    for username, password, role, name, commune, version, province in DEMO_USERS_TREE:
        store.add(username, password, role, name, commune, version, province)
    return store


@pytest.mark.parametrize(
    ("link", "version", "shown"),
    [
        ("06895", "2025", ["Xã Quảng Tân"]),
        ("06916", "2023", QUANG_TAN_NAMES),
    ],
)
def test_a_link_to_the_other_new_commune_gives_the_notice(
    app_env: Path, tree_store: UserStore, link: str, version: str, shown: list[str]
) -> None:
    password = {u[0]: u[1] for u in DEMO_USERS_TREE}["xaquangtan"]
    page = open_page(xa=link, dv=version, tu="2023-11", den="2023-11")
    at = sign_in(page, "xaquangtan", password)
    no_exceptions(at)
    reader = make_engine(sqlite_file_url(app_env, read_only=True))
    with reader.connect() as conn:
        expected = _active(conn, _old_ids(conn, QUANG_TAN_PREDECESSORS), date(2023, 11, 1))
    reader.dispose()
    assert any(link in w.value for w in at.warning)
    assert at.multiselect(key="f_xa").options == shown
    assert metrics(at)[F14] == f"{expected:,}".replace(",", ".") + " đối tượng"


def test_only_the_old_commune_head_sees_part_of_the_new_commune(engine: Engine) -> None:
    with engine.connect() as conn:
        seen = {
            (name, version): partly_visible(conn, version, scope)
            for name, scope in (("new", NEW_QUANG_TAN), ("old", OLD_QUANG_TAN), ("tinh", PROVINCE))
            for version in ("2023", "2025")
        }
    assert seen == {
        ("new", "2023"): [],
        ("new", "2025"): [],
        ("old", "2023"): [],
        ("old", "2025"): ["06913"],
        ("tinh", "2023"): [],
        ("tinh", "2025"): [],
    }
