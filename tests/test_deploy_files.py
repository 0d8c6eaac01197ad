"""The files README "Deploy" installs say what the README says: deploy/roles.sql is the two role
sections' SQL (the one tests/test_readonly_role.py and tests/test_writer_role.py run), its
passwords psql variables; the Deploy commands name files that exist."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"


def _sql_after(heading: str) -> str:
    section = README.read_text(encoding="utf-8").split(heading, 1)[1]
    found = re.search(r"```sql\n(.*?)```", section, re.S)
    assert found, heading
    return found.group(1)


def _statements(sql: str) -> list[str]:
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [" ".join(s.split()) for s in "\n".join(lines).split(";") if s.strip()]


def test_roles_sql_is_the_readme_role_sql_with_its_passwords_as_variables() -> None:
    reader = _sql_after("### A read-only PostgreSQL role for the dashboard")
    writer = _sql_after("### A PostgreSQL role for the import path")
    expected = _statements(
        reader.replace("'change-me'", ":'reader_password'")
        + writer.replace("'change-me'", ":'writer_password'")
    )
    shipped = _statements((REPO / "deploy" / "roles.sql").read_text(encoding="utf-8"))
    assert shipped == expected
    assert len(shipped) == 18


def test_the_deploy_commands_name_files_that_exist() -> None:
    text = README.read_text(encoding="utf-8").split("## Deploy", 1)[1]
    named = set(re.findall(r"\bdeploy/[\w./-]+", text))
    assert "deploy/roles.sql" in named and "deploy/welfare-dashboard.service" in named
    for name in named:
        assert (REPO / name.rstrip(".")).is_file(), name


def test_the_systemd_shim_reads_the_shipped_units_and_settings_as_systemd_does(
    tmp_path: Path,
) -> None:
    from tests.browser import systemd_shim  # test-only code, beside the deployment test

    unit = systemd_shim.read_unit(REPO / "deploy" / "welfare-dashboard.service")
    service = unit["Service"]
    assert (service["User"], service["Group"]) == ("welfare", "welfare")
    assert service["EnvironmentFile"] == "/etc/welfare/env"
    assert service["ExecStart"].startswith("/srv/welfare/.venv/bin/python -m streamlit run ")
    timer = systemd_shim.read_unit(REPO / "deploy" / "welfare-briefing.timer")
    assert timer["Timer"]["OnCalendar"] == "*-01,04,07,10-05 07:00:00 Asia/Ho_Chi_Minh"
    settings = tmp_path / "env"
    settings.write_text('# a comment\nA="postgresql://r:x@127.0.0.1/w"\n\nB=plain\nC="two words"\n')
    assert systemd_shim.environment_file(str(settings)) == {
        "A": "postgresql://r:x@127.0.0.1/w",
        "B": "plain",
        "C": "two words",
    }
    assert systemd_shim.environment_file(f"-{tmp_path / 'absent'}") == {}
    # systemd-run makes a relative command absolute from the caller's directory, keeping a
    # virtualenv's python link (resolving it would leave the virtualenv).
    assert systemd_shim.executable(".venv/bin/python", "/srv/welfare") == (
        "/srv/welfare/.venv/bin/python"
    )
