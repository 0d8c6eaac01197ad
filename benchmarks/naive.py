"""The naive path the dashboard is compared with: what a typical Streamlit app does.

``pd.read_sql`` of the record-level rows of the tables involved, with only the period in the
WHERE, grouped and counted in pandas; its numbers are checked equal to the dashboard's before
its time is reported.
"""

from __future__ import annotations

import gc
import sys
import time
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema as s
from data_access.definitions import (
    ELDERLY_AGE,
    ELDERLY_CHECK_KINDS,
    JOB_FAIR_KINDS,
    STATE_SUPPORTED_FUNDING,
    reference_date,
    years_before,
)
from data_access.filters import VERSION_DATES, Filters, month_end
from data_access.indicators import INDICATORS
from data_access.overview import OverviewFigures

from .cases import Case
from .timing import Row, ms_text


def _read(conn: Connection, sql: str, **params: Any) -> pd.DataFrame:
    """``pd.read_sql`` of a plain SQL text, dates bound as dates."""
    stmt = sa.text(sql).bindparams(
        *(
            sa.bindparam(k, v, type_=sa.Date() if isinstance(v, date) else None)
            for k, v in params.items()
        )
    )
    return pd.read_sql(stmt, conn)


def _day(values: pd.Series) -> pd.Series:
    """Stored dates (text on SQLite, dates on PostgreSQL) as pandas timestamps."""
    return pd.to_datetime(values)


