"""The welfare database: record-level tables, identical on SQLite and PostgreSQL.

Conventions:
- money is whole đồng in BIGINT columns (``amount_vnd``); there is no float money anywhere;
- the Decree 20 coefficient is stored in tenths (``coefficient_x10 = 15`` means hệ số 1,5) so
  that ``rate × coefficient`` stays exact integer arithmetic in SQL;
- months are stored as the first day of the month (``DATE``);
- administrative units are versioned (``valid_from``/``valid_to``) and linked by
  ``admin_unit_succession``: GSO codes are reused after the 2025 merger, so a code alone is not
  an identity; every record points at the surrogate ``admin_unit.id`` in force when it was made.
"""

from __future__ import annotations

import re

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Connection, Engine

metadata = MetaData()

# An allowance payment whose amount cannot be true (definitions.payment_counted): below 0 or at
# least 100 triệu đồng, ~40× the largest monthly allowance (hệ số 5 × mức chuẩn 500.000 = 2,5
# triệu), room for a year of arrears paid at once. SQL text, for the partial index below and
# the query that must repeat its predicate for SQLite to use it (bracketed: ANDed there).
MAX_PAYMENT_VND = 100_000_000
IMPLAUSIBLE_AMOUNT = f"(amount_vnd < 0 OR amount_vnd >= {MAX_PAYMENT_VND})"

# Kinds of administrative unit; communes are the units the dashboard filters on.
KIND_PROVINCE = "province"
KIND_DISTRICT = "district"
KIND_TOWN = "thi_tran"  # thị trấn (urban commune-level unit)
KIND_COMMUNE = "xa"
COMMUNE_KINDS = (KIND_TOWN, KIND_COMMUNE)

admin_unit = Table(
    "admin_unit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(10), nullable=False),  # GSO code; reused across versions
    Column("name", String(120), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("parent_id", Integer, ForeignKey("admin_unit.id")),
    Column("population", Integer),  # census 1/4/2019, where known
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),  # NULL: still in force
    Index("ix_admin_unit_code", "code"),
    Index("ix_admin_unit_parent", "parent_id"),
)

admin_unit_succession = Table(
    "admin_unit_succession",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("old_unit_id", Integer, ForeignKey("admin_unit.id"), nullable=False),
    Column("new_unit_id", Integer, ForeignKey("admin_unit.id"), nullable=False),
    Column("effective", Date, nullable=False),
    Column("legal_basis", String(120)),
    UniqueConstraint("old_unit_id", "new_unit_id", "effective"),
    Index("ix_succession_effective", "effective", "old_unit_id"),
)

