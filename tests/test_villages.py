"""A commune's villages (issue 14 §2): the village rows sum exactly to the commune's figures of
the existing queries, each village's figures equal a count written independently in SQL from
the rows, a commune head cannot open another commune's village, and the commune page opens a
village from ``?thon=`` and goes back. On SQLite and PostgreSQL; records after the 1/7/2025
merger are inserted into a copy of the demo database."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from auth.store import DEMO_USERS, UserStore
from charts.villages import VILLAGE_FIELD, VILLAGE_SELECTION, village_table, villages_chart
from data_access import schema as s
from data_access.coverage import elderly_cards
from data_access.db import make_engine, sqlite_file_url
from data_access.definitions import data_as_of, elderly_born_by, reference_date
from data_access.errors import OutOfScopeError
from data_access.filters import VERSION_2023, VERSION_2025, Filters, Period, Scope
from data_access.queries import measures
from data_access.units import unit_catalogue
from data_access.villages import (
    FIGURE_COLUMNS,
    NO_VILLAGE,
    VILLAGE_COLUMNS,
    OneCommuneRequiredError,
    VillageNotInCommuneError,
    commune_villages,
    village_figures,
    village_row,
)
from devtools.pgserver import create_database
from tests.apptest import no_exceptions, open_page, sign_in

QUANG_TAN, QUANG_AN, DAM_HA_2023 = "06913", "06901", "06916"
PERIODS = [Period.year(2023), Period.quarter(2023, 3), Period.year(2022)]
Q3_2025 = Period.quarter(2025, 3)


def _communes(conn: Connection, version: str) -> list[str]:
    return unit_catalogue(conn, version)["code"].tolist()


# --- the villages sum to the commune ---------------------------------------------------------


def _assert_sums(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """The village rows of ``filters``' commune sum to the commune's figures, column by column."""
    villages = village_figures(conn, filters, scope)
    commune = measures(conn, filters, scope).iloc[0]
    sums = {c: int(villages[c].sum()) for c in FIGURE_COLUMNS}
    assert sums == {c: int(commune[c]) for c in FIGURE_COLUMNS}, filters
    cards = elderly_cards(conn, filters, scope).iloc[0]  # the coverage page's definition too
    assert (sums["elderly"], sums["elderly_covered"]) == (cards["elderly"], cards["covered"])
    return villages


@pytest.mark.parametrize("version", [VERSION_2023, VERSION_2025])
def test_every_communes_villages_sum_to_the_communes_figures(engine: Engine, version: str) -> None:
    without_village = 0
    with engine.connect() as conn:
        codes = _communes(conn, version)
        assert len(codes) == (9 if version == VERSION_2023 else 2)
        for code in codes:
            for period in PERIODS:
                frame = _assert_sums(conn, Filters(period, (code,), version), Scope.everything())
                assert list(frame.columns) == VILLAGE_COLUMNS + FIGURE_COLUMNS
                assert frame["village_id"].is_unique
                without_village += int((frame["village_id"] == NO_VILLAGE).sum())
    # the demo seeds persons living in a village of another commune: they sit in that row
    assert without_village > 0


def test_the_villages_are_the_communes_and_its_predecessors(engine: Engine) -> None:
    with engine.connect() as conn:
        old = commune_villages(conn, Filters(PERIODS[0], (QUANG_TAN,)), Scope.everything())
        new = commune_villages(
            conn, Filters(PERIODS[0], (QUANG_TAN,), VERSION_2025), Scope.everything()
        )
        expected_new = conn.execute(
            sa.text(
                "SELECT count(*) FROM village v JOIN admin_unit u ON u.id = v.admin_unit_id "
                "WHERE u.code IN ('06898', '06901', '06910', '06913') AND u.kind = 'xa' "
                "AND u.valid_to IS NOT NULL AND u.valid_from < :day"
            ).bindparams(sa.bindparam("day", date(2020, 1, 1), type_=sa.Date))
        ).scalar()
    assert len(old) == 10 and old["old_commune"].isna().all()
    # 2025's Xã Quảng Tân holds the villages of its four 2023 communes, each named with it
    assert len(new) == expected_new == 6 + 9 + 6 + 10
    assert set(new["old_commune"]) == {"Xã Quảng Lâm", "Xã Quảng An", "Xã Dực Yên", "Xã Quảng Tân"}
    assert set(old["village_id"]) < set(new["village_id"])


def test_figures_by_village_need_exactly_one_commune(engine: Engine) -> None:
    with engine.connect() as conn:
        for communes in [(), (QUANG_TAN, QUANG_AN)]:
            with pytest.raises(OneCommuneRequiredError):
                village_figures(conn, Filters(PERIODS[0], communes), Scope.everything())


# --- each village equals an independent count from the rows ----------------------------------

_VILLAGE_SQL = {
    "beneficiaries": "SELECT count(*) FROM allowance_beneficiary b "
    "JOIN person p ON p.id = b.person_id WHERE p.village_id = :v AND b.admin_unit_id IN :units "
    "AND b.start_month <= :ref_month AND (b.end_month IS NULL OR b.end_month >= :ref_month)",
    "paid_amount": "SELECT coalesce(sum(pay.amount_vnd), 0) FROM allowance_payment pay "
    "JOIN allowance_beneficiary b ON b.id = pay.beneficiary_id JOIN person p ON p.id = b.person_id "
    "WHERE p.village_id = :v AND pay.admin_unit_id IN :units AND pay.status = 'paid' "
    "AND pay.month BETWEEN :start AND :end_month "
    "AND pay.amount_vnd >= 0 AND pay.amount_vnd < 100000000",
    "elderly": "SELECT count(*) FROM person p WHERE p.village_id = :v "
    "AND p.admin_unit_id IN :units AND p.birth_date <= :born "
    "AND (p.died_on IS NULL OR p.died_on > :ref)",
    "elderly_covered": "SELECT count(*) FROM person p WHERE p.village_id = :v "
    "AND p.admin_unit_id IN :units AND p.birth_date <= :born "
    "AND (p.died_on IS NULL OR p.died_on > :ref) AND EXISTS (SELECT 1 FROM "
    "health_insurance_card c WHERE c.person_id = p.id AND c.valid_from <= :ref "
    "AND c.valid_to >= :ref AND c.funding IN ('state', 'partial'))",
    "health_visits": "SELECT count(*) FROM health_check h JOIN person p ON p.id = h.person_id "
    "WHERE p.village_id = :v AND h.admin_unit_id IN :units "
    "AND h.check_date BETWEEN :start AND :end "
    "AND h.kind IN ('elderly_periodic', 'elderly_consult')",
    "new_builds": "SELECT count(*) FROM housing_grant g "
    "JOIN household hh ON hh.id = g.household_id "
    "WHERE hh.village_id = :v AND g.admin_unit_id IN :units AND g.kind = 'new' "
    "AND g.approved_on BETWEEN :start AND :end "
    "AND g.amount_vnd >= 0 AND g.amount_vnd < 1000000000",
    "repairs": "SELECT count(*) FROM housing_grant g "
    "JOIN household hh ON hh.id = g.household_id "
    "WHERE hh.village_id = :v AND g.admin_unit_id IN :units AND g.kind = 'repair' "
    "AND g.approved_on BETWEEN :start AND :end "
    "AND g.amount_vnd >= 0 AND g.amount_vnd < 1000000000",
    "grant_amount": "SELECT coalesce(sum(g.amount_vnd), 0) FROM housing_grant g "
    "JOIN household hh ON hh.id = g.household_id WHERE hh.village_id = :v "
    "AND g.admin_unit_id IN :units AND g.approved_on BETWEEN :start AND :end "
    "AND g.amount_vnd >= 0 AND g.amount_vnd < 1000000000",
    "special_cases": "SELECT count(*) FROM child_case k JOIN person p ON p.id = k.person_id "
    "WHERE p.village_id = :v AND k.admin_unit_id IN :units AND k.circumstance = 'special' "
    "AND k.opened_on <= :opened_by AND (k.closed_on IS NULL OR k.closed_on >= :start)",
}


def _counted(conn: Connection, village: int, units: list[int], period: Period) -> dict[str, int]:
    """The village's figures, counted from the rows by hand: ``units`` are the record-level
    units of its commune in the version asked for."""
    ref = reference_date(period, data_as_of(conn))
    days = {
        "start": period.start,
        "end": period.end_date,
        "end_month": period.end,
        "ref": ref,
        "ref_month": ref.replace(day=1),
        "born": elderly_born_by(ref),
        "opened_by": min(period.end_date, ref),
    }
    counts = {}
    for column, sql in _VILLAGE_SQL.items():
        wanted = {k: v for k, v in days.items() if re.search(rf":{k}\b", sql)}
        stmt = sa.text(sql).bindparams(
            sa.bindparam("units", expanding=True), *(sa.bindparam(k, type_=sa.Date) for k in wanted)
        )
        counts[column] = int(conn.execute(stmt, {"v": village, "units": units, **wanted}).scalar())
    return counts


def _unit_ids(conn: Connection, codes: tuple[str, ...], on: date) -> list[int]:
    """Record-level unit ids of ``codes`` in force on ``on``."""
    stmt = sa.text(
        "SELECT id FROM admin_unit WHERE code IN :codes AND valid_from <= :on "
        "AND (valid_to IS NULL OR valid_to >= :on)"
    ).bindparams(sa.bindparam("codes", expanding=True), sa.bindparam("on", type_=sa.Date))
    return [int(r[0]) for r in conn.execute(stmt, {"codes": list(codes), "on": on})]


def test_each_village_of_quang_tan_equals_a_count_from_the_rows(engine: Engine) -> None:
    with engine.connect() as conn:
        # 2023's Xã Quảng Tân and Xã Quảng Lợi, merged into it on 1/1/2020
        units = _unit_ids(conn, (QUANG_TAN,), date(2023, 12, 31))
        units += _unit_ids(conn, ("06907",), date(2019, 12, 31))
        for period in PERIODS[:2]:
            frame = village_figures(conn, Filters(period, (QUANG_TAN,)), Scope.everything())
            villages = frame[frame["village_id"] != NO_VILLAGE]
            assert len(villages) == 10
            for row in villages.itertuples():
                by_hand = _counted(conn, int(row.village_id), units, period)
                assert {c: int(getattr(row, c)) for c in by_hand} == by_hand, row.village_name
        # the test can fail: the year holds grants, visits and beneficiaries in its villages
        year = village_figures(conn, Filters(PERIODS[0], (QUANG_TAN,)), Scope.everything())
        named = year[year["village_id"] != NO_VILLAGE]
        assert (named["repairs"] + named["new_builds"]).sum() > 0
        assert (named[["beneficiaries", "paid_amount", "health_visits", "elderly"]] > 0).all(
            axis=None
        )


# --- scope ----------------------------------------------------------------------------------


def test_a_commune_head_cannot_open_a_village_of_another_commune(engine: Engine) -> None:
    head = Scope.commune(QUANG_TAN)
    with engine.connect() as conn:
        with pytest.raises(OutOfScopeError):
            village_figures(conn, Filters(PERIODS[0], (QUANG_AN,)), head)
        theirs = commune_villages(conn, Filters(PERIODS[0], (QUANG_AN,)), Scope.everything())
        own = village_figures(conn, Filters(PERIODS[0], (QUANG_TAN,)), head)
        with pytest.raises(VillageNotInCommuneError):
            village_row(own, int(theirs["village_id"].iloc[0]), "Xã Quảng Tân")
        # in 2025's Xã Quảng Tân (which holds Quảng An) the 2023 head sees only their villages
        part = village_figures(conn, Filters(PERIODS[0], (QUANG_TAN,), VERSION_2025), head)
        assert set(part["village_id"]) - {NO_VILLAGE} == set(own["village_id"]) - {NO_VILLAGE}
        with pytest.raises(VillageNotInCommuneError):
            village_row(part, int(theirs["village_id"].iloc[0]), "Xã Quảng Tân")
        _assert_sums(conn, Filters(PERIODS[0], (QUANG_TAN,), VERSION_2025), head)


# --- records made after the 1/7/2025 merger -------------------------------------------------

BASE_ID = 9_000_000  # ids of the rows this test inserts, far above the demo's


def _insert_after_merger(writer: Engine) -> dict[str, int]:
    """Records of 2025's new Xã Quảng Tân, made in Q3/2025: a beneficiary living in a village
    of Quảng An (a predecessor) paid three months, an elderly person's health visit there, a
    housing grant to a household of a village of Dực Yên, and a beneficiary with no village."""
    with writer.begin() as conn:
        new_qt = conn.execute(
            sa.select(s.admin_unit.c.id).where(
                s.admin_unit.c.code == QUANG_TAN, s.admin_unit.c.valid_from == date(2025, 7, 1)
            )
        ).scalar_one()

        def first_village(code: str) -> int:
            u, v = s.admin_unit, s.village
            return conn.execute(
                sa.select(sa.func.min(v.c.id))
                .join(u, u.c.id == v.c.admin_unit_id)
                .where(u.c.code == code, u.c.valid_from < date(2025, 1, 1))
            ).scalar_one()

        an_village, dy_village = first_village(QUANG_AN), first_village("06910")
        person = {"sex": "F", "ethnicity": "Kinh", "admin_unit_id": new_qt}
        conn.execute(
            sa.insert(s.person),
            [
                {
                    **person,
                    "id": BASE_ID + 1,
                    "full_name": "Người Mới Một",
                    "birth_date": date(1950, 5, 1),
                    "village_id": an_village,
                },
                {
                    **person,
                    "id": BASE_ID + 2,
                    "full_name": "Người Mới Hai",
                    "birth_date": date(1990, 5, 1),
                    "village_id": None,
                },
            ],
        )
        beneficiary = {
            "admin_unit_id": new_qt,
            "group_code": "elderly_80",
            "coefficient_x10": 15,
            "start_month": date(2025, 7, 1),
            "payment_method": "cash",
        }
        conn.execute(
            sa.insert(s.allowance_beneficiary),
            [
                {**beneficiary, "id": BASE_ID + 1, "person_id": BASE_ID + 1},
                {**beneficiary, "id": BASE_ID + 2, "person_id": BASE_ID + 2},
            ],
        )
        conn.execute(
            sa.insert(s.allowance_payment),
            [
                {
                    "id": BASE_ID + 10 * b + m,
                    "beneficiary_id": BASE_ID + b,
                    "admin_unit_id": new_qt,
                    "month": date(2025, m, 1),
                    "amount_vnd": 750_000,
                    "method": "cash",
                    "paid_on": date(2025, m, 10),
                    "status": "paid",
                }
                for b in (1, 2)
                for m in (7, 8, 9)
            ],
        )
        conn.execute(
            sa.insert(s.health_check),
            [
                {
                    "id": BASE_ID + 1,
                    "person_id": BASE_ID + 1,
                    "admin_unit_id": new_qt,
                    "check_date": date(2025, 8, 12),
                    "kind": "elderly_periodic",
                    "free_medicine": True,
                }
            ],
        )
        conn.execute(
            sa.insert(s.household),
            [{"id": BASE_ID + 1, "admin_unit_id": new_qt, "village_id": dy_village}],
        )
        conn.execute(
            sa.insert(s.housing_grant),
            [
                {
                    "id": BASE_ID + 1,
                    "household_id": BASE_ID + 1,
                    "admin_unit_id": new_qt,
                    "kind": "repair",
                    "amount_vnd": 30_000_000,
                    "funding_source": "state",
                    "target_group": "poor",
                    "approved_on": date(2025, 8, 1),
                    "deadline": date(2025, 12, 31),
                    "status": "approved",
                }
            ],
        )
    return {"unit": new_qt, "an_village": an_village, "dy_village": dy_village}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def merged(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, dict[str, int], Engine]]:
    """A copy of the demo with records after the merger, read-only, the inserted ids, and the
    demo itself (which has its own records after the merger: the test compares the two)."""
    original = request.getfixturevalue(f"{'sqlite' if request.param == 'sqlite' else 'pg'}_engine")
    if request.param == "sqlite":
        path = Path(tmp_path_factory.mktemp("merged")) / "demo.sqlite"
        shutil.copy(request.getfixturevalue("demo_sqlite_path"), path)
        writer = sa.create_engine(f"sqlite:///{path}")
        url = sqlite_file_url(path, read_only=True)
    else:
        url = create_database(
            request.getfixturevalue("pg_admin_url"),
            "welfare_villages",
            template=request.getfixturevalue("demo_pg_template"),
        )
        writer = sa.create_engine(url)
    ids = _insert_after_merger(writer)
    writer.dispose()
    engine = make_engine(url)
    yield engine, ids, original
    engine.dispose()


def test_records_after_the_merger_reach_their_village_of_the_new_commune(merged) -> None:
    engine, ids, original = merged
    filters = Filters(Q3_2025, (QUANG_TAN,), VERSION_2025)
    with engine.connect() as conn:
        frame = _assert_sums(conn, filters, Scope.everything()).set_index("village_id")
        units = _unit_ids(conn, ("06898", QUANG_AN, "06910", QUANG_TAN), date(2025, 6, 30))
        units.append(ids["unit"])
        for village in (ids["an_village"], ids["dy_village"]):
            by_hand = _counted(conn, village, units, Q3_2025)
            assert {c: int(frame.loc[village, c]) for c in by_hand} == by_hand
        before = village_figures(
            conn, Filters(Period.quarter(2025, 2), (QUANG_TAN,), VERSION_2025), Scope.everything()
        ).set_index("village_id")
        # the 2023 units cannot show records made under the new commune
        old = village_figures(conn, Filters(Q3_2025, (QUANG_AN,)), Scope.everything())
    with original.connect() as conn:  # the demo without this test's rows
        base = village_figures(conn, filters, Scope.everything()).set_index("village_id")
        old_base = village_figures(conn, Filters(Q3_2025, (QUANG_AN,)), Scope.everything())
    an, dy = frame.loc[ids["an_village"]], frame.loc[ids["dy_village"]]
    an0, dy0 = base.loc[ids["an_village"]], base.loc[ids["dy_village"]]
    assert an["paid_amount"] - before.loc[ids["an_village"], "paid_amount"] >= 3 * 750_000
    assert an["health_visits"] - an0["health_visits"] == 1
    assert an["visits_with_medicine"] - an0["visits_with_medicine"] == 1
    assert (dy["repairs"] - dy0["repairs"], dy["grant_amount"] - dy0["grant_amount"]) == (
        1,
        30_000_000,
    )
    # the beneficiary with no village: in the "no village" row, so the sum still holds
    assert frame.loc[NO_VILLAGE, "paid_amount"] >= 3 * 750_000
    assert frame.loc[NO_VILLAGE, "beneficiaries"] >= 1
    # the 2023 units: nothing this test made under the new commune (the demo's own rows only)
    assert old["paid_amount"].sum() == old_base["paid_amount"].sum()
    assert old["health_visits"].sum() == old_base["health_visits"].sum()


# --- the chart ------------------------------------------------------------------------------


def test_the_village_chart_selects_a_village_by_its_id_and_names_it(engine: Engine) -> None:
    with engine.connect() as conn:
        frame = village_figures(
            conn, Filters(PERIODS[0], (QUANG_TAN,), VERSION_2025), Scope.everything()
        )
    spec = villages_chart(frame, "paid_amount", "vi").to_dict()  # validated against the schema
    assert spec["params"][0]["name"] == VILLAGE_SELECTION
    assert spec["params"][0]["select"]["fields"] == [VILLAGE_FIELD]
    assert spec["description"].endswith("Chạm vào một thôn để xem số liệu của thôn đó.")
    assert spec["encoding"]["x"]["title"] == "Kinh phí chi trả trợ cấp (triệu đồng)"
    data = next(iter(spec["datasets"].values()))
    keys = {row[VILLAGE_FIELD] for row in data}
    assert keys == {str(i) if i else "" for i in frame["village_id"]}
    labels = [row["village_label"] for row in data]
    assert len(set(labels)) == len(labels)  # "Thôn 1 (Xã Quảng An cũ)": never two "Thôn 1"
    assert "Chưa ghi thôn" in labels
    table = village_table(frame, "vi")
    assert table["Kinh phí chi trả trợ cấp (đồng)"].sum() == frame["paid_amount"].sum()


# --- the commune page -----------------------------------------------------------------------

PASSWORDS = {u[0]: u[1] for u in DEMO_USERS}
VILLAGE_ROW = "Đối tượng hưởng trợ cấp hằng tháng"


def _village_of(path: Path, code: str, name: str) -> int:
    engine = make_engine(sqlite_file_url(path, read_only=True))
    with engine.connect() as conn:
        frame = commune_villages(conn, Filters(PERIODS[0], (code,)), Scope.everything())
    engine.dispose()
    return int(frame.loc[frame["village_name"] == name, "village_id"].iloc[0])


def test_the_commune_page_opens_a_village_from_the_link_and_goes_back(app_env: Path) -> None:
    village = _village_of(app_env, QUANG_TAN, "Thôn 3")
    at = open_page("pages/commune.py", xa=QUANG_TAN, tu="2023-01", den="2023-12", thon=str(village))
    no_exceptions(at)
    assert [h.value for h in at.subheader] == ["Thôn 3, Xã Quảng Tân — Năm 2023"]
    engine = make_engine(sqlite_file_url(app_env, read_only=True))
    with engine.connect() as conn:
        filters = Filters(PERIODS[0], (QUANG_TAN,))
        row = village_row(village_figures(conn, filters, Scope.everything()), village, "")
        commune = measures(conn, filters, Scope.everything()).iloc[0]
    engine.dispose()
    table = at.table[0].value
    shown = table[table["Chỉ tiêu"] == VILLAGE_ROW].iloc[0]
    assert shown["Thôn"] == f"{int(row['beneficiaries'])} đối tượng"
    assert shown["Xã"] == f"{int(commune['beneficiaries'])} đối tượng"
    assert not at.warning
    at.button(key="village_back").click().run()
    no_exceptions(at)
    assert "thon" not in at.query_params
    assert [h.value for h in at.subheader] == ["Xã Quảng Tân — Năm 2023"]
    assert at.selectbox(key="village_figure").value == "beneficiaries"


@pytest.mark.parametrize("thon", ["abc", "999999", "village"])
def test_a_bad_village_in_the_link_gives_a_notice_and_the_commune(app_env: Path, thon) -> None:
    at = open_page("pages/commune.py", xa=QUANG_TAN, thon=thon)
    no_exceptions(at)
    assert len(at.warning) == 1 and "đang xem cả xã" in at.warning[0].value.lower().replace(
        "\\", ""
    )
    # the default view: this year, in the units of 1/7/2025 (06913: the new Xã Quảng Tân)
    assert [h.value for h in at.subheader] == ["Xã Quảng Tân — Năm 2026"]
    assert "thon" not in at.query_params


@pytest.fixture
def store(users_url: str) -> UserStore:
    store = UserStore(users_url)
    for username, password, role, name, commune in DEMO_USERS:
        store.add(username, password, role, name, commune)
    return store


def test_a_commune_head_gets_a_notice_not_a_village_of_another_commune(
    app_env: Path, store: UserStore
) -> None:
    foreign = _village_of(app_env, QUANG_AN, "Thôn 2")
    at = sign_in(open_page(), "quangtan", PASSWORDS["quangtan"])
    at.switch_page("pages/commune.py")
    at.query_params["thon"] = str(foreign)
    at.run()
    no_exceptions(at)
    assert len(at.warning) == 1 and "Không có thôn, khu phố mã" in at.warning[0].value
    # no figure of the village: the commune head sees their own commune (the old Xã Quảng Tân,
    # on its last months: it ended on 30/6/2025)
    assert [h.value for h in at.subheader] == ["Xã Quảng Tân — 6 tháng đầu năm 2025"]
    assert "Thôn" not in at.table[0].value.columns