class Naive:
    """What a typical Streamlit app does: read the record-level rows, group in pandas.

    Only the whole selection is supported (every commune, no scope limit), which is the case
    the benchmark times; each measure group reads its own tables, as a page would.
    """

    def __init__(self, conn: Connection, filters: Filters) -> None:
        assert not filters.communes, "the naive path is timed for every commune"
        self.conn, self.period = conn, filters.period
        latest = _read(conn, "SELECT max(month) AS m FROM allowance_payment")["m"].iloc[0]
        as_of = None if latest is None else month_end(_day(pd.Series([latest]))[0].date())
        self.ref = reference_date(filters.period, as_of)
        on = pd.Timestamp(VERSION_DATES[filters.version])
        units = _read(conn, "SELECT * FROM admin_unit")
        succession = _read(conn, "SELECT * FROM admin_unit_succession")
        valid = (_day(units["valid_from"]) <= on) & (
            units["valid_to"].isna() | (_day(units["valid_to"]) >= on)
        )
        communes = units[units["kind"].isin(s.COMMUNE_KINDS) & valid].sort_values("code")
        rolled = succession[
            (_day(succession["effective"]) <= on)
            & succession["new_unit_id"].isin(set(units.loc[valid, "id"]))
        ]
        self.map = pd.concat(
            [
                pd.DataFrame({"base_id": communes["id"], "unit_id": communes["id"]}),
                pd.DataFrame({"base_id": rolled["old_unit_id"], "unit_id": rolled["new_unit_id"]}),
            ]
        )
        self.catalogue = pd.DataFrame({"unit_id": communes["id"].to_numpy()})
        self.units = units

    def by_unit(self, rows: pd.DataFrame, **aggregates: tuple[str, str]) -> pd.DataFrame:
        """Roll record rows up to the version's units; every unit gets a row (zeros)."""
        merged = rows.merge(self.map, left_on="admin_unit_id", right_on="base_id")
        out = merged.groupby("unit_id").agg(**aggregates).reset_index()
        frame = self.catalogue.merge(out, on="unit_id", how="left")
        names = list(aggregates)
        frame[names] = frame[names].fillna(0).astype("int64")
        return frame

    def group(self, name: str) -> pd.DataFrame:
        """unit_id and the group's measure columns, computed in pandas."""
        return getattr(self, name)()

    def health_visits(self) -> pd.DataFrame:
        """Elderly-programme visits in the period, and those with free medicine."""
        h = _read(
            self.conn,
            "SELECT * FROM health_check WHERE check_date BETWEEN :a AND :b",
            a=self.period.start,
            b=self.period.end_date,
        )
        h = h[h["kind"].isin(ELDERLY_CHECK_KINDS)].assign(
            med=lambda d: d["free_medicine"].astype(bool)
        )
        return self.by_unit(h, health_visits=("id", "count"), visits_with_medicine=("med", "sum"))

    def housing(self) -> pd.DataFrame:
        """Grants approved in the period: new builds, repairs, amounts, completed."""
        g = _read(
            self.conn,
            "SELECT * FROM housing_grant WHERE approved_on BETWEEN :a AND :b",
            a=self.period.start,
            b=self.period.end_date,
        )
        g = g.assign(
            new=g["kind"] == "new",
            repair=g["kind"] == "repair",
            soc=g["amount_vnd"].where(g["funding_source"] == "socialised", 0),
            done=g["status"] == "completed",
        )
        return self.by_unit(
            g,
            new_builds=("new", "sum"),
            repairs=("repair", "sum"),
            grant_amount=("amount_vnd", "sum"),
            socialised_amount=("soc", "sum"),
            grants_completed=("done", "sum"),
        )

    def job_events(self) -> pd.DataFrame:
        """Job events in the period: fairs, recruitment consultations, attendees."""
        e = _read(
            self.conn,
            "SELECT * FROM job_event WHERE event_date BETWEEN :a AND :b",
            a=self.period.start,
            b=self.period.end_date,
        )
        e = e.assign(fair=e["kind"].isin(JOB_FAIR_KINDS), rec=e["kind"] == "recruitment")
        return self.by_unit(
            e,
            job_fairs=("fair", "sum"),
            recruitment_events=("rec", "sum"),
            event_attendees=("attendees", "sum"),
        )

    def training(self) -> pd.DataFrame:
        """Classes started in the period by field, their learners and completions."""
        window = {"a": self.period.start, "b": self.period.end_date}
        classes = _read(
            self.conn, "SELECT * FROM vocational_class WHERE start_date BETWEEN :a AND :b", **window
        )
        enrolments = _read(
            self.conn,
            "SELECT * FROM enrolment WHERE class_id IN "
            "(SELECT id FROM vocational_class WHERE start_date BETWEEN :a AND :b)",
            **window,
        )
        per_class = (
            enrolments.assign(done=enrolments["completed"].astype(bool))
            .groupby("class_id")
            .agg(n=("id", "count"), d=("done", "sum"))
            .reset_index()
        )
        c = classes.merge(per_class, left_on="id", right_on="class_id", how="left")
        c = c.assign(
            n=c["n"].fillna(0),
            d=c["d"].fillna(0),
            non_agri=c["field"] == "non_agri",
            agri=c["field"] == "agri",
        )
        return self.by_unit(
            c,
            classes=("id", "count"),
            classes_non_agri=("non_agri", "sum"),
            classes_agri=("agri", "sum"),
            learners=("n", "sum"),
            learners_completed=("d", "sum"),
        )

    def payouts(self) -> pd.DataFrame:
        """Paid allowance payments of the period: amount and count."""
        p = _read(
            self.conn,
            "SELECT * FROM allowance_payment WHERE month BETWEEN :a AND :b",
            a=self.period.start,
            b=self.period.end,
        )
        p = p[p["status"] == "paid"]
        return self.by_unit(p, paid_amount=("amount_vnd", "sum"), payments=("id", "count"))

    def allowance_active(self) -> pd.DataFrame:
        """Beneficiaries on the list in the reference month, and those paid by account."""
        month = self.ref.replace(day=1)
        b = _read(self.conn, "SELECT * FROM allowance_beneficiary WHERE start_month <= :m", m=month)
        b = b[b["end_month"].isna() | (_day(b["end_month"]) >= pd.Timestamp(month))]
        b = b.assign(bank=b["payment_method"] == "bank")
        return self.by_unit(b, beneficiaries=("id", "count"), beneficiaries_bank=("bank", "sum"))

    def elderly_bhyt(self) -> pd.DataFrame:
        """Elderly people alive on the reference date, those holding a state-supported card."""
        ref = pd.Timestamp(self.ref)
        born_by = years_before(self.ref, ELDERLY_AGE)
        p = _read(self.conn, "SELECT * FROM person WHERE birth_date <= :b", b=born_by)
        p = p[p["died_on"].isna() | (_day(p["died_on"]) > ref)]
        cards = _read(
            self.conn,
            "SELECT * FROM health_insurance_card WHERE valid_from <= :r AND valid_to >= :r",
            r=self.ref,
        )
        covered = set(cards.loc[cards["funding"].isin(STATE_SUPPORTED_FUNDING), "person_id"])
        p = p.assign(cov=p["id"].isin(covered))
        return self.by_unit(p, elderly=("id", "count"), elderly_covered=("cov", "sum"))

    def children(self) -> pd.DataFrame:
        """Child cases open in the period by circumstance, and those supported by the ref date."""
        ref = pd.Timestamp(self.ref)
        k = _read(
            self.conn,
            "SELECT * FROM child_case WHERE opened_on <= :e",
            e=min(self.period.end_date, self.ref),
        )
        k = k[k["closed_on"].isna() | (_day(k["closed_on"]) >= pd.Timestamp(self.period.start))]
        supported = k["supported_on"].notna() & (_day(k["supported_on"]) <= ref)
        special, at_risk = k["circumstance"] == "special", k["circumstance"] == "at_risk"
        k = k.assign(sp=special, sps=special & supported, ar=at_risk, ars=at_risk & supported)
        return self.by_unit(
            k,
            special_cases=("sp", "sum"),
            special_supported=("sps", "sum"),
            at_risk_cases=("ar", "sum"),
            at_risk_supported=("ars", "sum"),
        )

    def boards(self) -> pd.DataFrame:
        """Communes valid on the reference date, and those with a child-protection board."""
        ref = pd.Timestamp(self.ref)
        u = self.units
        boards = _read(self.conn, "SELECT * FROM child_protection_board")
        with_board = set(boards.loc[_day(boards["established_on"]) <= ref, "admin_unit_id"])
        valid = (_day(u["valid_from"]) <= ref) & (
            u["valid_to"].isna() | (_day(u["valid_to"]) >= ref)
        )
        c = u[u["kind"].isin(s.COMMUNE_KINDS) & valid]
        c = c.assign(admin_unit_id=c["id"], board=c["id"].isin(with_board))
        return self.by_unit(c, communes=("id", "count"), communes_with_board=("board", "sum"))

    def villages(self) -> pd.DataFrame:
        """Villages, and those with a child-protection collaborator by the reference date."""
        v = _read(self.conn, "SELECT * FROM village")
        since = v["child_collaborator_since"]
        v = v.assign(col=since.notna() & (_day(since) <= pd.Timestamp(self.ref)))
        return self.by_unit(v, villages=("id", "count"), villages_with_collaborator=("col", "sum"))