village = Table(
    "village",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("admin_unit_id", Integer, ForeignKey("admin_unit.id"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("kind", String(16), nullable=False),  # thon / ban / khu_pho
    Column("child_collaborator_since", Date),  # cộng tác viên bảo vệ trẻ em; NULL: none
    Index("ix_village_unit", "admin_unit_id"),
)

household = Table(
    "household",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("admin_unit_id", Integer, ForeignKey("admin_unit.id"), nullable=False),
    Column("village_id", Integer, ForeignKey("village.id")),
    Column("head_name", String(120)),
    Index("ix_household_unit", "admin_unit_id"),
)

household_poverty = Table(
    "household_poverty",
    metadata,
    Column("household_id", Integer, ForeignKey("household.id"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("status", String(12), nullable=False),  # poor / near_poor / none
    CheckConstraint("status IN ('poor', 'near_poor', 'none')", name="ck_poverty_status"),
)

person = Table(
    "person",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("full_name", String(120), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(1), nullable=False),  # M / F
    Column("ethnicity", String(40), nullable=False),
    Column("household_id", Integer, ForeignKey("household.id")),
    Column("admin_unit_id", Integer, ForeignKey("admin_unit.id"), nullable=False),
    Column("village_id", Integer, ForeignKey("village.id")),
    Column("national_id", String(12)),  # CCCD; personal data (Decree 13/2023)
    Column("died_on", Date),
    Index("ix_person_unit_birth", "admin_unit_id", "birth_date"),
    Index("ix_person_national_id", "national_id"),
    Index("ix_person_household", "household_id", "id"),  # a household's first member (checks)
)

health_insurance_card = Table(
    "health_insurance_card",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("person.id"), nullable=False),
    Column("card_no", String(15), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("funding", String(10), nullable=False),  # state / partial / self
    CheckConstraint("funding IN ('state', 'partial', 'self')", name="ck_bhyt_funding"),
    Index("ix_bhyt_person_valid", "person_id", "valid_from", "valid_to"),
)

health_check = Table(
    "health_check",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("person.id"), nullable=False),
    Column("admin_unit_id", Integer, ForeignKey("admin_unit.id"), nullable=False),
    Column("check_date", Date, nullable=False),
    Column("kind", String(16), nullable=False),  # periodic / consultation
    Column("free_medicine", Boolean, nullable=False, default=False),
    Index("ix_health_check_unit_date", "admin_unit_id", "check_date"),
)

child_case = Table(
    "child_case",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("person.id"), nullable=False),
    Column("admin_unit_id", Integer, ForeignKey("admin_unit.id"), nullable=False),
    Column("circumstance", String(10), nullable=False),  # special / at_risk
    Column("category", String(40), nullable=False),  # e.g. mo_coi, khuyet_tat, bo_hoc
    Column("opened_on", Date, nullable=False),
    Column("supported_on", Date),  # support (special) or intervention (at risk); NULL: none yet
    Column("support_kind", String(40)),
    Column("closed_on", Date),
    CheckConstraint("circumstance IN ('special', 'at_risk')", name="ck_child_circumstance"),
    Index("ix_child_case_unit", "admin_unit_id", "circumstance", "opened_on"),
)

child_protection_board = Table(
    "child_protection_board",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("admin_unit_id", Integer, ForeignKey("admin_unit.id"), nullable=False),
    Column("established_on", Date, nullable=False),
    Column("decision_no", String(40)),
    Index("ix_board_unit", "admin_unit_id"),
)

housing_grant = Table(
    "housing_grant",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("household_id", Integer, ForeignKey("household.id"), nullable=False),
    Column("admin_unit_id", Integer, ForeignKey("admin_unit.id"), nullable=False),
    Column("kind", String(8), nullable=False),  # new / repair
    Column("amount_vnd", BigInteger, nullable=False),
    Column("funding_source", String(16), nullable=False),  # socialised / state / mixed
    Column("target_group", String(16), nullable=False),  # poor / near_poor / elderly_alone / other
    Column("approved_on", Date, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("started_on", Date),
    Column("completed_on", Date),
    Column("status", String(10), nullable=False),  # approved / building / completed
    CheckConstraint("kind IN ('new', 'repair')", name="ck_housing_kind"),
    CheckConstraint("status IN ('approved', 'building', 'completed')", name="ck_housing_status"),
    Index("ix_housing_unit_approved", "admin_unit_id", "approved_on"),
)

vocational_class = Table(
    "vocational_class",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(160), nullable=False),
    Column("field", String(10), nullable=False),  # agri / non_agri
    Column("admin_unit_id", Integer, ForeignKey("admin_unit.id"), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("hours", Integer, nullable=False),
    Column("partner", String(160)),
    CheckConstraint("field IN ('agri', 'non_agri')", name="ck_class_field"),
    Index("ix_class_unit_start", "admin_unit_id", "start_date"),
)

enrolment = Table(
    "enrolment",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("class_id", Integer, ForeignKey("vocational_class.id"), nullable=False),
    Column("person_id", Integer, ForeignKey("person.id"), nullable=False),
    Column("completed", Boolean, nullable=False, default=False),
    Column("employed_after", Boolean, nullable=False, default=False),
    Index("ix_enrolment_class", "class_id"),
)

job_event = Table(
    "job_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # job_fair / labour_export / recruitment
    Column("event_date", Date, nullable=False),
    Column("partner", String(160), nullable=False),
    Column("admin_unit_id", Integer, ForeignKey("admin_unit.id"), nullable=False),
    Column("attendees", Integer, nullable=False),
    Column("registered", Integer, nullable=False, default=0),  # people who signed up for a job
    CheckConstraint(
        "kind IN ('job_fair', 'labour_export', 'recruitment')", name="ck_job_event_kind"
    ),
    Index("ix_job_event_unit_date", "admin_unit_id", "event_date"),
)

allowance_rate = Table(
    "allowance_rate",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),
    Column("amount_vnd", BigInteger, nullable=False),  # mức chuẩn trợ giúp xã hội
    Column("legal_basis", String(160)),
)

allowance_beneficiary = Table(
    "allowance_beneficiary",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("person.id"), nullable=False),
    Column("admin_unit_id", Integer, ForeignKey("admin_unit.id"), nullable=False),
    Column("group_code", String(16), nullable=False),  # Decree 20/2021 group
    Column("coefficient_x10", Integer, nullable=False),  # hệ số × 10
    Column("start_month", Date, nullable=False),
    Column("end_month", Date),  # last month paid; NULL: still active
    Column("payment_method", String(8), nullable=False),  # bank / cash
    Column("bank_account", String(20)),  # personal data
    Column("bank_name", String(60)),
    Index("ix_beneficiary_unit", "admin_unit_id", "start_month", "end_month"),
    Index("ix_beneficiary_person", "person_id"),
)

allowance_payment = Table(
    "allowance_payment",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("beneficiary_id", Integer, ForeignKey("allowance_beneficiary.id"), nullable=False),
    Column("admin_unit_id", Integer, ForeignKey("admin_unit.id"), nullable=False),
    Column("month", Date, nullable=False),  # first day of the month paid for
    Column("amount_vnd", BigInteger, nullable=False),
    Column("method", String(8), nullable=False),  # bank / cash
    Column("paid_on", Date),
    # planned / paid / pending / returned / recovered (vocab.PAYMENT_STATUSES); F15 sums paid
    Column("status", String(10), nullable=False),
    CheckConstraint(
        "status IN ('planned', 'paid', 'pending', 'returned', 'recovered')",
        name="ck_payment_status",
    ),
    Index("ix_payment_unit_month", "admin_unit_id", "month"),
    Index("ix_payment_beneficiary_month", "beneficiary_id", "month"),
    # definitions.data_as_of / first_month run on every page: max(month) is one index lookup, not
    # a scan of tens of millions of payments at national scale.
    Index("ix_payment_month", "month"),
    # excluded.excluded_counts on every page: the few payments with an amount that cannot be
    # true, found without reading a year of payments. PostgreSQL matches the query's
    # NOT payment_counted(...) to this predicate (21 s -> 0,1 s at scale 700, README).
    Index(
        "ix_payment_implausible",
        "month",
        postgresql_where=text(IMPLAUSIBLE_AMOUNT),
        sqlite_where=text(IMPLAUSIBLE_AMOUNT),
    ),
)

# The commune's decision to stop or suspend a beneficiary's allowance (Decree 20/2021 art. 8,
# Circular 02/2021/TT-BLĐTBXH; the commune chairman decides since 1/7/2025, Decree 147/2025):
# no payment is due from ``effective_month`` on — for a stop for good, for a suspension until
# ``resume_month`` (the first month paid again; NULL: not resumed yet). ``ground`` is one of
# vocab.STOP_GROUNDS; ``decided_by`` who signed it, as written on the decision.
allowance_decision = Table(
    "allowance_decision",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("beneficiary_id", Integer, ForeignKey("allowance_beneficiary.id"), nullable=False),
    Column("kind", String(8), nullable=False),  # stop / suspend
    Column("ground", String(12), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("effective_month", Date, nullable=False),  # first month not paid
    Column("resume_month", Date),  # a suspension's first month paid again
    Column("decided_by", String(120)),
    CheckConstraint("kind IN ('stop', 'suspend')", name="ck_decision_kind"),
    CheckConstraint(
        "ground IN ('death', 'missing', 'ineligible', 'prison', 'refused', 'other')",
        name="ck_decision_ground",
    ),
    Index("ix_decision_beneficiary", "beneficiary_id", "effective_month"),
)

target = Table(
    "target",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("indicator", String(16), nullable=False),
    Column("admin_unit_id", Integer, ForeignKey("admin_unit.id")),  # NULL: the whole district
    Column("year", Integer, nullable=False),
    Column("value", Float, nullable=False),  # a ratio (0–1), a count, or đồng
    Index("ix_target_lookup", "indicator", "year", "admin_unit_id"),
)

reported_figure = Table(
    "reported_figure",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("indicator", String(16), nullable=False),
    Column("admin_unit_id", Integer, ForeignKey("admin_unit.id"), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("reported_on", Date, nullable=False),
    Index("ix_reported_lookup", "indicator", "admin_unit_id", "period_start"),
)

dataset_info = Table(
    "dataset_info",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("updated_at", DateTime),
)

# Who issues the reports of a unit over a period, and how the dashboard names the unit's whole
# area: the letterhead of a report is data, chosen by the unit and the period the report covers
# (``data_access.organisation``). Decree 30/2020/NĐ-CP, Appendix I: the issuing body in bold
# capitals under the body above it, "Số: …/<number_suffix>", "<place>, ngày … tháng … năm …",
# the signature block and "Nơi nhận". One row per body and period: a district's office of
# labour, invalids and social affairs until 30/6/2025, a province's department from 1/7/2025.
# A unit with no row in force gets a plain letterhead built from its own name ("UBND XÃ …",
# "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"), never a place written in code. Lines of ``signer`` and
# ``recipients`` are separated by a newline. Each ``*_en`` column is the English text; NULL
# means the Vietnamese is used as it stands (names of bodies stay names).
organisation = Table(
    "organisation",
    metadata,
    Column("id", Integer, primary_key=True),
    # The unit whose reports the body issues: a district, a province, or a commune.
    Column("admin_unit_id", Integer, ForeignKey("admin_unit.id"), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),  # NULL: still issuing
    Column("parent_name", String(200)),  # the line above the body: "UBND HUYỆN …"; NULL: none
    Column("parent_name_en", String(200)),
    Column("body_caps", String(200), nullable=False),  # letterhead: "PHÒNG LAO ĐỘNG - …"
    Column("body_caps_en", String(200)),
    Column("body_name", String(200), nullable=False),  # in a sentence: "Phòng Lao động - …"
    Column("body_name_en", String(200)),
    Column("number_suffix", String(40), nullable=False),  # "BC-LĐTBXH" in "Số: …/BC-LĐTBXH"
    Column("place", String(80), nullable=False),  # the date line's place: "Quảng Ninh"
    Column("signer", String(200), nullable=False),  # "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH"
    Column("signer_en", String(200)),
    Column("recipients", String(1000)),  # "Nơi nhận", one per line; NULL: "- Lưu: VT."
    Column("recipients_en", String(1000)),
    # The unit's whole area on pages and in reports ("Toàn huyện"); NULL: from the unit's kind.
    Column("area_label", String(120)),
    Column("area_label_en", String(120)),
    CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_organisation_dates"),
    Index("ix_organisation_unit", "admin_unit_id", "valid_from"),
)
# The dashboard's title is a setting of the deployment: ``dataset_info`` keys ``app_title`` and
# ``app_title_en`` ("An sinh xã hội …"); without them the title is built from the data's area.


def ensure_indexes(engine: Engine) -> list[str]:
    """Create the indexes this schema declares that an existing database lacks; their names.

    ``metadata.create_all`` adds missing tables only: a database built by an older version keeps
    its tables without an index added since (``ix_payment_implausible``, issue 14). Run by the
    operator's summary refresh (the dashboard's own connection only reads). On PostgreSQL each
    CREATE INDEX blocks writes to its table while it is built (minutes for 80 million payments).
    """
    inspector = inspect(engine)
    created = []
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        present = {i["name"] for i in inspector.get_indexes(table.name)}
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            if index.name not in present:
                index.create(bind=engine)
                created.append(str(index.name))
    return created


# --- imports (the one writing path: ``ingest``) ------------------------------------------------
# One row per list loaded: who, when, which file (its SHA-256), the batch it replaced (a kind of
# list, a commune, a month) and what changed. Appended by ``ingest.load`` in the same transaction
# as the rows; a file that changes nothing writes nothing, not even here.
import_log = Table(
    "import_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # "payments", …
    Column("admin_unit_id", Integer, ForeignKey("admin_unit.id"), nullable=False),
    Column("month", Date, nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("user_name", String(80), nullable=False),
    Column("loaded_at", DateTime, nullable=False),
    Column("rows_in_file", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Index("ix_import_log_batch", "kind", "admin_unit_id", "month"),
)
# The batches loaded so far, one row each: the row a load locks (FOR UPDATE NOWAIT on
# PostgreSQL), so that of two loads of the same batch at once one wins and the other is told.
import_batch = Table(
    "import_batch",
    metadata,
    Column("kind", String(20), primary_key=True),
    Column("admin_unit_id", Integer, ForeignKey("admin_unit.id"), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("sha256", String(64), nullable=False),  # the file whose rows the batch now holds
    Column("loaded_at", DateTime, nullable=False),
)


# --- change counters ------------------------------------------------------------------------
# Every writer's change to a table is recorded in ``change_event`` by triggers the schema
# installs, so that the summaries' freshness (summaries.freshness) sees a row updated in place or
# deleted in the middle of a table, by any writer, not only rows added at the end: the number of
# a table's events is part of the fingerprint. Events are appended, never updated, so writers to
# one table never wait on each other for them; the summary refresh empties the table in its own
# transaction. PostgreSQL records every INSERT, UPDATE, DELETE and TRUNCATE statement
# (statement-level triggers: a load of a million rows is one event). SQLite has row-level
# triggers only: each row UPDATEd or DELETEd is an event; INSERT is not recorded (a trigger per
# inserted row makes a bulk load ~4× slower), and new rows show in the table's largest id
# instead. A rolled-back change rolls its events back.
change_event = Table(
    "change_event",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("table_name", String(63), nullable=False),
    Index("ix_change_event_table", "table_name"),
)
COUNT_FUNCTION = "welfare_count_change"
_INSTALL_LOCK = 762_015  # pg_advisory_xact_lock key: one installer at a time


def counted_tables() -> list[Table]:
    """The tables whose changes are recorded: every table of the schema but the events'."""
    return [t for t in metadata.sorted_tables if t is not change_event]


def table_readable(conn: Connection, name: str) -> bool:
    """True when table ``name`` exists (and, on PostgreSQL, this role may read it)."""
    if conn.dialect.name == "postgresql":
        found = conn.execute(
            text("SELECT coalesce(has_table_privilege(to_regclass(:name), 'SELECT'), false)"),
            {"name": name},
        ).scalar()
    else:
        found = conn.execute(
            text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": name},
        ).scalar()
    return bool(found)


IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _trigger_names(dialect: str, table: str) -> list[str]:
    if dialect == "postgresql":
        return [f"trg_{table}_changes", f"trg_{table}_changes_truncate"]
    return [f"trg_{table}_upd_changes", f"trg_{table}_del_changes"]


def change_counter_ddl(dialect: str, table: str) -> dict[str, str]:
    """{trigger name: its CREATE statement} recording changes to ``table`` on ``dialect``.

    DDL takes no bound parameters: the table name, one of the schema's own identifiers (never
    user input, and checked against ``IDENTIFIER``), is written into the text.
    """
    if not IDENTIFIER.match(table):
        raise ValueError(f"not a table name of the schema: {table!r}")
    first, second = _trigger_names(dialect, table)
    if dialect == "postgresql":
        return {
            first: f"CREATE TRIGGER {first} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {COUNT_FUNCTION}()",
            second: f"CREATE TRIGGER {second} AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {COUNT_FUNCTION}()",
        }
    record = f"INSERT INTO change_event (table_name) VALUES ('{table}')"  # noqa: S608 (checked)
    return {
        first: f"CREATE TRIGGER {first} AFTER UPDATE ON {table} BEGIN {record}; END",
        second: f"CREATE TRIGGER {second} AFTER DELETE ON {table} BEGIN {record}; END",
    }


# PostgreSQL: one trigger function for every table; TG_TABLE_NAME names the table changed. Its
# search_path is the one it was created under, whatever the writer's session sets.
_COUNT_FUNCTION_SQL = """
CREATE FUNCTION welfare_count_change() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO change_event (table_name) VALUES (TG_TABLE_NAME);
    RETURN NULL;
END
$$
"""


def _installed(connection: Connection) -> tuple[bool, set[str]]:
    """(whether the PostgreSQL function exists, names of the triggers there are)."""
    if connection.dialect.name == "postgresql":
        function = connection.execute(
            text(
                "SELECT count(*) FROM pg_proc WHERE proname = :name "
                "AND pronamespace = current_schema()::regnamespace"
            ),
            {"name": COUNT_FUNCTION},
        ).scalar_one()
        names = connection.execute(
            text(
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
            )
        ).scalars()
        return bool(function), set(names)
    found = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    return True, set(found.scalars())


def install_change_counters(connection: Connection) -> int:
    """Create what is missing of the change recording (the function, a table's triggers) for
    every counted table that exists; the number of statements run. Nothing is dropped or
    replaced: on a database that has it all this runs no DDL and takes no lock on a table."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _INSTALL_LOCK})
    function, triggers = _installed(connection)
    run = 0
    if not function:
        connection.exec_driver_sql(_COUNT_FUNCTION_SQL)
        run += 1
    present = set(inspect(connection).get_table_names())
    for table in counted_tables():
        if table.name not in present:
            continue
        for name, statement in change_counter_ddl(dialect, table.name).items():
            if name not in triggers:
                connection.exec_driver_sql(statement)
                run += 1
    return run


def _after_create(target: MetaData, connection: Connection, **_: object) -> None:
    install_change_counters(connection)


event.listen(metadata, "after_create", _after_create)


def ensure_change_counters(engine: Engine) -> bool:
    """Install the change recording (and any table added to the schema since, such as the import
    log) in a database built before them; True when it lacked the recording.

    Run by the operator's summary refresh, as ``ensure_indexes`` (the dashboard only reads). On a
    database that has everything it only reads the catalogue.
    """
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
    lacked = change_event.name not in present
    missing = [t for t in metadata.sorted_tables if t.name not in present]
    if missing:  # its after_create hook installs what is missing of the recording
        metadata.create_all(engine, tables=missing)
    else:
        with engine.begin() as conn:
            install_change_counters(conn)
    return lacked
