"""Kiểm tra số liệu: each check finds exactly the problems the demo seeds and nothing on a clean
build, on SQLite and PostgreSQL; scope holds; reconciliation finds exactly the seeded report
mismatches; the page shows the counts to every role and the lists only to those who may see them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from auth.store import DEMO_USERS, UserStore
from data_access import payouts
from data_access.db import make_engine, sqlite_file_url
from data_access.demo import SEED, Builder, build_demo, build_demo_file
from data_access.errors import OutOfScopeError
from data_access.filters import Filters, Period, Scope
from data_access.indicators import indicator_values
from data_access.quality import (
    BY_CHECK,
    CHECKS,
    count_problems,
    reconciliation,
    run_checks,
)
from devtools.pgserver import create_database
from tests.apptest import metrics, no_exceptions, open_page, sign_in

WHOLE = Period.months(2022, 1, 2023, 11)  # every month of the article's data (to 30/11/2023)
LAPSE = Period.quarter(2023, 2)  # the seeded BHYT lapse covers its last day, 30/6/2023
EVERYONE = Scope.everything(persons=True)
PASSWORDS = {u[0]: u[1] for u in DEMO_USERS}

# How each check's rows name the record it found (the keys ``Builder.seeded`` records).
KEYS: dict[str, Callable[[Any], object]] = {
    "duplicate_person": lambda r: r.person_id,
    "elderly_no_bhyt": lambda r: r.person_id,
    "missing_payment": lambda r: (r.beneficiary_id, r.month),
    "wrong_amount": lambda r: r.payment_id,
    "no_bank_account": lambda r: r.beneficiary_id,
    "paid_after_stop": lambda r: r.payment_id,
    "paid_twice": lambda r: r.payment_id,
    "national_id_mismatch": lambda r: r.beneficiary_id,
    "age_out_of_range": lambda r: r.beneficiary_id,
    "shared_bank_account": lambda r: r.beneficiary_id,
    "child_no_intervention": lambda r: r.case_id,
    "housing_overdue": lambda r: r.grant_id,
    "unknown_unit": lambda r: r.person_id,
    "non_positive_amount": lambda r: (r.record, r.record_id),
    "future_date": lambda r: (r.record, r.column_name, r.record_id),
    "implausible_value": lambda r: (r.record, r.column_name, r.record_id),
    "date_out_of_range": lambda r: (r.record, r.column_name, r.record_id),
    "invalid_rate": lambda r: r.rate_id,
    "duplicate_unit_code": lambda r: r.unit_id,
    "invalid_target": lambda r: r.target_id,
}
# Checks the demo plants nothing for (a planted value would move a published figure, or the
# engine refuses it); tests/test_hostile_values.py plants them on copies of the demo.
NOT_SEEDED = {
    "implausible_value",
    "date_out_of_range",
    "invalid_rate",
    "duplicate_unit_code",
    "invalid_target",
}


def period_for(code: str) -> Period:
    """The period each check is tested on: the whole data, but Quý II/2023 for the BHYT lapse."""
    return LAPSE if code == "elderly_no_bhyt" else WHOLE


@pytest.fixture(scope="module")
def seeded() -> dict[str, list[tuple[object, tuple[str, ...]]]]:
    """What the demo generator planted, per check code (the generator alone, no database)."""
    builder = Builder(1, SEED)
    for _ in builder.build():
        pass
    return builder.seeded


def expected(
    seeded: dict[str, list[tuple[object, tuple[str, ...]]]], code: str, commune: str | None = None
) -> set[object]:
    return {key for key, seen_by in seeded.get(code, []) if commune is None or commune in seen_by}


def found(engine: Engine, filters: Filters, scope: Scope = EVERYONE) -> dict[str, set[object]]:
    """{check code: keys of the records it lists} for ``filters``."""
    with engine.connect() as conn:
        results = run_checks(conn, filters, scope)
    out = {}
    for result in results:
        assert result.rows is not None and result.total == len(result.rows), result.code
        out[result.code] = {KEYS[result.code](r) for r in result.rows.itertuples(index=False)}
    return out


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def clean_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The demo built with ``seed_problems=False``, on each engine, opened read-only."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("clean") / "clean.sqlite"
        build_demo_file(path, seed_problems=False)
        engine = make_engine(sqlite_file_url(path, read_only=True))
    else:
        url = create_database(request.getfixturevalue("pg_admin_url"), "quality_clean")
        writer = sa.create_engine(url)
        build_demo(writer, seed_problems=False)
        writer.dispose()
        engine = make_engine(url)
    yield engine
    engine.dispose()


# --- the checks, on both engines ------------------------------------------------------------


def test_the_generator_seeds_a_few_of_every_problem(seeded) -> None:
    assert set(seeded) == {c.code for c in CHECKS} - NOT_SEEDED | {"reconciliation"}
    assert {code: len(v) for code, v in seeded.items()} == {
        "duplicate_person": 6,
        "elderly_no_bhyt": 3,
        "missing_payment": 3,
        "wrong_amount": 4,
        "no_bank_account": 3,
        "child_no_intervention": 2,
        "housing_overdue": 2,
        "unknown_unit": 3,
        "non_positive_amount": 2,
        "future_date": 3,
        "paid_after_stop": 7,
        "paid_twice": 4,
        "national_id_mismatch": 3,
        "age_out_of_range": 2,
        "shared_bank_account": 4,
        "reconciliation": 3,
    }


@pytest.mark.parametrize("code", [c.code for c in CHECKS])
def test_each_check_finds_exactly_the_seeded_problems(engine: Engine, seeded, code) -> None:
    assert found(engine, Filters(period_for(code)))[code] == expected(seeded, code)


@pytest.mark.parametrize("period", [WHOLE, LAPSE, Period.year(2023)], ids=str)
def test_a_clean_database_has_no_problems(clean_engine: Engine, period: Period) -> None:
    with clean_engine.connect() as conn:
        totals = {f.code: f.total for f in run_checks(conn, Filters(period), EVERYONE)}
        reports = reconciliation(conn, Filters(period), EVERYONE)
    assert totals == {c.code: 0 for c in CHECKS}
    assert len(reports) > 0 and not reports["mismatch"].any()


def test_the_bhyt_lapse_is_gone_by_30_november_so_f1_stays_100_percent(engine: Engine) -> None:
    with engine.connect() as conn:
        assert count_problems(conn, Filters(Period.year(2023)), EVERYONE, "elderly_no_bhyt") == 0
        total, _ = indicator_values(conn, Filters(Period.year(2023)), EVERYONE, ["F1"])
    assert total["value"][0] == 1.0


def test_in_2022_the_uncovered_elderly_are_exactly_the_f1_gap(engine: Engine) -> None:
    with engine.connect() as conn:
        uncovered = count_problems(conn, Filters(Period.year(2022)), EVERYONE, "elderly_no_bhyt")
        total, _ = indicator_values(conn, Filters(Period.year(2022)), EVERYONE, ["F1"])
    covered, elderly = int(total["numerator"][0]), int(total["denominator"][0])
    assert uncovered == elderly - covered > 0


def test_wrong_amounts_agree_with_the_payouts_page(engine: Engine) -> None:
    with engine.connect() as conn:
        ours = count_problems(conn, Filters(WHOLE), EVERYONE, "wrong_amount")
        theirs = payouts.rate_mismatches(conn, Filters(WHOLE), EVERYONE)
    assert ours == int(theirs["mismatches"].sum()) == 4


def test_month_based_checks_read_only_the_periods_months(engine: Engine) -> None:
    codes = ("missing_payment", "wrong_amount", "non_positive_amount")
    with engine.connect() as conn:
        in_2022 = {c: count_problems(conn, Filters(Period.year(2022)), EVERYONE, c) for c in codes}
        in_2023 = {c: count_problems(conn, Filters(Period.year(2023)), EVERYONE, c) for c in codes}
    assert in_2022 == {"missing_payment": 3, "wrong_amount": 4, "non_positive_amount": 2}
    assert in_2023 == dict.fromkeys(codes, 0)  # every seeded payment problem is in 2022


def test_a_commune_head_sees_only_own_communes_problems(engine: Engine, seeded) -> None:
    head = Scope.commune("06913")
    whole = found(engine, Filters(WHOLE), head)
    lapse = found(engine, Filters(LAPSE), head)
    for check in CHECKS:
        keys = (lapse if check.code == "elderly_no_bhyt" else whole)[check.code]
        assert keys == expected(seeded, check.code, "06913"), check.code
    with engine.connect() as conn:
        for result in run_checks(conn, Filters(WHOLE), head):
            assert result.rows is not None
            assert set(result.rows["unit_code"]) <= {"06913"}, result.code
    assert sum(len(v) for v in whole.values()) > 5  # Quảng Tân has problems of its own


def test_a_commune_filter_narrows_the_lists_like_a_scope(engine: Engine) -> None:
    assert found(engine, Filters(WHOLE, ("06913",))) == found(
        engine, Filters(WHOLE), Scope.commune("06913")
    )


def test_a_commune_head_cannot_ask_for_another_commune(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(OutOfScopeError):
        run_checks(conn, Filters(WHOLE, ("06901",)), Scope.commune("06913"))


def test_a_record_filed_under_the_district_is_seen_by_its_villages_commune(
    engine: Engine, seeded
) -> None:
    filed = [k for k, seen_by in seeded["unknown_unit"] if seen_by == ("06904",)]
    with engine.connect() as conn:
        rows = BY_CHECK["unknown_unit"].rows(conn, Filters(WHOLE), Scope.commune("06904"))
    assert list(rows["person_id"]) == filed
    assert list(rows["reason"]) == ["not_a_commune"] and list(rows["unit_code"]) == ["200"]


def test_viewers_get_counts_and_no_personal_columns(engine: Engine) -> None:
    viewer = Scope.everything(persons=False)
    with engine.connect() as conn:
        counts = run_checks(conn, Filters(WHOLE), viewer)
        lists = run_checks(conn, Filters(WHOLE), EVERYONE)
        rows = BY_CHECK["duplicate_person"].rows(conn, Filters(WHOLE), viewer)
    assert all(c.rows is None for c in counts)
    assert [c.total for c in counts] == [c.total for c in lists]
    assert len(rows) == 6 and set(rows["unit_code"]) == {"06895", "06901", "06913", "06916"}
    personal = {"person_id", "full_name", "birth_date", "national_id"}
    assert not personal & set(rows.columns)


def test_national_ids_leave_masked_and_duplicates_sit_in_groups(engine: Engine) -> None:
    with engine.connect() as conn:
        rows = BY_CHECK["duplicate_person"].rows(conn, Filters(WHOLE), EVERYONE)
    assert all(v == "" or re.fullmatch(r"•{8}\d{4}", v) for v in rows["national_id"])
    assert sorted(rows.groupby("group_no").size()) == [2, 2, 2]
    assert set(rows["reason"]) == {"national_id", "name_birth"}
    assert rows.groupby("group_no")["communes"].first().sort_values().tolist() == [1, 2, 2]


def test_lists_are_limited_but_the_count_is_not(engine: Engine) -> None:
    with engine.connect() as conn:
        results = run_checks(conn, Filters(Period.year(2022)), EVERYONE, limit=5)
    bhyt = next(r for r in results if r.code == "elderly_no_bhyt")
    assert bhyt.rows is not None and len(bhyt.rows) == 5 and bhyt.total > 5


# --- reconciliation -------------------------------------------------------------------------


def test_reconciliation_finds_exactly_the_seeded_mismatches(engine: Engine, seeded) -> None:
    with engine.connect() as conn:
        reports = reconciliation(conn, Filters(WHOLE), EVERYONE)
    assert len(reports) == 9 * 3 * 7  # nine communes, three indicators, seven quarters
    bad = reports[reports["mismatch"]]
    keys = set(zip(bad["indicator"], bad["unit_code"], bad["period_start"], strict=True))
    assert keys == expected(seeded, "reconciliation")
    assert dict(zip(bad["indicator"], bad["difference"], strict=True)) == {
        "F14": 3.0,
        "F15": -675_000.0,
        "F2": -12.0,
    }
    good = reports[~reports["mismatch"]]
    assert (good["difference"] == 0).all() and good["computed"].notna().all()


def test_reconciliation_respects_scope_and_period(engine: Engine) -> None:
    with engine.connect() as conn:
        mine = reconciliation(conn, Filters(WHOLE), Scope.commune("06913"))
        in_2023 = reconciliation(conn, Filters(Period.year(2023)), EVERYONE)
        q2 = reconciliation(conn, Filters(LAPSE), EVERYONE)
    assert set(mine["unit_code"]) == {"06913"} and len(mine) == 3 * 7
    assert mine["mismatch"].sum() == 1
    assert {d.year for d in in_2023["period_start"]} == {2023} and len(in_2023) == 9 * 3 * 3
    assert set(q2["period_start"]) == {date(2023, 4, 1)}
    computed = q2[(q2["indicator"] == "F14")].set_index("unit_code")["computed"]
    with engine.connect() as conn:
        _, by_unit = indicator_values(conn, Filters(LAPSE), EVERYONE, ["F14"])
    assert computed.to_dict() == dict(
        zip(by_unit["unit_code"], by_unit["numerator"].astype(float), strict=True)
    )


# --- the page -------------------------------------------------------------------------------

TITLES = {c.code: c.title("vi") for c in CHECKS}


def _counts(at) -> dict[str, str]:
    shown = metrics(at)
    return {code: shown[title] for code, title in TITLES.items()}


def _person_lists(at) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if "Họ và tên" in getattr(d.value, "columns", [])]


@pytest.fixture
def store(users_url: str) -> UserStore:
    store = UserStore(users_url)
    for username, password, role, name, commune in DEMO_USERS:
        store.add(username, password, role, name, commune)
    return store


def test_the_page_shows_every_count_but_no_list_without_sign_in(app_env) -> None:
    at = open_page("pages/quality.py", tu="2022-01", den="2023-11")
    no_exceptions(at)
    assert _counts(at) == {
        "duplicate_person": "6 trường hợp",
        "elderly_no_bhyt": "0 trường hợp",
        "missing_payment": "3 trường hợp",
        "wrong_amount": "4 trường hợp",
        "no_bank_account": "3 trường hợp",
        "child_no_intervention": "2 trường hợp",
        "housing_overdue": "2 trường hợp",
        "unknown_unit": "3 trường hợp",
        "non_positive_amount": "2 trường hợp",
        "future_date": "3 trường hợp",
        "paid_after_stop": "7 trường hợp",
        "paid_twice": "4 trường hợp",
        "national_id_mismatch": "3 trường hợp",
        "age_out_of_range": "2 trường hợp",
        "shared_bank_account": "4 trường hợp",
        **dict.fromkeys(sorted(NOT_SEEDED), "0 trường hợp"),
    }
    assert not _person_lists(at)
    assert any("chỉ xem số lượng" in i.value for i in at.info)
    assert any("Không phát hiện" in s.value for s in at.success)  # the BHYT check's empty state
    assert metrics(at)["Số liệu báo cáo chưa khớp"] == "3 / 189 số liệu"


def test_the_reconciliation_table_highlights_only_the_mismatches(app_env) -> None:
    at = open_page("pages/quality.py", tu="2022-01", den="2023-11")
    table = next(d for d in at.dataframe if "Chênh lệch" in d.value.columns).value
    bad = table[table["Khớp"] == "Chưa khớp"]
    assert sorted(bad["Chênh lệch"]) == sorted(["+3 đối tượng", "−675.000 đồng", "−12 lượt"])
    assert set(bad["Kỳ báo cáo"]) == {"Quý III/2023", "Quý IV/2022", "Quý II/2023"}


def test_a_commune_head_sees_own_lists_with_masked_ids(app_env, store) -> None:
    at = sign_in(open_page(tu="2022-01", den="2023-11"), "quangtan", PASSWORDS["quangtan"])
    at.switch_page("pages/quality.py")
    at.run()
    no_exceptions(at)
    counts = _counts(at)
    assert counts["duplicate_person"] == "2 trường hợp"  # own record and the copy filed here
    assert counts["missing_payment"] == "1 trường hợp"
    lists = _person_lists(at)
    assert lists and all(set(frame["Xã, thị trấn"]) == {"Xã Quảng Tân"} for frame in lists)
    duplicates = lists[0]
    assert all(v == "" or re.fullmatch(r"•{8}\d{4}", v) for v in duplicates["Số CCCD"])
    assert metrics(at)["Số liệu báo cáo chưa khớp"] == "1 / 21 số liệu"


def test_the_district_leader_sees_lists_from_every_commune_with_problems(app_env, store) -> None:
    at = sign_in(open_page(tu="2022-01", den="2023-11"), "lanhdao", PASSWORDS["lanhdao"])
    at.switch_page("pages/quality.py")
    at.run()
    no_exceptions(at)
    lists = _person_lists(at)
    assert len(lists) == 14  # every seeded check but the BHYT one (nobody uncovered on 30/11/2023)
    assert len(set().union(*(set(f["Xã, thị trấn"]) for f in lists))) >= 8


def test_the_page_is_in_english_too(app_env) -> None:
    at = open_page("pages/quality.py", lang="en", tu="2023-04", den="2023-06")
    no_exceptions(at)
    assert metrics(at)["Elderly without a valid health-insurance card"] == "3 cases"


# --- issue 13, defect 12: each check says what to do, where the other record is, and what it
# --- looks at for the period shown; a mismatch links to the people behind it -----------------

HEAD = Scope.commune("06913")


def _unescaped(text: str) -> str:
    """Markdown text as read: escapes dropped."""
    return re.sub(r"\\(.)", r"\1", text)


def _summary(at) -> pd.DataFrame:
    return next(t.value for t in at.table if "Phép kiểm tra" in t.value.columns)


def _signed_in(user: str, **params: str):
    at = sign_in(open_page(**params), user, PASSWORDS[user])
    at.switch_page("pages/quality.py")
    at.run()
    no_exceptions(at)
    return at


def test_a_cross_commune_duplicate_names_the_other_commune_never_its_record(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        everyone = BY_CHECK["duplicate_person"].rows(conn, Filters(WHOLE), EVERYONE)
        mine = BY_CHECK["duplicate_person"].rows(conn, Filters(WHOLE), HEAD)
        counts_only = BY_CHECK["duplicate_person"].rows(conn, Filters(WHOLE), Scope.everything())
    assert set(mine["unit_code"]) == {"06913"} and len(mine) == 2
    assert dict(zip(mine["full_name"], mine["other_communes"], strict=True)) == {
        "Nguyễn A Dũng": "Xã Quảng An",  # the copy filed in Quảng An
        "Lê Lan": "Xã Đầm Hà",  # recorded here again; the original is in Xã Đầm Hà
    }
    # the other records (their ids, villages, names as recorded there) never reach the head
    theirs = everyone[everyone["unit_code"] != "06913"]
    mates = theirs[theirs["national_id"].isin(set(mine["national_id"]))]
    assert len(mates) == 2  # each of the head's two groups has its other record elsewhere
    shown = {str(v) for column in mine.columns for v in mine[column]}
    assert not shown & {str(v) for v in mates["person_id"]}
    assert not shown & set(mates["village"]) - set(mine["village"])
    assert "Lê Hồng Lan" not in shown  # the other record's own spelling of the name
    # a group within one commune names no other commune; viewers get the names too, no people
    same = everyone[everyone["communes"] == 1]
    assert len(same) == 2 and same["other_communes"].isna().all()
    assert set(counts_only["other_communes"].dropna()) == {
        "Xã Quảng An",
        "Xã Quảng Tân",
        "Xã Đầm Hà",
    }


def test_every_check_says_what_to_do_and_no_title_is_jargon() -> None:
    for check in CHECKS:
        assert check.action("vi").strip() and check.action("en").strip(), check.code
    assert BY_CHECK["future_date"].title("vi") == "Hồ sơ ghi ngày chưa tới"
    assert "tương lai" not in BY_CHECK["future_date"].title("vi")
    # each rule says what it reads: the period's months, the reference date, or every record
    for check in CHECKS:
        rule = check.rule("vi")
        if check.period_use == "months":
            assert "kỳ đang xem" in rule, check.code
        elif check.period_use == "reference_date":
            assert "ngày chốt số liệu" in rule, check.code
        else:
            assert "không theo kỳ đang xem" in rule, check.code


def test_the_page_shows_each_checks_action_and_what_it_looks_at(app_env) -> None:
    at = open_page("pages/quality.py", tu="2023-04", den="2023-06")
    no_exceptions(at)
    shown = [_unescaped(m.value) for m in at.markdown]
    for check in CHECKS:
        assert f"**Việc cần làm:** {check.action('vi')}" in shown, check.code
    summary = _summary(at)
    assert list(summary.columns) == ["Phép kiểm tra", "Số trường hợp", "Xét theo"]
    looks = dict(zip(summary["Phép kiểm tra"], summary["Xét theo"], strict=True))
    assert looks == {
        c.title("vi"): {
            "months": "Các tháng của kỳ (Quý II/2023)",
            "reference_date": "Tình hình ngày 30/6/2023",
            "none": "Mọi hồ sơ, không theo kỳ",
        }[c.period_use]
        for c in CHECKS
    }
    assert "Đọc số liệu" not in summary.columns


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        # the BHYT lapse of June–July 2023: three elderly uncovered on 30/6, none on 30/9
        (("2023-04", "2023-06"), ("2023-07", "2023-09"), {"elderly_no_bhyt": ("3", "0")}),
        # every seeded payment problem is in 2022; none in 2023
        (
            ("2022-01", "2022-12"),
            ("2023-01", "2023-12"),
            {"missing_payment": ("3", "0"), "wrong_amount": ("4", "0")},
        ),
    ],
)
def test_the_checks_follow_the_period_chosen(app_env, first, second, expected) -> None:
    pages = [open_page("pages/quality.py", tu=a, den=b) for a, b in (first, second)]
    for at in pages:
        no_exceptions(at)
    counts = [_counts(at) for at in pages]
    for code, (before, after) in expected.items():
        assert (counts[0][code], counts[1][code]) == (
            f"{before} trường hợp",
            f"{after} trường hợp",
        ), code
    looks = [_summary(at).set_index("Phép kiểm tra")["Xét theo"] for at in pages]
    title = TITLES[next(iter(expected))]
    assert looks[0][title] != looks[1][title]  # it says which months or which day it read


def test_a_commune_head_is_told_where_the_other_record_is(app_env, store) -> None:
    at = _signed_in("quangtan", tu="2022-01", den="2023-11")
    duplicates = next(f for f in _person_lists(at) if "Hồ sơ còn lại ở xã" in f.columns)
    assert set(duplicates["Xã, thị trấn"]) == {"Xã Quảng Tân"}
    assert sorted(duplicates["Hồ sơ còn lại ở xã"]) == ["Xã Quảng An", "Xã Đầm Hà"]
    assert set(duplicates["Họ và tên"]) == {"Nguyễn A Dũng", "Lê Lan"}  # own records only
    assert any(c.value.startswith("Phạm vi: Xã Quảng Tân.") for c in at.caption)


def _links(at) -> dict[str, str]:
    return {_unescaped(link.proto.label): link.proto.query_string for link in at.get("page_link")}


def test_a_mismatch_links_to_the_people_behind_it_for_those_who_may_see_them(
    app_env, store
) -> None:
    leader = _links(_signed_in("lanhdao", tu="2022-01", den="2023-11"))
    assert leader == {
        "Đối tượng hưởng trợ cấp: Xã Quảng Tân, Quý III/2023": (
            "tu=2023-07&den=2023-09&dv=2023&xa=06913&ds=beneficiaries"
        ),
        "Chi trả hằng tháng: Xã Quảng An, Quý IV/2022": (
            "tu=2022-10&den=2022-12&dv=2023&xa=06901&ds=payments"
        ),
        "Khám sức khỏe người cao tuổi: Xã Đại Bình, Quý II/2023": (
            "tu=2023-04&den=2023-06&dv=2023&xa=06919&ds=health_visits"
        ),
    }
    head = _links(_signed_in("quangtan", tu="2022-01", den="2023-11"))
    assert list(head) == ["Đối tượng hưởng trợ cấp: Xã Quảng Tân, Quý III/2023"]
    viewer = _signed_in("xem", tu="2022-01", den="2023-11")
    assert metrics(viewer)["Số liệu báo cáo chưa khớp"] == "3 / 189 số liệu"
    assert _links(viewer) == {}