def naive_groups(
    conn: Connection, filters: Filters, groups: list[str]
) -> tuple[dict[str, pd.DataFrame], dict[str, float]]:
    """Every group of ``groups`` the naive way, each reading its own rows: (frames, seconds)."""
    frames, seconds = {}, {}
    for group in groups:
        gc.collect()  # one group's rows at a time, as a page holds them
        started = time.perf_counter()
        frames[group] = Naive(conn, filters).group(group)
        seconds[group] = time.perf_counter() - started
        print(
            f"  naive     {group} {filters.period.start:%Y}: {ms_text(seconds[group])} ms",
            file=sys.stderr,
            flush=True,
        )
    return frames, seconds


def check_naive(case: Case, naive: dict[str, pd.DataFrame], dashboard: list[Any]) -> str:
    """Assert the naive numbers are the dashboard's; say what was compared.

    :raises AssertionError: a measure differs (the comparison would not be honest).
    """
    if case.page == "overview":
        (figures,) = [r for r in dashboard if isinstance(r, OverviewFigures)]
        head = figures.headline
        assert head is not None, "the headline failed on a value"
        for ind in INDICATORS:
            part = naive[ind.group]
            row = head[head["code"] == ind.code].iloc[0]
            assert int(part[ind.numerator].sum()) == int(row["numerator"]), ind.code
            if ind.denominator:
                assert int(part[ind.denominator].sum()) == int(row["denominator"]), ind.code
        return f"{len(INDICATORS)} indicators' numerators and denominators"
    (group,) = case.naive_groups
    columns = ["unit_id", *queries_columns(dashboard[0])]
    got = dashboard[0][columns].sort_values("unit_id").reset_index(drop=True)
    want = naive[group][columns].sort_values("unit_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    return f"{len(columns) - 1} measures × {len(got)} units"


def queries_columns(frame: pd.DataFrame) -> list[str]:
    """The measure columns of a ``queries.measures`` frame."""
    return [c for c in frame.columns if c not in ("unit_id", "code", "name")]


def time_naive(conn: Connection, filters: Filters, rows: list[Row]) -> None:
    """Time and check the naive path of every row that has one.

    Each measure group is read once for the period (its own row) and once for the same period
    last year; the overview's naive time is the sum of all of them, as it needs both.
    """
    groups = sorted({g for r in rows for g in r.case.naive_groups})
    now, now_s = naive_groups(conn, filters, groups)
    before = filters.with_period(filters.period.same_period_last_year())
    _, before_s = naive_groups(conn, before, groups)
    for row in rows:
        if not row.case.naive_groups or row.summary is None:
            continue
        part = {g: now[g] for g in row.case.naive_groups}
        row.naive_checked = check_naive(row.case, part, row.summary.results)
        row.naive = sum(now_s[g] for g in row.case.naive_groups)
        if row.case.page == "overview":  # the headline compares with the same period last year
            row.naive += sum(before_s[g] for g in row.case.naive_groups)
